"""Every error answer is problem+json (RFC 9457), built here and nowhere else.

Bodies carry a fixed, human message and the request id; never a token, key, claim dump
or stack trace. The refusal itself is kept in the request's state (``refusal``), where
the audit line reads its precise reason.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from .authorization.permissions import PermissionDenied
from .identity.errors import AuthenticationFailed, SigningKeysUnavailable

logger = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
KEYS_UNAVAILABLE = "The identity provider's signing keys are unavailable; retry later."
METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def problem_body(
    status: int, detail: str, instance: str, request_id: str | None, **extra: object
) -> dict[str, object]:
    """The body of every error answer; openapi.py documents it with this function too."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }
    if request_id is not None:
        body["request_id"] = request_id
    return body


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: object,
) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    body = problem_body(status, detail, request.url.path, request_id, **extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def challenge(*, bearer_enabled: bool, realm: str) -> str:
    """A 401's WWW-Authenticate value (RFC 9110), before any error parameter."""
    return f'{"Bearer" if bearer_enabled else "EdgeIdentity"} realm="{realm}"'


def allowed_methods(request: Request) -> str:
    """Every method the path takes, for a 405's Allow (RFC 9110), asked of the routes
    themselves: Starlette names only those of the first route on the path, and GET and
    POST on one path are two routes."""
    routes = request.app.router.routes

    def taken(method: str) -> bool:
        asked = {**request.scope, "method": method}
        return any(route.matches(asked)[0] is Match.FULL for route in routes)

    return ", ".join(method for method in METHODS if taken(method))


def install_problem_handlers(app: FastAPI, *, bearer_enabled: bool, realm: str) -> None:
    www_authenticate = challenge(bearer_enabled=bearer_enabled, realm=realm)

    @app.exception_handler(AuthenticationFailed)
    async def unauthenticated(request: Request, exc: AuthenticationFailed) -> JSONResponse:
        request.state.refusal = exc
        value = www_authenticate
        if exc.token_error:
            value += ', error="invalid_token"'
        return problem(
            request,
            exc.status_code,
            exc.detail,
            headers={"WWW-Authenticate": value} if exc.status_code == 401 else None,
        )

    @app.exception_handler(PermissionDenied)
    async def forbidden(request: Request, exc: PermissionDenied) -> JSONResponse:
        request.state.refusal = exc
        return problem(request, 403, exc.detail)

    @app.exception_handler(SigningKeysUnavailable)
    async def keys_unavailable(request: Request, exc: SigningKeysUnavailable) -> JSONResponse:
        request.state.refusal = exc
        return problem(
            request,
            503,
            exc.detail or KEYS_UNAVAILABLE,
            headers={"Retry-After": str(exc.retry_after)},
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        request.state.refusal = exc
        errors = [
            {"loc": [str(part) for part in error["loc"]], "msg": error["msg"]}
            for error in exc.errors()
        ]
        return problem(request, 422, "The request is not valid.", errors=errors)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        request.state.refusal = exc
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        return problem(request, exc.status_code, detail, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(request, 500, "Something went wrong on our side.")
