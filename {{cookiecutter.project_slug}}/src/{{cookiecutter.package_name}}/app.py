"""Build the application from settings; everything per-request is prepared here, once."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from . import DESCRIPTION, PROJECT_NAME, PROJECT_SLUG, __version__
from .api.routes import admin, health, lab, me, orders
from .audit import AuditMiddleware
from .identity.authenticate import Authenticator
from .identity.edge import EdgeHeaderRules, TrustedNetworks
from .identity.roles import RoleMap
from .identity.tokens import token_verifier
from .openapi import install_security_schemes
from .problems import install_problem_handlers
from .settings import Settings


def create_app(
    settings: Settings, *, jwks_transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """Raise SettingsError (naming the setting or role-map entry) if anything is unusable."""
    role_map = RoleMap.load(settings.role_map_file)
    edge_rules = EdgeHeaderRules.from_settings(settings)
    trusted_networks = TrustedNetworks(settings.trusted_edge_networks)
    http, keys, verifier = None, None, None
    if settings.accepts_bearer_tokens:
        http = idp_http_client(settings, jwks_transport)
        verifier = token_verifier(settings, http)
        keys = verifier.keys

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if keys is not None:
            await keys.refresh()
        yield
        if http is not None:
            await http.aclose()

    app = FastAPI(
        title=PROJECT_NAME, description=DESCRIPTION, version=__version__, lifespan=lifespan
    )
    app.state.settings = settings
    app.state.signing_keys = keys
    app.state.orders = {}
    app.state.authenticator = Authenticator(
        edge_rules=edge_rules,
        accept_edge_headers=settings.accepts_edge_headers,
        trusted_networks=trusted_networks,
        verifier=verifier,
        role_map=role_map,
    )
    for module in (health, me, orders, admin):
        app.include_router(module.router)
    if settings.lab_header_echo:
        app.include_router(lab.router)
    install_problem_handlers(app, bearer_enabled=settings.accepts_bearer_tokens, realm=PROJECT_SLUG)
    install_security_schemes(app, settings, edge_rules)
    app.add_middleware(
        AuditMiddleware,
        trusted_networks=trusted_networks,
        request_id_header=settings.edge_request_id_header,
        logger=audit_logger(),
    )
    return app


def idp_http_client(
    settings: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The one HTTP client for the IdP's discovery document and keys."""
    return httpx.AsyncClient(
        transport=transport,
        timeout=settings.jwks_fetch_timeout_seconds,
        headers={"User-Agent": f"{PROJECT_SLUG}/{__version__}", "Accept": "application/json"},
    )


def audit_logger() -> logging.Logger:
    """JSON lines on stdout, unless logging configuration already gave the logger handlers.

    The level is set whenever none was configured: audit lines are INFO, and a logger left
    at the inherited WARNING would drop every one of them without a word.
    """
    logger = logging.getLogger(f"{__package__}.audit")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    return logger
