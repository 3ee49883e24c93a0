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
