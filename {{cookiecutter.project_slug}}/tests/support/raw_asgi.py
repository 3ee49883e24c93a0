"""Call the app with exactly the header bytes given, as an ASGI server would.

httpx lower-cases header names before they reach the app; a server is only asked
to (ASGI says names *should* be lower-case). This sends names and values
untouched, so a test can show the app folds case itself.
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI


async def raw_request(
    app: FastAPI,
    *,
    peer: str,
    headers: list[tuple[bytes, bytes]],
    method: str = "GET",
    path: str = "/v1/me",
) -> httpx.Response:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"service.test"), *headers],
        "client": (peer, 41000),
        "server": ("service.test", 80),
    }
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(message for message in sent if message["type"] == "http.response.start")
    body = b"".join(message.get("body", b"") for message in sent[1:])
    return httpx.Response(start["status"], headers=start.get("headers", []), content=body)
