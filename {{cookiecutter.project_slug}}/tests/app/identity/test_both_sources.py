"""With both sources on, each keeps its own checks and they are never mixed."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


@pytest.fixture
def both(make_service):
    return make_service(identity_source="both")


async def test_signed_in_user_from_the_edge_is_accepted(both):
    response = await both.edge.request("GET", "/v1/me", user="alice", groups=["readers"])

    assert response.json()["auth_source"] == "edge_headers"


async def test_token_passed_through_the_edge_is_accepted(both, idp):
    response = await both.edge.pass_through(
        "GET", "/v1/me", headers={"Authorization": f"Bearer {idp.token(groups=['writers'])}"}
    )

    assert response.status_code == 200
    assert response.json()["auth_source"] == "bearer_token"
    assert response.json()["roles"] == ["orders-writer"]


async def test_headers_and_token_together_are_refused_even_for_the_same_user(both, idp):
    token = idp.token(subject="alice", groups=["readers"])
    response = await both.edge.request(
        "GET",
        "/v1/me",
        user="alice",
        groups=["admins"],
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 401


async def test_token_from_outside_without_identity_headers_is_accepted(both, idp):
    response = await both.get_as(idp.token(groups=["readers"]))

    assert response.status_code == 200


async def test_invalid_token_is_not_rescued_by_edge_trust(both, idp):
    response = await both.edge.pass_through(
        "GET",
        "/v1/me",
        headers={"Authorization": f"Bearer {idp.token(iss='https://elsewhere.test')}"},
    )

    assert response.status_code == 401
