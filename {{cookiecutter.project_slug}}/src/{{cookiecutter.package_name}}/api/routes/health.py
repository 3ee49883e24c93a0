from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ...problems import problem

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: signing keys are at hand when bearer tokens are on")
async def readyz(request: Request) -> JSONResponse:
    keys = request.app.state.signing_keys
    if keys is not None and not await keys.ready():
        return problem(
            request,
            503,
            "The identity provider's signing keys are not available: "
            + (keys.problem or "not fetched yet."),
            reason="signing_keys_unavailable",
            headers={"Retry-After": str(keys.retry_after())},
        )
    return JSONResponse({"status": "ready"})
