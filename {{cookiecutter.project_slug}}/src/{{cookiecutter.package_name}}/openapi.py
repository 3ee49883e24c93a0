"""Show in OpenAPI which routes need a principal and how one is presented.

FastAPI marks every route that depends on the principal with the placeholder scheme
PRINCIPAL_SCHEME; here it is replaced by the schemes this deployment accepts.
"""

from __future__ import annotations

from fastapi import FastAPI

from .identity.edge import EdgeHeaderRules
from .settings import Settings

PRINCIPAL_SCHEME = "principal"


def install_security_schemes(app: FastAPI, settings: Settings, edge_rules: EdgeHeaderRules) -> None:
    schemes: dict[str, dict[str, str]] = {}
    if settings.accepts_edge_headers:
        schemes["edgeIdentity"] = {
            "type": "apiKey",
            "in": "header",
            "name": edge_rules.user_header,
            "description": "Injected by the edge appliance; refused from any other peer.",
        }
    if settings.accepts_bearer_tokens:
        schemes["bearerToken"] = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        schema.setdefault("components", {})["securitySchemes"] = schemes
        for operations in schema["paths"].values():
            for operation in operations.values():
                if any(PRINCIPAL_SCHEME in need for need in operation.get("security", [])):
                    operation["security"] = [{name: []} for name in schemes]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi
