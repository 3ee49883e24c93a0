"""One JSON audit line per request: who, what, the decision and why.

Pure ASGI middleware, so it adds no per-request task or threadpool hop. It never
logs a token, the Authorization or Cookie header or the groups header. By design it
logs the request id, the subject (from the user header or the token) and the client
(an X-Forwarded-For hop, read only from trusted peers).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .identity.edge import TrustedNetworks
from .identity.principal import Principal

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


@dataclass(slots=True)
class AuditRecord:
    request_id: str
    method: str
    path: str
    peer: str | None
    client: str | None
    status: int = 0
    subject: str | None = None
    auth_source: str | None = None
    roles: list[str] = field(default_factory=list)
    decision: str = ""
    reason: str = ""
    spoofing: bool = False

    def record_principal(self, principal: Principal) -> None:
        self.subject = principal.subject
        self.auth_source = principal.auth_source
        self.roles = sorted(principal.roles)


RECORD_FIELDS = tuple(f.name for f in fields(AuditRecord))


class AuditMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        trusted_networks: TrustedNetworks,
        request_id_header: str,
        logger: logging.Logger,
    ) -> None:
        self.app = app
        self.trusted_networks = trusted_networks
        self.request_id_header = request_id_header.lower().encode()
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        peer = scope["client"][0] if scope.get("client") else None
        trusted = self.trusted_networks.contains(peer)
        record = AuditRecord(
            request_id=self._request_id(scope, trusted),
            method=scope["method"],
            path=scope["path"],
            peer=peer,
            client=self._forwarded_client(scope, peer) if trusted else peer,
        )
        scope.setdefault("state", {})["audit"] = record

        async def send_with_request_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", record.request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception:
            # The 500 page is sent later by Starlette's outermost middleware.
            record.status = record.status or 500
            raise
        finally:
            self._write(record, time.perf_counter() - started)

    def _request_id(self, scope: Scope, trusted: bool) -> str:
        if trusted:
            for name, value in scope["headers"]:
                if name == self.request_id_header:
                    candidate = value.decode("latin-1")
                    if REQUEST_ID.match(candidate):
                        return candidate
        return uuid.uuid4().hex

    def _forwarded_client(self, scope: Scope, peer: str | None) -> str | None:
        """The nearest address in X-Forwarded-For that is not the edge itself."""
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                hops = [hop.strip() for hop in value.decode("latin-1").split(",")]
                for hop in reversed(hops):
                    if hop and not self.trusted_networks.contains(hop):
                        return hop[:64]
        return peer

    def _write(self, record: AuditRecord, elapsed: float) -> None:
        if not record.decision:
            record.decision = _decision(record)
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            **{name: getattr(record, name) for name in RECORD_FIELDS},
            "duration_ms": round(elapsed * 1000, 3),
        }
        self.logger.info(json.dumps(line, separators=(",", ":")))


def _decision(record: AuditRecord) -> str:
    if record.status in (401, 403, 431):
        return "deny"
    if record.status >= 500:
        return "error"
    if record.status >= 400:
        return "invalid"
    return "allow" if record.subject else "public"
