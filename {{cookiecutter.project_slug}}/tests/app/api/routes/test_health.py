"""Liveness and readiness: open to anyone, as orchestrators call them."""

from __future__ import annotations

import httpx
import pytest
from dotenv import dotenv_values

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.settings import load_settings

from ....support.edge_simulator import asgi_client
from ....support.project import PROJECT_ROOT

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


async def test_with_env_example_start_up_asks_only_this_machine_and_readyz_says_why(
    monkeypatch,
):
    """The sample issuer is another company's tenant: until real values are set, the key
    fetch at start-up goes to loopback, and /readyz names the URL it could not reach."""
    for name, value in dotenv_values(PROJECT_ROOT / ".env.example").items():
        monkeypatch.setenv(name, value or "")
    monkeypatch.chdir(PROJECT_ROOT)
    settings = load_settings()
    asked: list[httpx.URL] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        asked.append(request.url)
        raise httpx.ConnectError("nothing listens here", request=request)

    app = create_app(settings, jwks_transport=httpx.MockTransport(refuse))
    async with app.router.lifespan_context(app), asgi_client(app, "127.0.0.1") as client:
        readiness = await client.get("/readyz")

    assert [url.host for url in asked if url.host not in ("127.0.0.1", "localhost", "::1")] == []
    if settings.accepts_bearer_tokens:
        assert asked
        assert readiness.status_code == 503
        assert settings.oidc_jwks_url in readiness.json()["detail"]
    else:
        assert asked == []
        assert readiness.status_code == 200
