"""Liveness and readiness: open to anyone, as orchestrators call them."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


async def test_liveness_is_open(service):
    async with service.client() as client:
        response = await client.get("/healthz")

    assert response.json() == {"status": "ok"}


async def test_readiness_is_open_and_true_for_edge_headers_only(make_service):
    service = make_service(identity_source="edge_headers")
    async with service.client() as client:
        response = await client.get("/readyz")

    assert response.status_code == 200
