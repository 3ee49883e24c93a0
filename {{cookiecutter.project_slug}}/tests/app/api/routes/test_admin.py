"""The admin route: the admin role, not a permission, opens it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


async def test_admin_route_needs_the_admin_role(make_service):
    service = make_service(identity_source="edge_headers")
    writer = await service.edge.request("GET", "/v1/admin/security", user="w", groups=["writers"])
    admin = await service.edge.request("GET", "/v1/admin/security", user="a", groups=["admins"])

    assert writer.status_code == 403
    assert admin.status_code == 200
    assert admin.json()["identity_source"] == "edge_headers"


async def test_admin_route_reports_device_posture_request_id_and_audit_shipping(make_service):
    service = make_service(
        identity_source="edge_headers",
        edge_device_posture="required",
        edge_request_id_header="X-Edge-Request-ID",
        audit_syslog_address="faz.example.com:6514",
    )

    admin = await service.edge.request("GET", "/v1/admin/security", user="a", groups=["admins"])

    report = admin.json()
    assert (report["edge_device_posture"], report["edge_request_id_header"]) == (
        "required",
        "X-Edge-Request-ID",
    )
    assert (report["audit_syslog"], report["audit_syslog_dropped"]) == (
        "tcp://faz.example.com:6514",
        0,
    )
