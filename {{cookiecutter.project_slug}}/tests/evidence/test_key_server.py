"""The IdP's key server failing in the ways real ones do, over real sockets.

The app runs under uvicorn on loopback and fetches keys over HTTP from a local JWKS
server (tests/support/jwks_server.py) that is stopped, held or rotated mid-test: a real
HTTP client, real connection errors and real timeouts. What the app takes from a key
set, and the cache's own bookkeeping, are in test_signing_keys.py.
"""

from __future__ import annotations

import asyncio
import secrets

import pytest

from {{ cookiecutter.package_name }}.app import create_app

from ..support.fake_idp import rsa_key
from ..support.jwks_server import JwksServer
from ..support.live_app import serving, until
from ..support.manual_clock import ManualClock

pytestmark = pytest.mark.anyio

COOLDOWN = 30
WAIT_SECONDS = 10
# The longest the settings allow: only a test that sets its own timeout ever reaches one.
FETCH_TIMEOUT = 30


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def key_server(idp):
    server = JwksServer(idp)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def bearer_app(make_settings, key_server, clock):
    """The real app taking bearer tokens, its keys from the local JWKS server over HTTP."""

    def make(**overrides):
        settings = make_settings(
            identity_source="bearer_token",
            oidc_jwks_url=key_server.url,
            jwks_refresh_cooldown_seconds=COOLDOWN,
            **({"jwks_fetch_timeout_seconds": FETCH_TIMEOUT} | overrides),
        )
        app = create_app(settings)
        app.state.services.tokens.keys.clock = clock
        return app

    return make


async def test_idp_down_at_start_means_not_ready_and_503_until_it_is_back(
    bearer_app, key_server, idp, clock
):
    key_server.stop()
    token = idp.token()
    async with serving(bearer_app()) as live, live.client() as client:
        ready_while_down = await client.get("/readyz")
        alive_while_down = await client.get("/healthz")
        while_down = await client.get("/v1/me", headers=bearer(token))
        key_server.start()
        clock.advance(COOLDOWN)
        ready_once_back = await client.get("/readyz")
        once_back = await client.get("/v1/me", headers=bearer(idp.token()))

    assert ready_while_down.status_code == 503
    assert alive_while_down.status_code == 200
    assert while_down.status_code == 503
    assert while_down.headers["content-type"] == "application/problem+json"
    assert token not in while_down.text
    assert 1 <= int(while_down.headers["retry-after"]) <= COOLDOWN
    assert ready_once_back.status_code == 200
    assert once_back.status_code == 200
    assert key_server.fetches == 1


async def test_cached_keys_keep_serving_when_the_idp_goes_down_after_warm_up(
    bearer_app, key_server, idp, clock, caplog
):
    async with serving(bearer_app()) as live, live.client() as client:
        warm = await client.get("/v1/me", headers=bearer(idp.token()))
        key_server.stop()
        clock.advance(live.app.state.services.settings.jwks_cache_ttl_seconds + COOLDOWN)
        # An unknown kid makes the app wait for a refetch, which fails: the outage is real,
        # and the kid may be a rotated key, so the caller is told to retry, not refused.
        unknown = await client.get(
            "/v1/me", headers=bearer(idp.token(kid="rsa-new", key=rsa_key("rsa-1")))
        )
        during_outage = [
            await client.get("/v1/me", headers=bearer(idp.token(jti=f"outage-{n}")))
            for n in range(5)
        ]

    assert warm.status_code == 200
    failures = [r for r in caplog.records if "could not be fetched" in r.getMessage()]
    assert [r.levelname for r in failures] == ["ERROR"]
    assert key_server.url in failures[0].getMessage()
    assert unknown.status_code == 503
    assert int(unknown.headers["retry-after"]) >= 1
    assert [answer.status_code for answer in during_outage] == [200] * 5
    assert key_server.fetches == 1


async def test_rotated_key_is_fetched_after_the_cooldown_once_for_every_request_waiting_on_it(
    bearer_app, key_server, idp, clock
):
    waiting_requests = 20
    async with serving(bearer_app()) as live, live.client() as client:
        warm = await client.get("/v1/me", headers=bearer(idp.token()))
        old_kid_token = idp.token(jti="signed-before-rotation")
        key_server.rotate("rsa-2")
        too_soon = await client.get("/v1/me", headers=bearer(idp.token(kid="rsa-2")))
        fetches_too_soon = key_server.fetches
        key_server.hold()
        clock.advance(COOLDOWN)
        tokens = [idp.token(kid="rsa-2", jti=f"rotated-{n}") for n in range(waiting_requests)]
        waiting = [
            asyncio.ensure_future(client.get("/v1/me", headers=bearer(token))) for token in tokens
        ]
        await until(
            lambda: key_server.fetches == 2 and live.requests_in_progress == waiting_requests,
            WAIT_SECONDS,
        )
        key_server.release()
        answers = await asyncio.gather(*waiting)
        withdrawn = await client.get("/v1/me", headers=bearer(old_kid_token))

    assert warm.status_code == 200
    assert too_soon.status_code == 401
    assert fetches_too_soon == 1
    assert [answer.status_code for answer in answers] == [200] * waiting_requests
    assert key_server.fetches == 2
    assert withdrawn.status_code == 401


async def test_flood_of_random_kids_fetches_at_most_once_per_cooldown(
    bearer_app, key_server, idp, clock
):
    """Each window: a flood at once, then a few more one after another once its fetch is over."""
    flood, one_by_one = 60, 5
    key_server.delay = 0.05
    fetches_after_each_window = []
    async with serving(bearer_app()) as live, live.client() as client:
        warm = await client.get("/v1/me", headers=bearer(idp.token()))
        for _ in range(2):
            clock.advance(COOLDOWN)
            tokens = [
                idp.token(kid=secrets.token_hex(8), key=rsa_key("rsa-1"))
                for _ in range(flood + one_by_one)
            ]
            answers = await asyncio.gather(
                *(client.get("/v1/me", headers=bearer(token)) for token in tokens[:flood])
            )
            answers += [await client.get("/v1/me", headers=bearer(t)) for t in tokens[flood:]]
            assert [answer.status_code for answer in answers] == [401] * len(tokens)
            fetches_after_each_window.append(key_server.fetches)

    assert warm.status_code == 200
    assert fetches_after_each_window == [2, 3]


async def test_hanging_key_server_is_cut_off_by_the_fetch_timeout(
    bearer_app, key_server, idp, clock
):
    """Start-up and requests end while the key server still holds every fetch unanswered."""
    key_server.hold()
    app = bearer_app(jwks_fetch_timeout_seconds=0.5)
    async with serving(app) as live, live.client() as client:
        health = await client.get("/healthz")
        clock.advance(COOLDOWN)
        answer = await client.get("/v1/me", headers=bearer(idp.token()))

    assert health.status_code == 200
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert int(answer.headers["retry-after"]) >= 1
    assert key_server.answered == 0


async def test_requests_keep_being_served_while_a_key_fetch_hangs(
    bearer_app, key_server, idp, clock
):
    """The app, the test's client and nothing else share one event loop: any blocking
    wait on the hung fetch would stall /healthz too."""
    app = bearer_app()
    async with serving(app) as live, live.client() as client:
        warm = await client.get("/v1/me", headers=bearer(idp.token()))
        key_server.hold()
        clock.advance(COOLDOWN)
        new_kid_token = idp.token(kid="rsa-new", key=rsa_key("rsa-1"))
        hung = asyncio.ensure_future(client.get("/v1/me", headers=bearer(new_kid_token)))
        await until(lambda: key_server.fetches == 2, WAIT_SECONDS)
        health = await client.get("/healthz")
        cached_key = await client.get("/v1/me", headers=bearer(idp.token(jti="meanwhile")))
        still_hung = not hung.done()
        key_server.stop()
        after_drop = await hung

    assert warm.status_code == 200
    assert health.status_code == 200
    assert cached_key.status_code == 200
    assert still_hung
    assert after_drop.status_code == 503
    assert key_server.answered == 1
