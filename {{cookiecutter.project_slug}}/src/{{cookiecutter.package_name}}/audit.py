"""One JSON audit line per request: who, what, the decision and why.

Written here and nowhere else, once the answer is sent, from the request's outcome:
the principal (``state.principal``, set by authentication), the refusal
(``state.refusal``, set where problems.py answered it) and the status. Pure ASGI
middleware, so it adds no per-request task or threadpool hop. It never logs a token,
the Authorization or Cookie header. By design it logs the request id (and whether the
edge or the app made it), the subject, the groups the role map was asked about and the
client behind the edge (see peer.py): what an audit by group, and a join with the
edge's own log line, need.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from datetime import UTC, datetime

from fastapi.exceptions import RequestValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .authorization.permissions import PermissionDenied
from .identity.errors import AuthenticationFailed, SigningKeysUnavailable
from .identity.principal import Principal
from .peer import EdgeNetworks

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# One encoder for every line: json.dumps with options builds a new one per call.
_encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


class AuditMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        edge_networks: EdgeNetworks,
        request_id_header: str,
        logger: logging.Logger,
    ) -> None:
        self.app = app
        self.edge_networks = edge_networks
        self.request_id_header = request_id_header.lower().encode()
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        peer = self.edge_networks.peer(scope)
        state = scope.setdefault("state", {})
        request_id, request_id_source = self._request_id(scope, peer.from_edge)
        state["request_id"] = request_id
        request_id_header = (b"x-request-id", request_id.encode())
        status = 0

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), request_id_header]
            await send(message)

        crashed = False
        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception:
            # The 500 page is sent later by Starlette's outermost middleware.
            crashed = True
            raise
        finally:
            principal: Principal | None = state.get("principal")
            refusal: Exception | None = state.get("refusal")
            decision, reason = _decision(principal, refusal, crashed)
            line = {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "request_id": request_id,
                "request_id_source": request_id_source,
                "method": scope["method"],
                "path": scope["path"],
                "peer": peer.address,
                "client": peer.client,
                "status": 500 if crashed else status,
                "subject": principal.subject if principal else None,
                "auth_source": principal.auth_source if principal else None,
                "groups": sorted(principal.groups) if principal else [],
                "roles": sorted(principal.roles) if principal else [],
                "decision": decision,
                "reason": reason,
                "spoofing": isinstance(refusal, AuthenticationFailed) and refusal.spoofing,
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            }
            self._write(_encode(line))

    def _write(self, line: str) -> None:
        """Hand the line to the audit logger's handlers. The record is made here, not by
        ``logger.info``, which would walk the stack for a caller that is always this line."""
        if self.logger.isEnabledFor(logging.INFO):
            record = logging.LogRecord(
                self.logger.name, logging.INFO, __file__, 0, line, None, None
            )
            self.logger.handle(record)

    def _request_id(self, scope: Scope, from_edge: bool) -> tuple[str, str]:
        """The edge's id for this request when the edge sent a usable one, else a new one."""
        if from_edge:
            headers: list[tuple[bytes, bytes]] = scope["headers"]
            for name, value in headers:
                if name == self.request_id_header:
                    candidate = value.decode("latin-1")
                    if REQUEST_ID.match(candidate):
                        return candidate, "edge"
        return os.urandom(16).hex(), "app"


def _decision(
    principal: Principal | None, refusal: Exception | None, crashed: bool
) -> tuple[str, str]:
    """The decision and its reason, from what happened to the request (not its status)."""
    if crashed:
        return "error", "server_error"
    if isinstance(refusal, AuthenticationFailed | PermissionDenied):
        return "deny", refusal.reason
    if isinstance(refusal, SigningKeysUnavailable):
        return "error", refusal.reason
    if isinstance(refusal, RequestValidationError):
        return "invalid", "invalid_request"
    if refusal is not None:
        return "invalid", ""
    return ("allow" if principal else "public"), ""
