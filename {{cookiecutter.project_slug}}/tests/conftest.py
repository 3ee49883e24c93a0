from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from hypothesis import settings as hypothesis_settings

from {{ cookiecutter.package_name }}.app import audit_logger, create_app
from {{ cookiecutter.package_name }}.settings import Settings

from .support.edge_simulator import OUTSIDER_ADDRESS, EdgeSimulator, asgi_client
from .support.fake_idp import CLIENT_IDS, FakeIdp

# The same examples on every run, and nothing written into the project: no example
# database, and hypothesis' own caches (written even without one) go to the temp folder.
# `pytest --hypothesis-profile=default` explores new examples instead.
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None, deadline=None)
hypothesis_settings.load_profile("repeatable")
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY",
    str(Path(tempfile.gettempdir()) / "{{ cookiecutter.project_slug }}-hypothesis"),
)

TESTS = Path(__file__).parent
# Tests sit by who edits them; each folder is a marker too (pyproject.toml says whose).
OWNER_FOLDERS = ("app", "edge", "evidence")

TEST_ROLE_MAP = """
[roles.orders-reader]
permissions = ["orders:read"]

[roles.orders-writer]
permissions = ["orders:read", "orders:write"]

[roles.admin]
permissions = ["orders:read", "orders:write"]

[groups]
"readers" = ["orders-reader"]
"writers" = ["orders-writer"]
"admins" = ["admin"]
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its folder: `pytest -m app` runs this service's own specs."""
    for item in items:
        if item.path.is_relative_to(TESTS):
            folder = item.path.relative_to(TESTS).parts[0]
            if folder in OWNER_FOLDERS:
                item.add_marker(folder)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come from the test, never from the developer's shell."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def role_map_file(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text(TEST_ROLE_MAP)
    return path


@pytest.fixture
def idp() -> FakeIdp:
    return FakeIdp(Settings.model_fields["idp"].default)


@pytest.fixture
def make_settings(idp: FakeIdp, role_map_file) -> Callable[..., Settings]:
    def make(**overrides) -> Settings:
        values = {
            "trusted_edge_networks": "10.20.0.0/24",
            "idp": idp.idp,
            "oidc_issuer": idp.issuer,
            "oidc_audience": idp.audience,
            "role_map_file": role_map_file,
            "oidc_client_ids": CLIENT_IDS.get(overrides.get("idp", idp.idp), ""),
        }
        return Settings(**(values | overrides))

    return make


class Service:
    """The real app with a client per peer address and the edge simulator."""

    def __init__(self, settings: Settings, idp: FakeIdp) -> None:
        self.settings = settings
        self.app = create_app(settings, jwks_transport=idp.transport())
        self.edge = EdgeSimulator(self.app, settings)

    def client(self, address: str = OUTSIDER_ADDRESS) -> httpx.AsyncClient:
        return asgi_client(self.app, address)

    async def get_from_a_failing_route(self) -> httpx.Response:
        """A route that raises, added to this test's app only, as the client sees it."""

        @self.app.get("/boom")
        async def boom() -> None:
            raise RuntimeError("secret internals")

        async with self.client() as client:
            client._transport.raise_app_exceptions = False
            return await client.get("/boom")

    async def get_as(self, token: str, path: str = "/v1/me", **kwargs) -> httpx.Response:
        async with self.client() as client:
            return await client.get(path, headers={"Authorization": f"Bearer {token}"}, **kwargs)


@pytest.fixture
def make_service(make_settings, idp) -> Callable[..., Service]:
    def make(**overrides) -> Service:
        return Service(make_settings(**overrides), idp)

    return make


@pytest.fixture
def service_for(make_settings) -> Callable[..., tuple[Service, FakeIdp]]:
    """The app configured for another IdP preset, with that IdP's fake."""

    def make(idp_name: str, **overrides) -> tuple[Service, FakeIdp]:
        other = FakeIdp(idp_name)
        preset = {"idp": idp_name, "oidc_issuer": other.issuer, "oidc_audience": other.audience}
        return Service(make_settings(**(preset | overrides)), other), other

    return make


@pytest.fixture
def service(make_service) -> Service:
    """The app as generated: this project's identity source, with both paths configured."""
    return make_service()


@pytest.fixture
def audit_lines() -> list[dict]:
    """Every audit line written during the test, parsed, whether the app is built before
    or after this fixture (the audit logger is set up here if no app did it yet)."""
    lines: list[dict] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(record.getMessage()))

    logger = audit_logger()
    handler = Collect()
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)
