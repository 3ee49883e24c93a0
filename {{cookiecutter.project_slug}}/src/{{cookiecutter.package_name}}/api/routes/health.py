from __future__ import annotations

from fastapi import APIRouter

from ...identity.errors import SigningKeysUnavailable
from ...openapi import RETRY_AFTER, problem_answer
from ..deps import AuthenticatedRoute, ServicesDep

router = APIRouter(tags=["health"], route_class=AuthenticatedRoute)
NOT_READY = "The identity provider's signing keys are not available: "


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: signing keys are at hand when bearer tokens are on",
    responses={
        503: problem_answer(
            503,
            "Not ready: the IdP's signing keys are not at hand (bearer tokens only).",
            NOT_READY + "not fetched yet.",
            headers=RETRY_AFTER,
        )
    },
)
async def readyz(services: ServicesDep) -> dict[str, str]:
    if services.tokens is not None:
        keys = services.tokens.keys
        if not await keys.ready():
            raise SigningKeysUnavailable(
                keys.retry_after(),
                NOT_READY + (keys.problem or "not fetched yet."),
            )
    return {"status": "ready"}
