"""A real JWKS endpoint on loopback that a test can stop, restart, slow, hold and rotate.

It serves a FakeIdp's key set over HTTP from its own thread, so the app fetches keys as
in production (its own httpx client, real sockets, its own timeout) and nothing the app
does to its event loop can stall the key server. Every fetch is counted.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .fake_idp import FakeIdp

LONGEST_HOLD_SECONDS = 60  # a forgotten hold frees its thread, still unanswered
DISCOVERY_PATH = "/.well-known/openid-configuration"  # for an IdP whose issuer is this server


class JwksServer:
    def __init__(self, idp: FakeIdp) -> None:
        self.idp = idp
        self.delay = 0.0
        self.fetches = 0
        self.answered = 0
        self.port = 0  # chosen by the system at the first start, kept after
        self._answering = threading.Event()
        self._answering.set()
        self._stopping = False
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}{self.idp.jwks_path}"

    def start(self) -> None:
        """Listen on 127.0.0.1, on a port the system picks; after a stop, on the same port."""
        self._stopping = False
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.port = self._server.server_address[1]
        self._server.daemon_threads = True
        self._server.block_on_close = False
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        """Close the port (fetches are refused) and drop held fetches unanswered."""
        self._stopping = True
        self._answering.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def hold(self) -> None:
        """Accept fetches but answer none until release(); unreleased, they are never answered."""
        self._answering.clear()

    def release(self) -> None:
        self._answering.set()

    def rotate(self, new_kid: str) -> None:
        """Publish a new key and withdraw the old ones."""
        self.idp.rotate(new_kid)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == DISCOVERY_PATH:
                    self._send_json({"issuer": server.idp.issuer, "jwks_uri": server.url})
                    return
                if self.path != server.idp.jwks_path:
                    self.send_error(404)
                    return
                with server._lock:
                    server.fetches += 1
                released = server._answering.wait(LONGEST_HOLD_SECONDS)
                if not released or server._stopping:
                    return
                time.sleep(server.delay)
                self._send_json(server.idp.jwks())
                with server._lock:
                    server.answered += 1

            def _send_json(self, document: dict) -> None:
                body = json.dumps(document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
