"""A few thousand mixed requests, 100+ at once in uvicorn (read, not yet answered), on loopback.

Every answer is checked against the decision it must get, and afterwards every cache
the request path fills is shown to sit at its size limit, not above it. The edge
connects from 127.0.0.2 (the only trusted address), everyone else from 127.0.0.1.
Both identity sources are switched on so every kind of request has a path to take.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from {{ cookiecutter.package_name }} import peer
from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.identity.edge import EdgeHeaderRules
from {{ cookiecutter.package_name }}.identity.idp import PRESETS
from {{ cookiecutter.package_name }}.services import edge_header_rules

from ..support.fake_idp import rsa_key
from ..support.jwks_server import JwksServer
from ..support.live_app import Answer, KeepAliveConnection, LiveApp, serving
from ..support.manual_clock import ManualClock

pytestmark = pytest.mark.anyio

EDGE, OUTSIDER = "127.0.0.2", "127.0.0.1"
IN_FLIGHT = 120
TOKEN_CACHE_SIZE = 64
LOAD_TIME_LIMIT_SECONDS = 120
FETCH_TIMEOUT = 30  # the longest allowed: a busy machine never cuts a key fetch short
JSON = {"Content-Type": "application/json"}
NEW_ORDER = json.dumps({"item": "widget", "quantity": 1}).encode()


@dataclass(frozen=True)
class Call:
    kind: str
    source: str
    request: str  # "METHOD /path"
    headers: dict[str, str]
    status: int
    subject: str | None = None
    body: bytes = b""


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def mixed_calls(idp, rules: EdgeHeaderRules) -> list[Call]:
    """The load, shuffled. It holds more distinct tokens than TOKEN_CACHE_SIZE, and more
    distinct edge users and forwarded clients than the edge caches' 1024 entries."""
    subject_claim = PRESETS[idp.idp].subject_claim

    def edge_headers(user: str, group: str, client: str) -> dict[str, str]:
        return {rules.user_header: user, rules.groups_header: group, "X-Forwarded-For": client}

    valid = [idp.claims(subject=f"token-user-{n}", groups=["readers"]) for n in range(200)]
    valid_tokens = [(idp.token(claims), claims[subject_claim]) for claims in valid]
    forged = [idp.token(key=rsa_key("attacker"), jti=f"forged-{n}") for n in range(15)]
    forged += [idp.token(kid=f"unknown-{n}", key=rsa_key("attacker")) for n in range(5)]
    readers = [idp.token(groups=["readers"], jti=f"reader-{n}") for n in range(20)]
    spoofed = edge_headers("admin", "admins", client=EDGE)
    calls = []
    for n in range(600):
        token, subject = valid_tokens[n % len(valid_tokens)]
        calls.append(Call("valid token", OUTSIDER, "GET /v1/me", bearer(token), 200, subject))
    for n in range(400):
        calls.append(Call("forged token", OUTSIDER, "GET /v1/me", bearer(forged[n % 20]), 401))
        calls.append(Call("spoofed headers", OUTSIDER, "GET /v1/me", spoofed, 401))
    for n in range(1100):
        headers = edge_headers(f"edge-user-{n}", "readers", f"10.{n // 256}.{n % 256}.1")
        calls.append(Call("edge headers", EDGE, "GET /v1/me", headers, 200, f"edge-user-{n}"))
    for n in range(250):
        headers = edge_headers(f"nobody-{n}", "unmapped", f"172.16.{n}.1")
        calls.append(Call("unauthorised edge user", EDGE, "GET /v1/orders", headers, 403))
        headers = bearer(readers[n % 20]) | JSON
        calls.append(
            Call("unauthorised token", OUTSIDER, "POST /v1/orders", headers, 403, body=NEW_ORDER)
        )
    random.Random(5).shuffle(calls)  # noqa: S311 (an order, not a secret)
    return calls


class PeakInFlight:
    """The app wrapped to sample, as each request reaches it, how many requests uvicorn
    has read and not yet answered: in flight on the server's side, not the client's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.live: LiveApp | None = None
        self.peak = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.live is not None:
            self.peak = max(self.peak, self.live.requests_in_progress)
        await self.app(scope, receive, send)


async def send_all(calls: list[Call], url: str) -> list[Answer]:
    """Answers in the order of `calls`, from IN_FLIGHT workers that each keep one request
    outstanding on one connection from the edge's address and one from the outsider's."""
    answers: list[Answer | None] = [None] * len(calls)
    queue = iter(range(len(calls)))

    async def worker() -> None:
        connections = {source: KeepAliveConnection(url, source) for source in (EDGE, OUTSIDER)}
        for index in queue:
            call = calls[index]
            method, path = call.request.split()
            answers[index] = await connections[call.source].request(
                method, path, call.headers, call.body
            )
        for connection in connections.values():
            await connection.close()

    async with asyncio.timeout(LOAD_TIME_LIMIT_SECONDS):
        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return answers


def wrong_decisions(calls: list[Call], answers: list[Answer]) -> list[str]:
    wrong = []
    for call, answer in zip(calls, answers, strict=True):
        subject = answer.json().get("subject") if answer.status_code == 200 else None
        if answer.status_code != call.status or subject != call.subject:
            wrong.append(f"{call.kind}: {answer.status_code} {subject!r}, wanted {call.status}")
    return wrong


@pytest.fixture
def audit_decisions() -> Iterator[Counter]:
    """(status, spoofing) of every audit line, kept off stdout: the load writes thousands."""
    decisions: Counter = Counter()

    class Count(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            line = json.loads(record.getMessage())
            decisions[line["status"], line["spoofing"]] += 1

    audit = logging.getLogger("{{ cookiecutter.package_name }}.audit")
    handlers, audit.handlers = audit.handlers, [Count()]
    yield decisions
    audit.handlers = handlers


async def test_mixed_load_gets_only_right_answers_and_caches_stay_bounded(
    make_settings, idp, audit_decisions
):
    key_server = JwksServer(idp)
    key_server.start()
    try:
        settings = make_settings(
            identity_source="both",
            trusted_edge_networks=f"{EDGE}/32",
            oidc_jwks_url=key_server.url,
            token_cache_size=TOKEN_CACHE_SIZE,
            jwks_fetch_timeout_seconds=FETCH_TIMEOUT,
        )
        app = create_app(settings)
        clock = ManualClock()
        app.state.services.tokens.keys.clock = clock
        in_flight = PeakInFlight(app)
        calls = mixed_calls(idp, edge_header_rules(settings))
        async with serving(in_flight) as live:
            in_flight.live = live
            # The cooldown after the start-up fetch is over, and no other passes, however
            # long the load takes: the unknown kids may cause exactly one more fetch.
            clock.advance(settings.jwks_refresh_cooldown_seconds)
            answers = await send_all(calls, live.url)
    finally:
        key_server.stop()

    services = app.state.services
    token_cache = services.tokens.cache
    edge_identities = services.authenticator.edge_headers._parse.cache_info()
    principals = services.role_map.principal_for.cache_info()
    forwarded_addresses = peer._parsed_address.cache_info()
    assert len(calls) >= 3000
    assert in_flight.peak >= 100
    assert [a.status_code for a in answers if a.status_code >= 500] == []
    assert wrong_decisions(calls, answers) == []
    assert len(token_cache) == token_cache.max_entries == TOKEN_CACHE_SIZE
    assert edge_identities.currsize == edge_identities.maxsize < edge_identities.misses
    assert principals.currsize == principals.maxsize < principals.misses
    assert forwarded_addresses.currsize == forwarded_addresses.maxsize < forwarded_addresses.misses
    assert app.state.services.tokens.keys.keys.keys() == {key["kid"] for key in idp.jwks()["keys"]}
    assert key_server.fetches == 2
    assert audit_decisions.total() == len(calls)
    assert audit_decisions[401, True] == sum(call.kind == "spoofed headers" for call in calls)
