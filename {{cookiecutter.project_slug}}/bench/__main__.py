"""python -m bench: per-request cost of each identity path, as ratios to an open endpoint.

In-process: the ASGI app is called directly (no network, no client), so the numbers are
the app's own cost. Under uvicorn: the app runs in a second process on loopback and a
small keep-alive client with many connections in flight measures requests per second and
latency. Bounded in time; prints numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .scenario import PATHS, SCENARIOS, bench_app, fake_idp, request_headers, save_key

TARGETS = {  # (in-process cost at most, uvicorn requests/s at least), as ratios to open
    "edge headers": (1.10, 0.93),
    "bearer, same token": (1.15, 0.90),
    "bearer, fresh token": (2.20, 0.60),
}
AUDIT_LINE_TARGET_US = 15.0


async def call(app, path: str, headers: list) -> int:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 40000),
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers],
    }  # fmt: skip
    status = 0

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def in_process(app, headers: dict, requests: int, rounds: int) -> dict[str, float]:
    """Microseconds per request, best round of each scenario (rounds interleaved)."""
    best = dict.fromkeys(SCENARIOS, float("inf"))
    for name in SCENARIOS:
        status = await call(app, PATHS[name], headers[name][0])
        if status != 200:
            raise RuntimeError(f"{name}: the app answered {status}, not 200")
    for round_ in range(rounds):
        for name in SCENARIOS:
            variants = headers[name]
            first = round_ * requests
            started = time.perf_counter()
            for n in range(first, first + requests):
                await call(app, PATHS[name], variants[n % len(variants)])
            best[name] = min(best[name], (time.perf_counter() - started) / requests * 1e6)
    return best


async def load(port: int, path: str, variants: list, seconds: float, connections: int) -> dict:
    """Requests per second and latency percentiles with `connections` keep-alive clients."""
    latencies: list[float] = []
    requests = [
        (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         + "".join(f"{name}: {value}\r\n" for name, value in variant) + "\r\n").encode()
        for variant in variants
    ]  # fmt: skip
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(requests[next(counter) % len(requests)])
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"{path}: {head.splitlines()[0].decode()}")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "rps": len(latencies) / elapsed,
        "p50": ordered[len(ordered) // 2] * 1000,
        "p99": ordered[int(len(ordered) * 0.99)] * 1000,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_listening(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the benchmark server did not start")


def under_uvicorn(key_file: Path, headers: dict, seconds: float, connections: int) -> dict:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "bench.server", str(port), str(key_file)],
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        wait_until_listening(port)
        results = {}
        for name in SCENARIOS:
            asyncio.run(load(port, PATHS[name], headers[name][:1], 0.3, connections))  # warm
            results[name] = asyncio.run(
                load(port, PATHS[name], headers[name], seconds, connections)
            )
        return results
    finally:
        server.terminate()
        server.wait(timeout=10)


async def audit_line_cost(app, plain_app, requests: int, rounds: int) -> float:
    """Microseconds the audit middleware adds to the open route (best rounds, interleaved)."""
    best = {"with": float("inf"), "without": float("inf")}
    for _ in range(rounds):
        for label, target in (("with", app), ("without", plain_app)):
            started = time.perf_counter()
            for _ in range(requests):
                await call(target, PATHS["open endpoint"], [])
            best[label] = min(best[label], (time.perf_counter() - started) / requests * 1e6)
    return best["with"] - best["without"]


def report(cost: dict, served: dict | None, audit_us: float) -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print()
    head = f"{'path':<22} {'us/req':>8} {'ratio':>6} {'target':>7}"
    if served:
        head += f" | {'req/s':>7} {'ratio':>6} {'target':>7} {'p50 ms':>7} {'p99 ms':>7}"
    print(head)
    for name in SCENARIOS:
        cost_target, rps_target = TARGETS.get(name, (None, None))
        ratio = cost[name] / cost["open endpoint"]
        line = f"{name:<22} {cost[name]:>8.1f} {ratio:>5.2f}x {_target('<=', cost_target):>7}"
        if served:
            rps = served[name]["rps"] / served["open endpoint"]["rps"]
            line += (
                f" | {served[name]['rps']:>7.0f} {rps:>5.2f}x {_target('>=', rps_target):>7}"
                f" {served[name]['p50']:>7.2f} {served[name]['p99']:>7.2f}"
            )
        print(line)
    print(
        f"audit line (open route with vs without the audit middleware): {audit_us:.1f} us"
        f" per request, target <= {AUDIT_LINE_TARGET_US:.0f} us"
    )


def _target(sign: str, value: float | None) -> str:
    return f"{sign}{value:.2f}" if value else ""


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="in-process requests per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0, help="load time per path")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--in-process-only", action="store_true")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        key_file = Path(folder) / "idp-key.pem"
        save_key(key_file)
        idp = fake_idp(key_file)
        app, settings = bench_app(idp)
        fresh = options.requests * (options.rounds + 1) + (0 if options.in_process_only else 4000)
        print(f"minting {fresh} tokens ...", flush=True)
        headers = request_headers(settings, idp, fresh_tokens=fresh)
        cost = asyncio.run(in_process(app, headers, options.requests, options.rounds))
        plain_app, _ = bench_app(idp, audit=False)
        audit_us = asyncio.run(audit_line_cost(app, plain_app, options.requests, options.rounds))
        served = None
        if not options.in_process_only:
            served = under_uvicorn(key_file, headers, options.seconds, options.connections)
        report(cost, served, audit_us)


if __name__ == "__main__":
    main()
