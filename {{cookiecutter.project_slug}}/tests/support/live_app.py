"""The app under a real uvicorn on loopback, inside the test's own event loop.

Run in-process so a test can read the app's state (caches, keys) after real requests
over real sockets, and run with proxy_headers=False exactly as ``python -m`` starts it.
Sharing the test's event loop is deliberate: if the app ever blocked the loop, the
test's own client would stall with it, so "other requests keep being served" is shown
by the test's requests being answered at all.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import uvicorn
from fastapi import FastAPI

START_TIMEOUT_SECONDS = 30
KEEP_ALIVE_SECONDS = 300


@dataclass
class LiveApp:
    app: FastAPI
    server: uvicorn.Server
    url: str

    @property
    def requests_in_progress(self) -> int:
        """Requests uvicorn has read and handed to the app that are not answered yet."""
        return sum(not task.done() for task in self.server.server_state.tasks)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url)


@dataclass
class Answer:
    status_code: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


class KeepAliveConnection:
    """One HTTP/1.1 keep-alive connection from a chosen loopback address.

    For load only: httpx's connection pool costs more per request than the app under test
    once 100+ requests are in flight, so the load would measure the client, not the app.
    """

    def __init__(self, url: str, local_address: str) -> None:
        self.host, _, port = url.removeprefix("http://").partition(":")
        self.port = int(port)
        self.local_address = local_address
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> Answer:
        if self.streams is None:
            self.streams = await asyncio.open_connection(
                self.host, self.port, local_addr=(self.local_address, 0)
            )
        reader, writer = self.streams
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        fields = dict(line.split(": ", 1) for line in head[1:] if line)
        answer_headers = {name.lower(): value for name, value in fields.items()}
        content = await reader.readexactly(int(answer_headers["content-length"]))
        return Answer(int(head[0].split()[1]), answer_headers, content)

    async def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            await self.streams[1].wait_closed()


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[LiveApp]:
    """Start uvicorn on an ephemeral 127.0.0.1 port (lifespan included); stop it after."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app,
        proxy_headers=False,
        lifespan="on",
        log_level="warning",
        access_log=False,
        # Longer than any test, so uvicorn never closes a keep-alive connection that
        # the client is about to reuse (that race would show up as a ReadError).
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    server = uvicorn.Server(config)
    running = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        await until(lambda: server.started or running.done(), START_TIMEOUT_SECONDS)
        if running.done():
            running.result()
            raise RuntimeError("uvicorn stopped during start-up")
        yield LiveApp(app, server, f"http://127.0.0.1:{listener.getsockname()[1]}")
    finally:
        server.should_exit = True
        await running
        listener.close()


async def until(condition: Callable[[], bool], timeout: float, step: float = 0.005) -> None:
    """Wait until `condition()` holds; raise TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"still waiting after {timeout} s")
        await asyncio.sleep(step)
