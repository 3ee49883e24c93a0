"""Every error is problem+json, the caller is known before the body is read, and OpenAPI
shows which routes need credentials."""

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


MALFORMED_BODIES = [
    pytest.param(b"{not json", "application/json", id="not-json"),
    pytest.param(b"\xff\xfe{}", "application/json", id="not-utf8"),
    pytest.param(b'{"item": 5}', "application/json", id="fails-validation"),
]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED_BODIES)
async def test_unauthenticated_post_is_401_whatever_its_body(
    service, audit_lines, body, content_type
):
    async with service.client() as client:
        response = await client.post(
            "/v1/orders", content=body, headers={"Content-Type": content_type}
        )

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert audit_lines[-1]["reason"] == "missing_credentials"


@pytest.mark.parametrize(("body", "content_type"), MALFORMED_BODIES)
async def test_spoofed_header_with_a_malformed_body_is_refused_and_audited_as_spoofing(
    service, audit_lines, body, content_type
):
    headers = service.edge.identity_headers("mallory", ["writers"])
    async with service.client() as client:
        response = await client.post(
            "/v1/orders", content=body, headers={**headers, "Content-Type": content_type}
        )

    assert response.status_code == 401
    assert audit_lines[-1]["spoofing"] is True
    assert audit_lines[-1]["reason"] == "identity_header_from_untrusted_peer"


@pytest.mark.parametrize(("body", "content_type"), MALFORMED_BODIES)
async def test_caller_without_the_permission_is_403_before_the_body_is_read(
    make_service, audit_lines, body, content_type
):
    service = make_service(identity_source="edge_headers")
    headers = service.edge.identity_headers("rita", ["readers"])

    response = await service.edge.client.post(
        "/v1/orders", content=body, headers={**headers, "Content-Type": content_type}
    )

    assert response.status_code == 403
    assert audit_lines[-1]["reason"] == "missing_permission:orders:write"
    assert audit_lines[-1]["subject"] == "rita"
