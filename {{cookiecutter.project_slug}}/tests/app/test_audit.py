"""One JSON audit line per request, with who and why, and never a token."""

from __future__ import annotations

import json
import logging

import pytest

from {{ cookiecutter.package_name }} import peer

from ..support.edge_simulator import EDGE_ADDRESS, OUTSIDER_ADDRESS

pytestmark = pytest.mark.anyio

FIELDS = {
    "time",
    "request_id",
    "request_id_source",
    "method",
    "path",
    "status",
    "subject",
    "auth_source",
    "groups",
    "roles",
    "decision",
    "reason",
    "peer",
    "client",
    "spoofing",
    "duration_ms",
}


async def test_allowed_request_is_audited_with_subject_and_roles(make_service, audit_lines):
    service = make_service(identity_source="edge_headers")
    await service.edge.request("GET", "/v1/orders", user="rita", groups=["readers"])

    line = audit_lines[-1]
    assert set(line) == FIELDS
    assert line["subject"] == "rita"
    assert line["auth_source"] == "edge_headers"
    assert line["groups"] == ["readers"]
    assert line["roles"] == ["orders-reader"]
    assert line["decision"] == "allow"
    assert line["status"] == 200
    assert line["peer"] == EDGE_ADDRESS


async def test_refused_token_is_audited_without_the_token(make_service, idp, audit_lines):
    service = make_service(identity_source="bearer_token")
    token = idp.token(iss="https://elsewhere.test")
    await service.get_as(token)

    line = audit_lines[-1]
    assert line["decision"] == "deny"
    assert line["reason"] == "wrong_issuer"
    assert token not in str(audit_lines)
    assert token.split(".")[2] not in str(audit_lines)


async def test_open_route_is_audited_as_public(service, audit_lines):
    async with service.client() as client:
        await client.get("/healthz")

    assert audit_lines[-1]["decision"] == "public"
    assert audit_lines[-1]["subject"] is None


async def test_unexpected_error_is_audited_as_a_500_error(make_service, audit_lines):
    response = await make_service(identity_source="edge_headers").get_from_a_failing_route()

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert (audit_lines[-1]["status"], audit_lines[-1]["decision"]) == (500, "error")
    assert audit_lines[-1]["request_id"] == response.json()["request_id"]


async def test_request_id_from_the_edge_is_kept(make_service, audit_lines):
    service = make_service(identity_source="edge_headers")
    response = await service.edge.request(
        "GET", "/v1/me", user="rita", headers={"X-Request-ID": "edge-1234"}
    )

    assert response.headers["x-request-id"] == "edge-1234"
    assert (audit_lines[-1]["request_id"], audit_lines[-1]["request_id_source"]) == (
        "edge-1234",
        "edge",
    )


async def test_request_id_header_named_by_the_setting_is_the_one_taken_from_the_edge(
    make_service, audit_lines
):
    service = make_service(identity_source="edge_headers", edge_request_id_header="X-Edge-Txid")
    await service.edge.request(
        "GET", "/v1/me", user="rita", headers={"X-Request-ID": "other", "X-Edge-Txid": "tx-42"}
    )

    assert audit_lines[-1]["request_id"] == "tx-42"


async def test_request_id_the_edge_sends_in_another_shape_is_replaced(make_service, audit_lines):
    service = make_service(identity_source="edge_headers")
    await service.edge.request("GET", "/v1/me", user="rita", headers={"X-Request-ID": "a b"})

    assert audit_lines[-1]["request_id"] != "a b"
    assert audit_lines[-1]["request_id_source"] == "app"


async def test_groups_unknown_to_the_role_map_are_audited_and_grant_nothing(
    make_service, audit_lines
):
    service = make_service(identity_source="edge_headers")
    await service.edge.request("GET", "/v1/orders", user="olga", groups=["strangers", "readers"])

    line = audit_lines[-1]
    assert (line["groups"], line["roles"]) == (["readers", "strangers"], ["orders-reader"])


async def test_request_id_from_an_untrusted_peer_is_replaced(service, audit_lines):
    async with service.client(OUTSIDER_ADDRESS) as client:
        response = await client.get("/healthz", headers={"X-Request-ID": "chosen-by-client"})

    assert response.headers["x-request-id"] != "chosen-by-client"
    assert audit_lines[-1]["request_id"] == response.headers["x-request-id"]
    assert audit_lines[-1]["request_id_source"] == "app"


async def test_client_address_is_taken_from_x_forwarded_for_only_behind_the_edge(
    make_service, audit_lines
):
    service = make_service(identity_source="edge_headers")
    await service.edge.pass_through("GET", "/healthz", headers={"X-Forwarded-For": "198.51.100.9"})
    async with service.client(OUTSIDER_ADDRESS) as client:
        await client.get("/healthz", headers={"X-Forwarded-For": "198.51.100.9"})

    assert audit_lines[-2]["client"] == "198.51.100.9"
    assert audit_lines[-1]["client"] == OUTSIDER_ADDRESS


async def test_what_a_caller_writes_into_x_forwarded_for_cannot_fill_the_address_cache(
    make_service, audit_lines
):
    service = make_service(identity_source="edge_headers")
    await service.edge.pass_through("GET", "/healthz")  # the edge's own address, parsed once
    cached_before = peer._parsed_address.cache_info().currsize
    async with service.client(OUTSIDER_ADDRESS) as client:
        for n in range(20):
            await client.get("/healthz", headers={"X-Forwarded-For": f"198.51.100.{n}"})
    for n in range(20):
        hop = f"{n}-" + "x" * 5000
        await service.edge.pass_through("GET", "/healthz", headers={"X-Forwarded-For": hop})

    assert peer._parsed_address.cache_info().currsize == cached_before
    assert audit_lines[-1]["client"] == ("19-" + "x" * 5000)[:64]


@pytest.fixture
def audit_logger_left_unset():
    """The audit logger as logging configuration may leave it: a handler, no level."""
    logger = logging.getLogger("{{ cookiecutter.package_name }}.audit")
    handlers, level = logger.handlers, logger.level
    logger.setLevel(logging.NOTSET)
    yield logger
    logger.handlers = handlers
    logger.setLevel(level)


async def test_audit_lines_are_written_when_a_handler_was_attached_before_start_up(
    make_service, audit_logger_left_unset
):
    lines = []
    collect = logging.Handler()
    collect.emit = lambda record: lines.append(json.loads(record.getMessage()))
    audit_logger_left_unset.handlers = [collect]
    service = make_service()

    async with service.client(OUTSIDER_ADDRESS) as client:
        await client.get("/healthz")

    assert [line["path"] for line in lines] == ["/healthz"]
