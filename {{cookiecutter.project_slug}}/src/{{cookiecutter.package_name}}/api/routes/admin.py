"""Admin-only: the effective security configuration, without secrets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request

from ...identity.principal import Principal
from ..deps import require_roles

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.get("/security", summary="Effective identity settings (admin role)")
async def security_settings(
    request: Request, principal: Annotated[Principal, require_roles("admin")]
) -> dict[str, object]:
    settings = request.app.state.settings
    authenticator = request.app.state.authenticator
    rules = authenticator.edge_rules
    return {
        "identity_source": settings.identity_source,
        "edge_appliance": settings.edge_appliance,
        "trusted_edge_networks": [str(n) for n in settings.trusted_edge_networks],
        "edge_user_header": rules.user_header,
        "edge_groups_header": rules.groups_header,
        "edge_groups_separator": rules.separator,
        "idp": settings.idp,
        "oidc_issuer": settings.oidc_issuer or None,
        "oidc_audience": list(settings.oidc_audience),
        "oidc_algorithms": list(settings.oidc_algorithms),
        "role_map_file": authenticator.role_map.source,
        "roles": sorted(authenticator.role_map.roles),
    }
