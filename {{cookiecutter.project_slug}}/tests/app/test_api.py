"""Every error is problem+json, and OpenAPI shows which routes need credentials."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


async def test_unknown_route_is_a_404_problem(service):
    async with service.client() as client:
        response = await client.get("/nowhere")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


async def test_openapi_shows_security_on_protected_routes_only(service):
    async with service.client() as client:
        schema = (await client.get("/openapi.json")).json()

    paths = schema["paths"]
    assert "security" in paths["/v1/me"]["get"]
    assert "security" in paths["/v1/orders"]["post"]
    assert "security" in paths["/v1/admin/security"]["get"]
    assert "security" not in paths["/healthz"]["get"]
    schemes = schema["components"]["securitySchemes"]
    settings = service.settings
    assert ("edgeIdentity" in schemes) == settings.accepts_edge_headers
    assert ("bearerToken" in schemes) == settings.accepts_bearer_tokens


async def test_unexpected_error_is_a_500_problem_without_a_trace(make_service):
    response = await make_service(identity_source="edge_headers").get_from_a_failing_route()

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
