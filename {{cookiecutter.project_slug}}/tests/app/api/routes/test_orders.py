"""The sample orders resource: reading and writing need different permissions.

401 means "who are you?", 403 means "not you": never confused, bodies say little.
A new route's tests go beside these, in a file named after the route's module.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


@pytest.fixture
def edge_service(make_service):
    return make_service(identity_source="edge_headers")


async def test_no_credentials_is_401_with_a_challenge(service):
    async with service.client() as client:
        response = await client.get("/v1/orders")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "realm=" in response.headers["www-authenticate"]


async def test_known_user_without_the_permission_is_403(edge_service):
    response = await edge_service.edge.request(
        "POST", "/v1/orders", user="rita", groups=["readers"], json={"item": "pen", "quantity": 1}
    )

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "www-authenticate" not in response.headers


async def test_user_with_no_mapped_group_can_sign_in_but_not_read(edge_service):
    me = await edge_service.edge.request("GET", "/v1/me", user="nobody", groups=["strangers"])
    orders = await edge_service.edge.request("GET", "/v1/orders", user="nobody", groups=["x"])

    assert me.status_code == 200
    assert me.json()["roles"] == []
    assert orders.status_code == 403


async def test_reader_reads_and_writer_writes(edge_service):
    created = await edge_service.edge.request(
        "POST", "/v1/orders", user="wendy", groups=["writers"], json={"item": "pen", "quantity": 2}
    )
    listed = await edge_service.edge.request("GET", "/v1/orders", user="rita", groups=["readers"])
    one = await edge_service.edge.request("GET", "/v1/orders/1", user="rita", groups=["readers"])

    assert created.status_code == 201
    assert created.json()["created_by"] == "wendy"
    assert listed.status_code == 200
    assert [order["item"] for order in listed.json()] == ["pen"]
    assert one.json()["quantity"] == 2


async def test_missing_order_is_a_404_problem(edge_service):
    response = await edge_service.edge.request("GET", "/v1/orders/9", user="r", groups=["readers"])

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_invalid_body_is_a_422_problem_without_the_input(edge_service):
    response = await edge_service.edge.request(
        "POST", "/v1/orders", user="w", groups=["writers"], json={"item": "x" * 500, "quantity": 0}
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "x" * 500 not in response.text
    assert {tuple(error["loc"]) for error in response.json()["errors"]} == {
        ("body", "item"),
        ("body", "quantity"),
    }


async def test_unauthenticated_request_is_401_before_body_validation(service):
    async with service.client() as client:
        response = await client.post("/v1/orders", json={"nonsense": True})

    assert response.status_code == 401
