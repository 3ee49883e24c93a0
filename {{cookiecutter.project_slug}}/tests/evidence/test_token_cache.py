"""The verified-token cache saves work and nothing else: no longer life, no revived keys."""

from __future__ import annotations

import time
from datetime import datetime

import jwt
import pytest

from {{ cookiecutter.package_name }}.identity.token_cache import VerifiedTokenCache

from ..support.manual_clock import ManualClock

pytestmark = pytest.mark.anyio


@pytest.fixture
def frozen_wall_clock(monkeypatch) -> ManualClock:
    """Wall-clock time that moves only when the test moves it, for PyJWT too.

    PyJWT takes no clock: it checks exp, nbf and iat against ``datetime.now()``, so the
    ``datetime`` its module reads is replaced by one that reads this clock.
    """
    clock = ManualClock(int(time.time()))

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.fromtimestamp(clock(), tz)

    monkeypatch.setattr(jwt.api_jwt, "datetime", FrozenDatetime)
    return clock


def test_entry_is_not_used_from_its_expiry_on():
    clock = ManualClock(1000)
    cache = VerifiedTokenCache(10, clock)
    digest = cache.digest("token")
    cache.put(digest, "verified", "kid-1", expires_at=1010)

    clock.now = 1009.9
    assert cache.get(digest, {"kid-1"}) == "verified"
    clock.now = 1010
    assert cache.get(digest, {"kid-1"}) is None
    assert len(cache) == 0


def test_entry_is_not_used_once_its_key_is_no_longer_published():
    cache = VerifiedTokenCache(10, ManualClock(1000))
    digest = cache.digest("token")
    cache.put(digest, "verified", "kid-1", expires_at=2000)

    assert cache.get(digest, {"kid-2"}) is None
    assert cache.get(digest, {"kid-1", "kid-2"}) is None


def test_cache_never_holds_more_than_its_size_and_drops_the_oldest():
    cache = VerifiedTokenCache(3, ManualClock(1000))
    digests = [cache.digest(f"token-{n}") for n in range(5)]
    for n, digest in enumerate(digests):
        cache.put(digest, n, "kid-1", expires_at=2000)

    assert len(cache) == 3
    assert cache.get(digests[0], {"kid-1"}) is None
    assert cache.get(digests[4], {"kid-1"}) == 4


def test_size_zero_turns_the_cache_off():
    cache = VerifiedTokenCache(0, ManualClock(1000))
    cache.put(cache.digest("token"), "verified", "kid-1", expires_at=2000)

    assert len(cache) == 0


def test_cache_keeps_digests_not_tokens():
    cache = VerifiedTokenCache(10, ManualClock(1000))
    cache.put(cache.digest("secret-token"), "verified", "kid-1", expires_at=2000)

    assert "secret-token" not in repr(cache._entries)
    assert all(len(key) == 32 for key in cache._entries)


async def test_repeated_token_is_verified_once(make_service, idp, monkeypatch):
    service = make_service(identity_source="bearer_token")
    verifier = service.app.state.services.tokens
    decodes = []
    original = verifier._decode
    monkeypatch.setattr(verifier, "_decode", lambda *a: decodes.append(1) or original(*a))
    token = idp.token()

    for _ in range(5):
        assert (await service.get_as(token)).status_code == 200

    assert len(decodes) == 1


async def test_cached_token_is_refused_once_it_expires(make_service, idp, frozen_wall_clock):
    service = make_service(identity_source="bearer_token", oidc_leeway_seconds=0)
    service.app.state.services.tokens.cache.clock = frozen_wall_clock
    now = int(frozen_wall_clock())
    token = idp.token(idp.claims(iat=now - 10, nbf=now - 10, exp=now + 1))
    assert (await service.get_as(token)).status_code == 200

    frozen_wall_clock.now = now + 1

    assert (await service.get_as(token)).status_code == 401


def test_app_cache_reads_expiry_on_the_wall_clock_that_exp_is_written_in(make_service):
    cache = make_service(identity_source="bearer_token").app.state.services.tokens.cache
    digest = cache.digest("token")

    cache.put(digest, "verified", "kid-1", expires_at=int(time.time()) + 3600)
    assert cache.get(digest, {"kid-1"}) == "verified"
    cache.put(digest, "verified", "kid-1", expires_at=int(time.time()) - 1)
    assert cache.get(digest, {"kid-1"}) is None


async def test_cached_token_is_refused_once_its_key_is_withdrawn(make_service, idp):
    service = make_service(identity_source="bearer_token")
    keys = service.app.state.services.tokens.keys
    token = idp.token()
    assert (await service.get_as(token)).status_code == 200

    idp.rotate("rsa-2")
    keys._attempted_at -= keys.cooldown + 1
    await keys.refresh()

    assert (await service.get_as(token)).status_code == 401


async def test_app_cache_is_bounded_by_the_setting(make_service, idp):
    service = make_service(identity_source="bearer_token", token_cache_size=2)
    for n in range(5):
        assert (await service.get_as(idp.token(jti=f"token-{n}"))).status_code == 200

    assert len(service.app.state.services.tokens.cache) == 2
