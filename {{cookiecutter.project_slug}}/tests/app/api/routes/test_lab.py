"""The lab header echo: off unless asked for, never in production, only for the edge."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ....support.edge_simulator import EDGE_ADDRESS

pytestmark = pytest.mark.anyio


async def test_lab_header_echo_is_absent_by_default(make_service):
    service = make_service(identity_source="edge_headers")

    response = await service.edge.pass_through("GET", "/lab/headers")

    assert response.status_code == 404


def test_lab_header_echo_is_refused_in_production(make_settings):
    with pytest.raises(ValidationError, match="LAB_HEADER_ECHO is refused"):
        make_settings(lab_header_echo=True, environment="prod")


async def test_lab_header_echo_shows_the_edges_headers_and_hides_credentials(make_service):
    service = make_service(identity_source="edge_headers", lab_header_echo=True, environment="dev")
    headers = service.edge.identity_headers("alice", ["readers"]) | {"Authorization": "Bearer x"}

    response = await service.edge.pass_through("GET", "/lab/headers", headers=headers)
    outsider = await service.client().get("/lab/headers")

    received = dict(response.json()["headers"])
    assert received[service.edge.rules.user_header] == "alice"
    assert received["authorization"] == "(redacted)"
    assert outsider.status_code == 403


async def test_lab_header_echo_refuses_a_peer_address_that_a_header_could_have_written(
    make_service,
):
    """As for identity headers: the peer among the forwarded hops proves nothing."""
    service = make_service(identity_source="edge_headers", lab_header_echo=True, environment="dev")
    forwarded = {"X-Forwarded-For": f"198.51.100.9, {EDGE_ADDRESS}"}

    response = await service.edge.pass_through("GET", "/lab/headers", headers=forwarded)

    assert response.status_code == 403
