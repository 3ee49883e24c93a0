"""Every error answer is problem+json (RFC 9457), built here and nowhere else.

Bodies carry a fixed, human message and the request id; never a token, key,
claim dump or stack trace. The precise reason goes to the audit log instead.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from .identity.errors import AuthenticationFailed, PermissionDenied, SigningKeysUnavailable

logger = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    reason: str = "",
    spoofing: bool = False,
    headers: dict[str, str] | None = None,
    **extra: object,
) -> JSONResponse:
    audit = getattr(request.state, "audit", None)
    if audit is not None and reason:
        audit.reason = reason
        audit.spoofing = spoofing
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    if audit is not None:
        body["request_id"] = audit.request_id
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def install_problem_handlers(app: FastAPI, *, bearer_enabled: bool, realm: str) -> None:
    scheme = "Bearer" if bearer_enabled else "EdgeIdentity"

    async def unauthenticated(request: Request, exc: AuthenticationFailed) -> JSONResponse:
        challenge = f'{scheme} realm="{realm}"'
        if exc.token_error:
            challenge += ', error="invalid_token"'
        return problem(
            request,
            exc.status_code,
            exc.detail,
            reason=exc.reason,
            spoofing=exc.spoofing,
            headers={"WWW-Authenticate": challenge} if exc.status_code == 401 else None,
        )

    async def forbidden(request: Request, exc: PermissionDenied) -> JSONResponse:
        return problem(request, 403, exc.detail, reason=exc.reason)

    async def keys_unavailable(request: Request, exc: SigningKeysUnavailable) -> JSONResponse:
        return problem(
            request,
            503,
            "The identity provider's signing keys are unavailable; retry later.",
            reason=exc.reason,
            headers={"Retry-After": str(exc.retry_after)},
        )

    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(part) for part in error["loc"]], "msg": error["msg"]}
            for error in exc.errors()
        ]
        return problem(
            request, 422, "The request is not valid.", reason="invalid_request", errors=errors
        )

    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return problem(request, exc.status_code, detail, headers=exc.headers)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(request, 500, "Something went wrong on our side.", reason="server_error")

    app.add_exception_handler(AuthenticationFailed, unauthenticated)
    app.add_exception_handler(PermissionDenied, forbidden)
    app.add_exception_handler(SigningKeysUnavailable, keys_unavailable)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
