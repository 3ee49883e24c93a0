"""Identity headers count only when the edge sent them, once, in the expected form."""

from __future__ import annotations

import base64

import pytest

from {{ cookiecutter.package_name }}.identity.edge import normalize_user

from .support.edge_simulator import EDGE_ADDRESS, OUTSIDER_ADDRESS

pytestmark = pytest.mark.anyio


@pytest.fixture
def edge_service(make_service):
    return make_service(identity_source="edge_headers")


def headers_for(service, user: str, groups: list[str] = ()) -> dict[str, str]:
    return service.edge.identity_headers(user, groups)


async def test_signed_in_user_from_the_edge_gets_the_mapped_roles(edge_service):
    response = await edge_service.edge.request("GET", "/v1/me", user="alice", groups=["writers"])

    assert response.status_code == 200
    assert response.json()["subject"] == "alice"
    assert response.json()["auth_source"] == "edge_headers"
    assert response.json()["roles"] == ["orders-writer"]
    assert response.json()["permissions"] == ["orders:read", "orders:write"]


async def test_identity_header_from_untrusted_peer_is_refused_and_audited(
    edge_service, audit_lines
):
    async with edge_service.client(OUTSIDER_ADDRESS) as client:
        response = await client.get("/v1/me", headers=headers_for(edge_service, "alice"))

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert audit_lines[-1]["reason"] == "identity_header_from_untrusted_peer"
    assert audit_lines[-1]["spoofing"] is True
    assert audit_lines[-1]["peer"] == OUTSIDER_ADDRESS


async def test_groups_header_alone_from_untrusted_peer_is_refused(edge_service):
    rules = edge_service.edge.rules
    async with edge_service.client(OUTSIDER_ADDRESS) as client:
        response = await client.get("/v1/me", headers={rules.groups_header: "admins"})

    assert response.status_code == 401


async def test_identity_headers_are_refused_when_no_edge_network_is_configured(make_service):
    service = make_service(identity_source="edge_headers", trusted_edge_networks="")
    async with service.client(EDGE_ADDRESS) as client:
        response = await client.get("/v1/me", headers=headers_for(service, "alice"))

    assert response.status_code == 401


async def test_bearer_only_service_refuses_identity_headers_even_from_the_edge(make_service):
    service = make_service(identity_source="bearer_token")
    response = await service.edge.request("GET", "/v1/me", user="alice", groups=["admins"])

    assert response.status_code == 401


async def test_duplicate_identity_header_is_refused(edge_service):
    name = edge_service.edge.rules.user_header
    headers = [(name, "alice"), (name.upper(), "mallory")]
    response = await edge_service.edge.client.get("/v1/me", headers=headers)

    assert response.status_code == 401


@pytest.mark.parametrize("spelling", ["underscore", "underscore_upper"])
async def test_underscore_variant_of_identity_header_is_refused(edge_service, spelling):
    name = edge_service.edge.rules.user_header.replace("-", "_")
    variant = name.upper() if spelling == "underscore_upper" else name
    response = await edge_service.edge.client.get("/v1/me", headers={variant: "alice"})

    assert response.status_code == 401


async def test_underscore_variant_next_to_the_real_header_is_refused(edge_service):
    rules = edge_service.edge.rules
    headers = {rules.user_header: "alice", rules.groups_header.replace("-", "_"): "admins"}
    response = await edge_service.edge.client.get("/v1/me", headers=headers)

    assert response.status_code == 401


@pytest.mark.parametrize("user", ["", "   "])
async def test_empty_user_is_refused(edge_service, user):
    response = await edge_service.edge.request("GET", "/v1/me", user=user, groups=["admins"])

    assert response.status_code == 401


async def test_groups_without_a_user_are_refused(edge_service):
    rules = edge_service.edge.rules
    response = await edge_service.edge.client.get("/v1/me", headers={rules.groups_header: "admins"})

    assert response.status_code == 401


async def test_control_characters_in_a_value_are_refused(edge_service):
    rules = edge_service.edge.rules
    headers = [(rules.user_header.encode(), b"alice\x00admin")]
    response = await edge_service.edge.client.get("/v1/me", headers=headers)

    assert response.status_code == 401


async def test_bytes_that_are_not_utf8_are_refused(edge_service):
    rules = edge_service.edge.rules
    headers = [(rules.user_header.encode(), b"al\xffice")]
    response = await edge_service.edge.client.get("/v1/me", headers=headers)

    assert response.status_code == 401


async def test_oversized_groups_header_is_431(make_service):
    service = make_service(identity_source="edge_headers", edge_max_header_bytes=256)
    response = await service.edge.request("GET", "/v1/me", user="alice", groups=["g" * 300])

    assert response.status_code == 431
    assert response.headers["content-type"] == "application/problem+json"


async def test_too_many_groups_is_431(make_service):
    service = make_service(identity_source="edge_headers", edge_max_groups=3)
    groups = ["a", "b", "c", "readers"]
    response = await service.edge.request("GET", "/v1/me", user="alice", groups=groups)

    assert response.status_code == 431


async def test_base64_encoded_headers_are_decoded_when_configured(make_service):
    service = make_service(identity_source="edge_headers", edge_headers_base64=True)
    response = await service.edge.request("GET", "/v1/me", user="bob", groups=["readers"])

    assert response.status_code == 200
    assert response.json()["roles"] == ["orders-reader"]


async def test_base64_that_does_not_decode_is_refused(make_service):
    service = make_service(identity_source="edge_headers", edge_headers_base64=True)
    rules = service.edge.rules
    response = await service.edge.client.get("/v1/me", headers={rules.user_header: "!!not-b64"})

    assert response.status_code == 401


async def test_plain_value_is_not_decoded_as_base64_by_default(edge_service):
    encoded = base64.b64encode(b"bob").decode()
    response = await edge_service.edge.request("GET", "/v1/me", user=encoded)

    assert response.json()["subject"] == encoded


async def test_separator_is_the_configured_one(make_service):
    service = make_service(identity_source="edge_headers", edge_groups_separator="|")
    rules = service.edge.rules
    headers = {rules.user_header: "alice", rules.groups_header: "readers,admins"}
    response = await service.edge.client.get("/v1/me", headers=headers)

    assert response.status_code == 200
    assert response.json()["roles"] == []


async def test_peer_rewritten_from_x_forwarded_for_is_not_trusted(edge_service):
    """uvicorn run without --no-proxy-headers copies X-Forwarded-For into the peer."""
    headers = headers_for(edge_service, "alice") | {"X-Forwarded-For": EDGE_ADDRESS}
    response = await edge_service.edge.client.get("/v1/me", headers=headers)

    assert response.status_code == 401


async def test_x_forwarded_for_from_a_client_does_not_make_it_the_edge(edge_service):
    headers = headers_for(edge_service, "alice") | {"X-Forwarded-For": EDGE_ADDRESS}
    async with edge_service.client(OUTSIDER_ADDRESS) as client:
        response = await client.get("/v1/me", headers=headers)

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("raw", "strip_domain", "lowercase", "expected"),
    [
        ("alice", False, False, "alice"),
        ("WinNT://CORP/alice", False, False, "CORP\\alice"),
        ("winnt://CORP/alice", True, False, "alice"),
        ("CORP\\Alice", True, True, "alice"),
        ("alice@corp.example", True, False, "alice"),
        ("alice@corp.example", False, False, "alice@corp.example"),
        ("  Alice  ", False, True, "alice"),
    ],
)
def test_user_names_are_normalised(raw, strip_domain, lowercase, expected):
    once = normalize_user(raw, strip_domain=strip_domain, lowercase=lowercase)

    assert once == expected
    assert normalize_user(once, strip_domain=strip_domain, lowercase=lowercase) == once


async def test_user_name_normalisation_settings_apply_to_requests(make_service):
    service = make_service(
        identity_source="edge_headers", edge_user_strip_domain=True, edge_user_lowercase=True
    )
    response = await service.edge.request("GET", "/v1/me", user="WinNT://CORP/Alice")

    assert response.json()["subject"] == "alice"


def test_remembered_edge_principals_are_bounded(edge_service):
    authenticator = edge_service.app.state.authenticator
    for n in range(1100):
        authenticator._edge_principal(f"user-{n}".encode(), b"readers")

    assert authenticator._edge_principal.cache_info().currsize <= 1024
