"""Show in OpenAPI which routes need a principal and how one is presented.

FastAPI marks every route that depends on the principal with the placeholder scheme
PRINCIPAL_SCHEME; ServiceApp replaces it with the schemes this deployment accepts.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from .identity.edge import EdgeHeaderRules
from .settings import Settings

PRINCIPAL_SCHEME = "principal"
SecuritySchemes = dict[str, dict[str, str]]


def security_schemes(settings: Settings, edge_rules: EdgeHeaderRules) -> SecuritySchemes:
    schemes: SecuritySchemes = {}
    if settings.accepts_edge_headers:
        schemes["edgeIdentity"] = {
            "type": "apiKey",
            "in": "header",
            "name": edge_rules.user_header,
            "description": "Injected by the edge appliance; refused from any other peer.",
        }
    if settings.accepts_bearer_tokens:
        schemes["bearerToken"] = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    return schemes


class ServiceApp(FastAPI):
    """FastAPI whose OpenAPI document names the schemes this deployment accepts."""

    def __init__(self, *, security_schemes: SecuritySchemes, **options: Any) -> None:
        super().__init__(**options)
        self.security_schemes = security_schemes

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema:
            return self.openapi_schema
        schema = super().openapi()
        schema.setdefault("components", {})["securitySchemes"] = self.security_schemes
        for operations in schema["paths"].values():
            for operation in operations.values():
                if any(PRINCIPAL_SCHEME in need for need in operation.get("security", [])):
                    operation["security"] = [{name: []} for name in self.security_schemes]
        return schema
