from __future__ import annotations

from fastapi import APIRouter

from ...identity.errors import SigningKeysUnavailable
from ..deps import AuthenticatedRoute, ServicesDep

router = APIRouter(tags=["health"], route_class=AuthenticatedRoute)


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: signing keys are at hand when bearer tokens are on")
async def readyz(services: ServicesDep) -> dict[str, str]:
    if services.tokens is not None:
        keys = services.tokens.keys
        if not await keys.ready():
            raise SigningKeysUnavailable(
                keys.retry_after(),
                "The identity provider's signing keys are not available: "
                + (keys.problem or "not fetched yet."),
            )
    return {"status": "ready"}
