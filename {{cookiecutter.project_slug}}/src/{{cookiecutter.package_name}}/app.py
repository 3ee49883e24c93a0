"""Build the application from settings: services, routes, answers, audit; once."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from . import DESCRIPTION, PROJECT_NAME, PROJECT_SLUG, __version__
from .api.deps import AuthenticatedRoute
from .api.routes import admin, health, lab, me, orders
from .audit import AuditMiddleware
from .audit_shipping import audit_logger
from .openapi import ServiceApp, accepted_identity
from .problems import install_problem_handlers
from .services import build_services
from .settings import Settings


def create_app(
    settings: Settings, *, jwks_transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """Raise SettingsError (naming the setting or role-map entry) if anything is unusable."""
    services = build_services(settings, jwks_transport)
    app = ServiceApp(
        identity=accepted_identity(settings, services.edge_rules, realm=PROJECT_SLUG),
        title=PROJECT_NAME,
        description=DESCRIPTION,
        version=__version__,
        lifespan=services.lifespan,
    )
    app.state.services = services
    # Routes added to the app itself (@app.get in main.py) authenticate before the body too.
    app.router.route_class = AuthenticatedRoute
    for module in (health, me, orders, admin):
        app.include_router(module.router)
    if settings.lab_header_echo:
        app.include_router(lab.router)
    install_problem_handlers(app, bearer_enabled=settings.accepts_bearer_tokens, realm=PROJECT_SLUG)
    app.add_middleware(
        AuditMiddleware,
        edge_networks=services.edge_networks,
        request_id_header=settings.edge_request_id_header,
        logger=audit_logger(),
    )
    return app
