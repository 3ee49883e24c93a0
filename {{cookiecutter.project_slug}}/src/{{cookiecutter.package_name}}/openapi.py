"""The OpenAPI document says what the service sends: how identity arrives, every answer.

FastAPI documents the successful answers and marks each route that depends on the
principal with the placeholder scheme PRINCIPAL_SCHEME. ServiceApp completes the
document for this deployment: on those routes, how identity arrives (a bearer token
scheme; the edge's identity headers as header parameters, since a user name is not a
secret: docs/design_decisions.md) and the refusals that can follow; everywhere, error
answers in the problem+json shape problems.py sends, with examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from .identity.edge import EdgeHeaderRules
from .problems import KEYS_UNAVAILABLE, MEDIA_TYPE, challenge, problem_body
from .settings import Settings

PRINCIPAL_SCHEME = "principal"
BEARER_SCHEME = "bearerToken"
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")

BEARER_TOKEN = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "An access token from the identity provider, verified here.",
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An error answer (RFC 9457). `detail` is a fixed message; the precise "
    "reason is in the audit line with the same `request_id`.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string", "description": "Always about:blank: `status` says it all."},
        "title": {"type": "string", "description": "The status code's reason phrase."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The path that was asked for."},
        "request_id": {"type": "string", "description": "Also in the X-Request-ID header."},
        "errors": {
            "type": "array",
            "description": "422 only: each part of the request that is not valid, and why.",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                },
            },
        },
    },
}


@dataclass(frozen=True, slots=True)
class AcceptedIdentity:
    """How this deployment learns who is calling, as the OpenAPI document shows it."""

    edge_headers: EdgeHeaderRules | None  # None: identity headers are refused
    bearer_tokens: bool
    realm: str


def accepted_identity(
    settings: Settings, edge_rules: EdgeHeaderRules, realm: str
) -> AcceptedIdentity:
    return AcceptedIdentity(
        edge_headers=edge_rules if settings.accepts_edge_headers else None,
        bearer_tokens=settings.accepts_bearer_tokens,
        realm=realm,
    )


EXAMPLE_REQUEST_ID = "9f1c2b7e4d3a4f0e8a6b5c4d3e2f1a0b"


def problem_answer(
    status: int, when: str, detail: str, *, headers: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """An OpenAPI response: problem+json, when it is sent, and an example body."""
    example = problem_body(status, detail, "/v1/orders", EXAMPLE_REQUEST_ID, **extra)
    answer: dict[str, Any] = {
        "description": when,
        "content": {
            MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}, "example": example}
        },
    }
    if headers:
        answer["headers"] = headers
    return answer


RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before asking again.",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}
KEYS_UNAVAILABLE_ANSWER = problem_answer(
    503,
    "The identity provider's signing keys are not at hand (bearer tokens only).",
    KEYS_UNAVAILABLE,
    headers=RETRY_AFTER,
)
BAD_BODY = problem_answer(
    400,
    "The body could not be read (for example, it is not UTF-8).",
    "There was an error parsing the body",
)
NOT_VALID = problem_answer(
    422,
    "A parameter or the body does not match this document; `errors` says which and why.",
    "The request is not valid.",
    errors=[{"loc": ["body", "quantity"], "msg": "Input should be greater than or equal to 1"}],
)


def principal_answers(identity: AcceptedIdentity) -> dict[str, Any]:
    """The refusals a route that needs the principal can answer, in this deployment."""
    www_authenticate = challenge(bearer_enabled=identity.bearer_tokens, realm=identity.realm)
    answers = {
        "401": problem_answer(
            401,
            "No identity: no credentials, credentials that are not valid, or identity "
            "headers from anyone but the edge.",
            "Authentication is required.",
            headers={
                "WWW-Authenticate": {
                    "description": f"How to authenticate (RFC 9110): `{www_authenticate}`, "
                    'with `, error="invalid_token"` when a token was refused (RFC 6750).',
                    "required": True,
                    "schema": {"type": "string"},
                }
            },
        ),
        "403": problem_answer(
            403,
            "The caller is known, but lacks a permission or role this route needs.",
            "You are not allowed to do this.",
        ),
    }
    if identity.edge_headers is not None:
        answers["431"] = problem_answer(
            431,
            "An identity header is larger than EDGE_MAX_HEADER_BYTES.",
            "An identity header is larger than allowed.",
        )
    if identity.bearer_tokens:
        answers["503"] = KEYS_UNAVAILABLE_ANSWER
    return answers


def edge_header_parameters(rules: EdgeHeaderRules) -> list[dict[str, Any]]:
    """The edge's identity headers: data the edge asserts, not credentials a caller holds."""
    trust = (
        "Set by the edge appliance after sign-in; honoured only when the connection comes "
        "from TRUSTED_EDGE_NETWORKS. From anyone else it is refused (401) and audited as "
        "spoofing. Not a secret: the edge's network address is what makes it count."
    )
    return [
        {
            "name": rules.user_header,
            "in": "header",
            "required": False,
            "description": f"The signed-in user's name. {trust}",
            "schema": {"type": "string"},
        },
        {
            "name": rules.groups_header,
            "in": "header",
            "required": False,
            "description": f"The user's groups, separated by {rules.separator!r}. {trust}",
            "schema": {"type": "string"},
        },
    ]


class ServiceApp(FastAPI):
    """FastAPI whose OpenAPI document describes this deployment's identity and errors."""

    def __init__(self, *, identity: AcceptedIdentity, **options: Any) -> None:
        super().__init__(**options)
        self.identity = identity

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema:
            return self.openapi_schema
        schema = super().openapi()
        for operations in schema["paths"].values():
            for operation in operations.values():
                self._complete(operation)
        components = schema.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        for name in FASTAPI_VALIDATION_SCHEMAS:
            schemas.pop(name, None)
        schemas["Problem"] = PROBLEM_SCHEMA
        components.pop("securitySchemes", None)
        if self.identity.bearer_tokens:
            components["securitySchemes"] = {BEARER_SCHEME: BEARER_TOKEN}
        self.openapi_schema = schema
        return schema

    def _complete(self, operation: dict[str, Any]) -> None:
        responses = operation["responses"]
        if "422" in responses:
            responses["422"] = NOT_VALID
        if "requestBody" in operation:
            responses["400"] = BAD_BODY
        if not self.identity.bearer_tokens:
            responses.pop("503", None)  # only the key set answers 503
        if any(PRINCIPAL_SCHEME in need for need in operation.pop("security", [])):
            self._identify_caller(operation)
        operation["responses"] = dict(sorted(operation["responses"].items()))

    def _identify_caller(self, operation: dict[str, Any]) -> None:
        if self.identity.bearer_tokens:
            # {}: a request from the edge carries identity headers instead of a token.
            operation["security"] = [{BEARER_SCHEME: []}]
            if self.identity.edge_headers is not None:
                operation["security"].append({})
        if self.identity.edge_headers is not None:
            operation.setdefault("parameters", []).extend(
                edge_header_parameters(self.identity.edge_headers)
            )
        operation["responses"].update(principal_answers(self.identity))
