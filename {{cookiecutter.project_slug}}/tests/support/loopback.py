"""Ports, start-up waits and shutdown for the servers the tests run on loopback."""

from __future__ import annotations

import random
import socket
import subprocess
import time
from collections.abc import Callable

START_TIMEOUT_SECONDS = 15
STOP_TIMEOUT_SECONDS = 10
# Below the ephemeral ranges (Linux 32768-60999, BSD and macOS 49152-65535), so no
# outgoing connection or bind to port 0 can take a port between choosing it and using it.
LISTEN_PORTS = range(20_000, 32_000)
# A server that cannot listen on port 0 and report its port (nginx, the app as deployed)
# gets a free port; a parallel job may take it first, so the start is tried again.
START_ATTEMPTS = 3
ADDRESS_IN_USE = "address already in use"


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on, for a server started right after."""
    for port in random.sample(LISTEN_PORTS, 100):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port on 127.0.0.1 in {LISTEN_PORTS}")


def wait_until_listening(port: int, process: subprocess.Popen, what: str) -> None:
    """Return once 127.0.0.1:`port` accepts; raise if `process` exits or time runs out."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} while starting")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on port {port} within {START_TIMEOUT_SECONDS} s")


def start_retrying_taken_ports(
    start_once: Callable[[], None], stop: Callable[[], None], log: Callable[[], str]
) -> None:
    """Call `start_once` (it picks free ports, starts a server and waits for it), again with
    new ports when the server's log says a parallel job took one first."""
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            start_once()
            return
        except RuntimeError as exc:
            stop()
            text = log()
            if attempt == START_ATTEMPTS or ADDRESS_IN_USE not in text.lower():
                raise RuntimeError(f"{exc}:\n{text}") from None


def stop_process(process: subprocess.Popen) -> None:
    """Terminate `process`, and kill it if it has not exited in STOP_TIMEOUT_SECONDS."""
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
