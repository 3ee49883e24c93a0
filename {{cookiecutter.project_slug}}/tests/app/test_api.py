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


async def test_a_method_the_path_does_not_take_is_405_naming_every_method_it_does(service):
    async with service.client() as client:
        response = await client.delete("/v1/orders")

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["allow"] == "GET, POST"


IDENTITY_SOURCES = ["both", "edge_headers", "bearer_token"]


@pytest.mark.parametrize("identity_source", IDENTITY_SOURCES)
async def test_openapi_shows_how_identity_arrives_on_protected_routes_only(
    make_service, identity_source
):
    service = make_service(identity_source=identity_source)
    async with service.client() as client:
        schema = (await client.get("/openapi.json")).json()
    settings, rules = service.settings, service.edge.rules

    me, health = schema["paths"]["/v1/me"]["get"], schema["paths"]["/healthz"]["get"]
    parameters = {parameter["name"] for parameter in me.get("parameters", [])}
    schemes = schema["components"].get("securitySchemes", {})
    assert ({rules.user_header, rules.groups_header} <= parameters) == (
        settings.accepts_edge_headers
    )
    assert ("security" in me) == settings.accepts_bearer_tokens
    assert list(schemes) == (["bearerToken"] if settings.accepts_bearer_tokens else [])
    assert "security" not in health
    assert "parameters" not in health


async def test_a_user_name_is_never_presented_as_a_secret(make_service):
    schema = make_service(identity_source="both").app.openapi()

    schemes = schema["components"]["securitySchemes"]
    assert [scheme["type"] for scheme in schemes.values()] == ["http"]
    assert schema["paths"]["/v1/me"]["get"]["security"] == [{"bearerToken": []}, {}]


@pytest.mark.parametrize("identity_source", IDENTITY_SOURCES)
async def test_openapi_lists_every_refusal_each_route_can_answer(make_service, identity_source):
    service = make_service(identity_source=identity_source)
    paths = service.app.openapi()["paths"]
    settings = service.settings
    on_every_protected_route = {"401", "403"}
    on_every_protected_route |= {"431"} if settings.accepts_edge_headers else set()
    on_every_protected_route |= {"503"} if settings.accepts_bearer_tokens else set()

    def answers(path: str, method: str) -> set[str]:
        return set(paths[path][method]["responses"])

    assert answers("/v1/me", "get") == {"200"} | on_every_protected_route
    assert answers("/v1/orders", "post") == {"201", "400", "422"} | on_every_protected_route
    assert answers("/v1/orders/{order_id}", "get") == {"200", "404", "422"} | (
        on_every_protected_route
    )
    assert answers("/readyz", "get") == {"200"} | (
        {"503"} if settings.accepts_bearer_tokens else set()
    )
    assert answers("/healthz", "get") == {"200"}


async def test_every_error_answer_is_documented_as_problem_json(make_service):
    schema = make_service(identity_source="both").app.openapi()

    error_answers = [
        (path, status, answer)
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        for status, answer in operation["responses"].items()
        if int(status) >= 400
    ]
    assert len(error_answers) > 20
    for path, status, answer in error_answers:
        (media_type,) = answer["content"]
        problem = answer["content"][media_type]
        assert media_type == "application/problem+json", (path, status)
        assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}, (path, status)
        assert problem["example"]["status"] == int(status), (path, status)
    assert "HTTPValidationError" not in schema["components"]["schemas"]


async def test_each_documented_example_is_what_the_app_sends(make_service, idp):
    service = make_service(identity_source="both")
    paths = service.app.openapi()["paths"]
    edge = service.edge

    def documented(path: str, method: str, status: int) -> str:
        answer = paths[path][method]["responses"][str(status)]
        return answer["content"]["application/problem+json"]["example"]["detail"]

    sent = {
        (401, "/v1/me", "get"): await edge.pass_through("GET", "/v1/me"),
        (403, "/v1/admin/security", "get"): await edge.request(
            "GET", "/v1/admin/security", user="rita", groups=["readers"]
        ),
        (404, "/v1/orders/{order_id}", "get"): await edge.request(
            "GET", "/v1/orders/404", user="rita", groups=["readers"]
        ),
        (400, "/v1/orders", "post"): await edge.request(
            "POST",
            "/v1/orders",
            user="will",
            groups=["writers"],
            content=b"\xff",
            headers={"Content-Type": "application/json"},
        ),
        (422, "/v1/orders", "post"): await edge.request(
            "POST", "/v1/orders", user="will", groups=["writers"], json={"item": "x"}
        ),
        (431, "/v1/me", "get"): await edge.request("GET", "/v1/me", user="u" * 9000),
    }
    idp.up = False
    sent[503, "/v1/me", "get"] = await service.get_as(idp.token())

    assert {key: response.status_code for key, response in sent.items()} == {
        key: key[0] for key in sent
    }
    assert {key: response.json()["detail"] for key, response in sent.items()} == {
        (status, path, method): documented(path, method, status) for status, path, method in sent
    }


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
