"""Admin-only: the effective security configuration, without secrets."""

from __future__ import annotations

from fastapi import APIRouter

from ..deps import AdminOnly, AuthenticatedRoute, ServicesDep

router = APIRouter(prefix="/v1/admin", tags=["admin"], route_class=AuthenticatedRoute)


@router.get("/security", summary="Effective identity settings (admin role)")
async def security_settings(services: ServicesDep, principal: AdminOnly) -> dict[str, object]:
    settings, rules, shipper = services.settings, services.edge_rules, services.audit_syslog
    return {
        "identity_source": settings.identity_source,
        "edge_appliance": settings.edge_appliance,
        "trusted_edge_networks": [str(n) for n in settings.trusted_edge_networks],
        "edge_user_header": rules.user_header,
        "edge_groups_header": rules.groups_header,
        "edge_groups_separator": rules.separator,
        "edge_request_id_header": settings.edge_request_id_header,
        "edge_device_posture": settings.edge_device_posture,
        "idp": settings.idp,
        "oidc_issuer": settings.oidc_issuer or None,
        "oidc_audience": list(settings.oidc_audience),
        "oidc_algorithms": list(settings.oidc_algorithms),
        "role_map_file": services.role_map.source,
        "roles": sorted(services.role_map.roles),
        "audit_syslog": shipper.destination if shipper else None,
        "audit_syslog_dropped": shipper.dropped if shipper else 0,
    }
