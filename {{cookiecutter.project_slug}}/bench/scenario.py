"""The app under test and the four kinds of request the benchmark sends."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, Depends, FastAPI
from starlette.routing import BaseRoute, Match
from tests.support.fake_idp import CLIENT_IDS, FakeIdp, rsa_key

from {{ cookiecutter.package_name }}.api.deps import AuthenticatedRoute
from {{ cookiecutter.package_name }}.api.routes.me import Me, me
from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.audit import AuditMiddleware
from {{ cookiecutter.package_name }}.authorization.roles import RoleMap
from {{ cookiecutter.package_name }}.identity.principal import Principal
from {{ cookiecutter.package_name }}.services import edge_header_rules
from {{ cookiecutter.package_name }}.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ROLE_MAP = PROJECT_ROOT / "config" / "roles.toml"
SCENARIOS = (
    "open endpoint",
    "open + 1 dependency",
    "edge headers",
    "bearer, same token",
    "bearer, fresh token",
)
APP_KINDS = {  # which app each scenario is sent to; every one asks for GET /v1/me
    "open endpoint": "open",
    "open + 1 dependency": "open + 1 dependency",
    "edge headers": "authenticated",
    "bearer, same token": "authenticated",
    "bearer, fresh token": "authenticated",
}


def save_key(path: Path) -> None:
    pem = rsa_key("rsa-1").private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)


def fake_idp(key_file: Path) -> FakeIdp:
    idp = FakeIdp(Settings.model_fields["idp"].default)
    idp.signing_keys = {"rsa-1": serialization.load_pem_private_key(key_file.read_bytes(), None)}
    return idp


FIXED_PRINCIPAL = Principal(
    subject="alice",
    display_name="alice",
    groups=frozenset({"readers"}),
    roles=frozenset({"orders-reader"}),
    permissions=frozenset({"orders:read"}),
    auth_source="edge_headers",
)


async def fixed_principal() -> Principal:
    return FIXED_PRINCIPAL


FixedPrincipal = Annotated[Principal, Depends(fixed_principal)]


def open_me_router(*, with_dependency: bool) -> APIRouter:
    """/v1/me's own handler for a fixed principal, without authentication: handed over
    directly, or through one trivial FastAPI dependency (the floor that any
    dependency-injected check pays, so the table separates it from our own cost)."""
    router = APIRouter(prefix="/v1", route_class=AuthenticatedRoute)
    if with_dependency:

        @router.get("/me")
        async def open_with_dependency(principal: FixedPrincipal) -> Me:
            return await me(principal)

    else:

        @router.get("/me")
        async def open_endpoint() -> Me:
            return await me(FIXED_PRINCIPAL)

    return router


def bench_settings(idp: FakeIdp) -> Settings:
    return Settings(
        identity_source="both",
        trusted_edge_networks="127.0.0.1/32",
        idp=idp.idp,
        oidc_issuer=idp.issuer,
        oidc_audience=idp.audience,
        oidc_client_ids=CLIENT_IDS.get(idp.idp, ""),
        role_map_file=ROLE_MAP,
    )


def bench_app(idp: FakeIdp, kind: str = "authenticated", *, audit: bool = True) -> FastAPI:
    """The real app with both identity sources on. For the two open kinds, an open router
    serves /v1/me from the place in the route table where the real one was, so every kind
    finds /v1/me at the same cost. ``audit=False`` leaves the audit middleware out, to
    measure the audit line's cost."""
    quiet = logging.getLogger(AuditMiddleware.__module__)
    quiet.handlers = [logging.StreamHandler(open(os.devnull, "w"))]  # noqa: SIM115
    quiet.propagate = False
    app = create_app(bench_settings(idp), jwks_transport=idp.transport())
    if kind != "authenticated":
        routes = app.router.routes
        app.include_router(open_me_router(with_dependency=kind == "open + 1 dependency"))
        replacement = routes.pop()
        routes[routes.index(_serving_v1_me(routes))] = replacement
    if not audit:
        app.user_middleware = [m for m in app.user_middleware if m.cls is not AuditMiddleware]
    return app


def _serving_v1_me(routes: list[BaseRoute]) -> BaseRoute:
    scope = {"type": "http", "method": "GET", "path": "/v1/me", "root_path": ""}
    return next(route for route in routes if route.matches(scope)[0] is Match.FULL)


def bench_apps(idp: FakeIdp) -> dict[str, FastAPI]:
    """For each scenario, the app it is sent to (one of each kind)."""
    apps = {kind: bench_app(idp, kind) for kind in set(APP_KINDS.values())}
    return {name: apps[APP_KINDS[name]] for name in SCENARIOS}


def mapped_group() -> str:
    return next(group for group, roles in RoleMap.load(ROLE_MAP).groups.items() if roles)


def request_headers(idp: FakeIdp, fresh_tokens: int) -> dict[str, list]:
    """For each scenario, a list of header lists; requests cycle through it."""
    rules = edge_header_rules(bench_settings(idp))
    group = mapped_group()
    same = idp.token(groups=[group])
    fresh = [idp.token(groups=[group], jti=f"bench-{n}") for n in range(fresh_tokens)]
    return {
        "open endpoint": [[]],
        "open + 1 dependency": [[]],
        "edge headers": [[(rules.user_header, "alice"), (rules.groups_header, group)]],
        "bearer, same token": [[("authorization", f"Bearer {same}")]],
        "bearer, fresh token": [[("authorization", f"Bearer {token}")] for token in fresh],
    }
