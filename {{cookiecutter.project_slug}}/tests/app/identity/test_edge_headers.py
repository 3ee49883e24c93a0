"""Identity headers count only when the edge sent them, once, in the expected form.

Each way to spoof or smuggle identity headers is a row of the attack corpus
(tests/evidence/test_attack_corpus.py); this file holds what the edge's own headers
give.
"""

from __future__ import annotations

import base64

import pytest

from {{ cookiecutter.package_name }}.identity.edge import normalize_user

from ...support.edge_simulator import EDGE_ADDRESS

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


async def test_identity_headers_are_refused_when_no_edge_network_is_configured(make_service):
    service = make_service(identity_source="edge_headers", trusted_edge_networks="")
    async with service.client(EDGE_ADDRESS) as client:
        response = await client.get("/v1/me", headers=headers_for(service, "alice"))

    assert response.status_code == 401


async def test_base64_encoded_headers_are_decoded_when_configured(make_service):
    service = make_service(identity_source="edge_headers", edge_headers_base64=True)
    response = await service.edge.request("GET", "/v1/me", user="bob", groups=["readers"])

    assert response.status_code == 200
    assert response.json()["roles"] == ["orders-reader"]


async def test_plain_value_is_not_decoded_as_base64_by_default(edge_service):
    encoded = base64.b64encode(b"bob").decode()
    response = await edge_service.edge.request("GET", "/v1/me", user=encoded)

    assert response.json()["subject"] == encoded


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


def test_remembered_edge_identities_and_principals_are_bounded(edge_service):
    services = edge_service.app.state.services
    reader, role_map = services.authenticator.edge_headers, services.role_map
    for n in range(1100):
        found = {reader.rules.user_header: [f"user-{n}".encode()]}
        role_map.principal_for(reader.read(found))

    assert reader._parse.cache_info().currsize <= 1024
    assert role_map.principal_for.cache_info().currsize <= 1024
