"""Show in OpenAPI which routes need a principal and how one is presented.

The principal dependency declares two documentation-only security schemes, so
FastAPI marks every protected route itself; here the schemes this deployment does
not accept are removed and the edge header's configured name is filled in.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.models import APIKey, APIKeyIn, HTTPBearer
from fastapi.security.base import SecurityBase

from .identity.edge import EdgeHeaderRules
from .settings import Settings

EDGE_SCHEME = "edgeIdentity"
BEARER_SCHEME = "bearerToken"


class DocumentedScheme(SecurityBase):
    """A security scheme that only documents; the authenticator does the checking."""

    def __init__(self, model: APIKey | HTTPBearer, scheme_name: str) -> None:
        self.model = model
        self.scheme_name = scheme_name

    async def __call__(self) -> None:
        return None


edge_identity = DocumentedScheme(
    APIKey(
        **{"in": APIKeyIn.header},
        name="identity-headers",
        description="Injected by the edge appliance; refused from any other peer.",
    ),
    EDGE_SCHEME,
)
bearer_token = DocumentedScheme(HTTPBearer(bearerFormat="JWT"), BEARER_SCHEME)


def install_security_schemes(app: FastAPI, settings: Settings, edge_rules: EdgeHeaderRules) -> None:
    accepted = set()
    if settings.accepts_edge_headers:
        accepted.add(EDGE_SCHEME)
    if settings.accepts_bearer_tokens:
        accepted.add(BEARER_SCHEME)
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        schemes = schema.get("components", {}).get("securitySchemes", {})
        for name in set(schemes) - accepted:
            del schemes[name]
        if EDGE_SCHEME in schemes:
            schemes[EDGE_SCHEME]["name"] = edge_rules.user_header
        for operations in schema["paths"].values():
            for operation in operations.values():
                if "security" in operation:
                    operation["security"] = [
                        requirement
                        for requirement in operation["security"]
                        if set(requirement) <= accepted
                    ]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi
