"""python -m bench: per-request cost of each identity path, as ratios to an open endpoint.

Every scenario asks for GET /v1/me: the real app for the identity paths, and two copies
of it whose /v1/me is open (see scenario.py). In-process: the ASGI apps are called
directly (no network, no client), so the numbers are the app's own cost. Under uvicorn:
each app runs in a process of its own on loopback and a small keep-alive client with many
connections in flight measures requests per second and latency. Bounded in time; prints
numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.loopback import free_port, wait_until_listening

from .scenario import (
    APP_KINDS,
    SCENARIOS,
    bench_app,
    bench_apps,
    fake_idp,
    request_headers,
    save_key,
)

PATH = "/v1/me"

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


async def in_process(apps: dict, headers: dict, requests: int, rounds: int) -> dict[str, float]:
    """Microseconds per request, the median of each scenario's rounds (rounds interleaved)."""
    for name in SCENARIOS:
        status = await call(apps[name], PATH, headers[name][0])
        if status != 200:
            raise RuntimeError(f"{name}: the app answered {status}, not 200")
    timings: dict[str, list[float]] = {name: [] for name in SCENARIOS}
    for round_ in range(rounds):
        for name in SCENARIOS:
            variants = headers[name]
            first = round_ * requests
            started = time.perf_counter()
            for n in range(first, first + requests):
                await call(apps[name], PATH, variants[n % len(variants)])
            timings[name].append((time.perf_counter() - started) / requests * 1e6)
    return {name: statistics.median(rounds_) for name, rounds_ in timings.items()}


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
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": ordered[len(ordered) // 2] * 1000,
        "p99": ordered[int(len(ordered) * 0.99)] * 1000,
    }


def _starting_at(variants: list, n: int) -> list:
    """The variants from the n-th on (cycling), so fresh tokens are not sent twice."""
    n %= len(variants)
    return variants[n:] + variants[:n]


def under_uvicorn(
    key_file: Path, headers: dict, seconds: float, connections: int, rounds: int
) -> dict:
    """Requests/s and latency of each scenario, the median of its rounds (interleaved)."""
    ports = {kind: free_port() for kind in set(APP_KINDS.values())}
    servers = {
        port: subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "bench.server", str(port), str(key_file), kind],
            cwd=Path(__file__).resolve().parents[1],
        )
        for kind, port in ports.items()
    }
    try:
        for port, server in servers.items():
            wait_until_listening(port, server, "the benchmark server")
        for name in SCENARIOS:
            asyncio.run(load(ports[APP_KINDS[name]], PATH, headers[name][:1], 0.3, connections))
        samples: dict[str, list[dict]] = {name: [] for name in SCENARIOS}
        sent = dict.fromkeys(SCENARIOS, 1)
        for _ in range(rounds):
            for name in SCENARIOS:
                variants = _starting_at(headers[name], sent[name])
                port = ports[APP_KINDS[name]]
                result = asyncio.run(load(port, PATH, variants, seconds / rounds, connections))
                sent[name] += result["requests"]
                samples[name].append(result)
        return {
            name: {key: statistics.median(r[key] for r in results) for key in ("rps", "p50", "p99")}
            for name, results in samples.items()
        }
    finally:
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            server.wait(timeout=10)


class EmptyMiddleware:
    """A pure ASGI middleware that does nothing: what any middleware layer costs."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        await self.app(scope, receive, send)


async def audit_line_cost(apps: dict, requests: int, rounds: int) -> dict[str, float]:
    """Microseconds the audit middleware, and an empty middleware in its place, add to the
    open route (medians, rounds interleaved)."""
    timings: dict[str, list[float]] = {label: [] for label in apps}
    for _ in range(rounds):
        for label, target in apps.items():
            started = time.perf_counter()
            for _ in range(requests):
                await call(target, PATH, [])
            timings[label].append((time.perf_counter() - started) / requests * 1e6)
    without = statistics.median(timings["without"])
    return {label: statistics.median(timings[label]) - without for label in ("audit", "empty")}


def report(cost: dict, served: dict | None, layers: dict[str, float]) -> None:
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
        f"audit line (open route with vs without the audit middleware): {layers['audit']:.1f} us"
        f" per request, target <= {AUDIT_LINE_TARGET_US:.0f} us;"
        f" an empty middleware in its place: {layers['empty']:.1f} us"
    )


def _target(sign: str, value: float | None) -> str:
    return f"{sign}{value:.2f}" if value else ""


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000, help="in-process requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="load time per path, over all rounds"
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--in-process-only", action="store_true")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        key_file = Path(folder) / "idp-key.pem"
        save_key(key_file)
        idp = fake_idp(key_file)
        apps = bench_apps(idp)
        fresh = options.requests * (options.rounds + 1) + (0 if options.in_process_only else 8000)
        print(f"minting {fresh} tokens ...", flush=True)
        headers = request_headers(idp, fresh_tokens=fresh)
        cost = asyncio.run(in_process(apps, headers, options.requests, options.rounds))
        layers = {
            "audit": apps["open endpoint"],
            "empty": bench_app(idp, "open", audit=False),
            "without": bench_app(idp, "open", audit=False),
        }
        layers["empty"].add_middleware(EmptyMiddleware)
        layer_us = asyncio.run(audit_line_cost(layers, options.requests, options.rounds))
        served = None
        if not options.in_process_only:
            served = under_uvicorn(
                key_file, headers, options.seconds, options.connections, options.rounds
            )
        report(cost, served, layer_us)


if __name__ == "__main__":
    main()
