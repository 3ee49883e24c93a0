"""The IdP's key set: which keys the app takes from it, and when it asks again.

Through a mock transport, so each case shapes the key set or the cache's clock exactly.
The key server failing as real ones do (down, hung, rotating, flooded with unknown kids)
is specified once, over real sockets, in test_key_server.py.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from {{ cookiecutter.package_name }}.identity.keys import MAX_JWKS_BYTES, SigningKeys

from ..support.fake_idp import ec_key, rsa_key
from ..support.manual_clock import ManualClock

pytestmark = pytest.mark.anyio


@pytest.fixture
def bearer_service(make_service):
    return make_service(identity_source="bearer_token", jwks_refresh_cooldown_seconds=30)


async def test_keys_are_fetched_once_for_many_requests(bearer_service, idp):
    for _ in range(5):
        assert (await bearer_service.get_as(idp.token())).status_code == 200

    assert idp.jwks_hits == 1


async def test_new_kid_asked_for_as_a_fetch_outlasting_the_cooldown_ends_is_fetched_anew(idp):
    """A request resuming in the very turn of the event loop in which a fetch ends (its
    socket was ready in the same turn) starts its own fetch once the cooldown is over; it
    does not join the fetch that has just ended without its key."""
    clock = ManualClock()
    first_fetch_answered = asyncio.Event()

    async def answer_then_rotate(request: httpx.Request) -> httpx.Response:
        answer = await idp.handle(request)
        if not first_fetch_answered.is_set():
            clock.advance(31)  # this fetch took longer than the 30 s cooldown
            idp.rotate("rsa-2")
            first_fetch_answered.set()
        return answer

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer_then_rotate)) as http:
        keys = SigningKeys(
            issuer=idp.issuer,
            jwks_url=f"https://idp.test{idp.jwks_path}",
            algorithms=("RS256",),
            http=http,
            ttl=3600,
            cooldown=30,
            timeout=5,
            clock=clock,
        )
        first_fetch = asyncio.ensure_future(keys.refresh())
        await first_fetch_answered.wait()
        assert keys._inflight.done(), "this test must resume as the first fetch ends"
        rotated = await keys.get("rsa-2")
        await first_fetch

    assert rotated is not None
    assert idp.jwks_hits == 2


async def test_stale_keys_are_refreshed_in_the_background(bearer_service, idp):
    keys = bearer_service.app.state.services.tokens.keys
    assert (await bearer_service.get_as(idp.token())).status_code == 200
    keys._fetched_at -= keys.ttl + 1
    keys._attempted_at -= keys.cooldown + 1

    assert (await bearer_service.get_as(idp.token())).status_code == 200
    assert keys._inflight is not None
    await keys._inflight
    assert idp.jwks_hits == 2


async def test_keys_marked_for_encryption_are_not_used(bearer_service, idp):
    original = idp.jwks
    idp.jwks = lambda: {"keys": [key | {"use": "enc"} for key in original()["keys"]]}

    assert (await bearer_service.get_as(idp.token())).status_code == 503


async def test_discovery_naming_another_issuer_yields_no_keys(service_for):
    service, idp = service_for("generic_oidc", identity_source="bearer_token")
    idp.issuer = "https://elsewhere.test"

    response = await service.get_as(idp.token(idp.claims(iss=service.settings.oidc_issuer)))

    assert response.status_code == 503


async def test_a_key_pyjwt_cannot_load_is_skipped_and_the_others_serve(bearer_service, idp):
    good = idp.jwks()["keys"]
    ec_key_claiming_rsa = {"kty": "EC", "alg": "RS256", "kid": "bad-1", "crv": "P-256"}
    idp.jwks = lambda: {"keys": [ec_key_claiming_rsa, *good]}

    assert (await bearer_service.get_as(idp.token())).status_code == 200


async def test_a_key_whose_curve_is_not_a_name_is_skipped_and_the_others_serve(make_service, idp):
    good = idp.jwks()["keys"]
    curve_as_a_list = {"kty": "EC", "kid": "bad-2", "crv": ["P-256"], "x": "AA", "y": "AA"}
    idp.jwks = lambda: {"keys": [curve_as_a_list, *good]}
    service = make_service(identity_source="bearer_token", oidc_algorithms="RS256,ES256")

    assert (await service.get_as(idp.token())).status_code == 200


async def test_a_key_set_whose_keys_are_not_a_list_is_a_failed_fetch(bearer_service, idp):
    idp.jwks = lambda: {"keys": 5}
    async with bearer_service.client() as client:
        assert (await client.get("/readyz")).status_code == 503

    assert (await bearer_service.get_as(idp.token())).status_code == 503


async def test_a_broken_key_set_keeps_the_last_good_keys(bearer_service, idp):
    assert (await bearer_service.get_as(idp.token())).status_code == 200
    idp.jwks = lambda: {"keys": 5}
    bearer_service.app.state.services.tokens.keys._attempted_at -= 31

    unknown = await bearer_service.get_as(idp.token(kid="attacker-1", key=rsa_key("attacker")))

    assert unknown.status_code == 503
    assert idp.jwks_hits == 2
    assert (await bearer_service.get_as(idp.token())).status_code == 200


async def test_an_unknown_kid_is_401_again_once_the_idp_answers(bearer_service, idp):
    good = idp.jwks
    idp.jwks = lambda: {"keys": 5}
    keys = bearer_service.app.state.services.tokens.keys
    assert (await bearer_service.get_as(idp.token())).status_code == 503
    idp.jwks = good
    keys._attempted_at -= 31

    unknown = await bearer_service.get_as(idp.token(kid="attacker-1", key=rsa_key("attacker")))

    assert unknown.status_code == 401
    assert idp.jwks_hits == 2


async def test_an_oversized_key_set_is_refused_without_reading_it_all(idp):
    served = {"bytes": 0, "oversized": False}

    async def body():
        for _ in range(4 * MAX_JWKS_BYTES // 65536):
            served["bytes"] += 65536
            yield b" " * 65536

    async def handler(request: httpx.Request) -> httpx.Response:
        if served["oversized"]:
            return httpx.Response(200, content=body())
        return httpx.Response(200, json=idp.jwks())

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        keys = SigningKeys(
            issuer=idp.issuer,
            jwks_url="https://idp.test/jwks",
            algorithms=("RS256",),
            http=http,
            ttl=0,
            cooldown=0,
            timeout=5,
        )
        await keys.refresh()
        served["oversized"] = True
        await keys.refresh()

    assert set(keys.keys) == {"rsa-1"}
    assert MAX_JWKS_BYTES < served["bytes"] <= MAX_JWKS_BYTES + 65536


@pytest.mark.parametrize("allowed", ["RS256,PS256", "PS256,RS256"])
@pytest.mark.parametrize("algorithm", ["RS256", "PS256"])
async def test_an_rsa_key_without_alg_verifies_every_allowed_rsa_algorithm(
    make_service, idp, allowed, algorithm
):
    """RFC 7517 makes a key's alg optional; such a key is not bound to one algorithm."""
    idp.publish_alg = False
    service = make_service(identity_source="bearer_token", oidc_algorithms=allowed)

    response = await service.get_as(idp.token(algorithm=algorithm))

    assert response.status_code == 200, response.text


async def test_an_ec_key_without_alg_verifies_its_curves_algorithm(make_service, idp):
    idp.publish_alg = False
    idp.signing_keys = {"ec-1": ec_key("ec-1")}
    service = make_service(identity_source="bearer_token", oidc_algorithms="RS256,ES256")

    response = await service.get_as(idp.token(kid="ec-1", algorithm="ES256"))

    assert response.status_code == 200, response.text


async def test_readiness_names_both_issuers_when_discovery_disagrees(service_for, caplog):
    service, idp = service_for("generic_oidc", identity_source="bearer_token")
    configured = service.settings.oidc_issuer
    idp.issuer = configured + "/"

    async with service.client() as client:
        response = await client.get("/readyz")

    detail = response.json()["detail"]
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert f"discovery names issuer '{configured}/'; OIDC_ISSUER is '{configured}'" in detail
    assert "trailing slash?" in detail
    assert [r.levelname for r in caplog.records if detail.split(": ", 1)[1] in r.getMessage()] == [
        "ERROR"
    ]


async def test_readiness_says_which_keys_the_idp_publishes_when_none_is_allowed(make_service, idp):
    service = make_service(identity_source="bearer_token", oidc_algorithms="ES256")

    async with service.client() as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    assert "holds no signing key for OIDC_ALGORITHMS=ES256" in response.json()["detail"]
    assert "it publishes RSA/RS256/sig" in response.json()["detail"]


async def test_readiness_names_the_key_url_the_idp_does_not_answer_on(bearer_service, idp):
    idp.up = False

    async with bearer_service.client() as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    assert "cannot fetch https://idp.test/" in response.json()["detail"]
    assert "is the IdP up" in response.json()["detail"]
