from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from ..deps import AuthenticatedRoute, CurrentPrincipal

router = APIRouter(prefix="/v1", tags=["identity"], route_class=AuthenticatedRoute)


class Me(BaseModel):
    subject: str
    display_name: str
    roles: list[str]
    permissions: list[str]
    auth_source: str
    issuer: str | None


@router.get("/me", summary="Who the service thinks you are")
async def me(principal: CurrentPrincipal) -> Me:
    return Me(
        subject=principal.subject,
        display_name=principal.display_name,
        roles=sorted(principal.roles),
        permissions=sorted(principal.permissions),
        auth_source=principal.auth_source,
        issuer=principal.issuer,
    )
