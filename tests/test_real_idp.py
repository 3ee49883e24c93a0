"""The generated app, run as deployed, against a real OpenID Connect provider.

panva's oidc-provider (OpenID Certified; tests/oidc_provider, tests/real_idp.py) runs on
loopback and issues every token with its own signing code, from keys generated per run:
JWT access tokens (RFC 9068) from the client credentials grant with a resource indicator
(RFC 8707), and ID tokens from the authorization code flow with PKCE. The app is a
project generated with identity_source=bearer_token, started as its container starts it
(`python -m <package>` under uvicorn, settings only from the environment, real HTTP),
finding its keys through OIDC discovery or through its preset's JWKS URL.

What in the tokens is the provider's own, and what its configuration shapes:

- oidc-provider's own: in access tokens iss, sub (the client), aud (the resource's
  audience), exp, iat, jti, client_id, scope, and the header's alg, kid and typ `at+jwt`;
  in ID tokens iss, sub, aud (the client id), exp, iat, nonce, at_hash and typ `JWT`;
  the key set it publishes (an RSA key given without `alg` is published without one).
- configured: issuer paths and endpoint paths (Keycloak's certs, Okta's v1/keys, Entra's
  discovery/v2.0/keys, ...), resource servers (audience, algorithm, lifetime), clients.
- shaped (each client's `access_token` / `id_token` claims in the provider's settings, as
  the IdPs document them): groups, realm_access, azp, typ, token_use, cognito:groups,
  username, oid, tid, roles, scp, ver, permissions, gty, cid, uid, env, org; and the access
  token header's typ: `JWT` (Keycloak, Entra, Auth0) or none (Cognito, Okta).

Cognito access tokens carry no `aud`; oidc-provider insists on one in JWT access tokens, so
here they carry the resource's, which the Cognito preset does not read (it matches
`client_id`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import httpx
import jwt
import pytest
from deployed_project import WAIT_SECONDS, RunningApp, deployed, run_doctor, until
from helpers import TEMPLATE, generated_test_support
from real_idp import OidcProvider, ec_jwk, rsa_jwk

SAMPLES = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))["_samples"]

API = "orders-api"
RESOURCE = "urn:example:orders-api"
BATCH = "orders-batch"  # a service calling the API with client credentials
REDIRECT_URI = "http://127.0.0.1/callback"  # never fetched: the harness stops at it
MAX_LIFETIME = 3600
COOLDOWN = 1  # JWKS_REFRESH_COOLDOWN_SECONDS, the least the app allows
# JWKS_FETCH_TIMEOUT_SECONDS: the longest allowed, so a busy machine never cuts a fetch
# short; the hung-provider test sets the short one it needs.
FETCH_TIMEOUT = 30
HUNG_FETCH_TIMEOUT = 2

UNMAPPED_GROUP = "not-in-the-role-map"
EXPECTED_ROLES = ["admin", "orders-reader"]  # from each sample role map: reader, admin


def sample_groups(idp: str) -> list[str]:
    """Two groups the generated config/roles.toml maps (reader, admin) and one it does not."""
    return [SAMPLES[idp]["reader"], SAMPLES[idp]["admin"], UNMAPPED_GROUP]


def resource(audience: str, alg: str = "RS256", ttl: int = 300) -> dict:
    return {"audience": audience, "scope": "orders:read", "alg": alg, "ttl": ttl}


def batch_client(client_id: str = BATCH, claims: dict | None = None, header=None) -> dict:
    return {
        "client_id": client_id,
        "client_secret": f"{client_id}-secret-for-tests-only",
        "grant_types": ["client_credentials"],
        "response_types": [],
        "redirect_uris": [],
        "access_token": {"claims": claims or {}, "header": header or {}},
    }


def web_client(client_id: str, id_claims: dict | None = None) -> dict:
    """A web app signing users in; its client id is the API's audience, so its ID tokens
    carry `aud` = the API's audience, the one case where only the token type tells them apart."""
    return {
        "client_id": client_id,
        "client_secret": "web-secret-for-tests-only",
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "redirect_uris": [REDIRECT_URI],
        "id_token": {"claims": id_claims or {}},
    }


# --- the app as deployed ------------------------------------------------------------------

BASE_SETTINGS = {
    "ENVIRONMENT": "dev",
    "IDENTITY_SOURCE": "bearer_token",
    "ROLE_MAP_FILE": "config/roles.toml",
    "OIDC_ALGORITHMS": "RS256",
    "OIDC_MAX_TOKEN_LIFETIME_SECONDS": str(MAX_LIFETIME),
    "JWKS_REFRESH_COOLDOWN_SECONDS": str(COOLDOWN),
    "JWKS_FETCH_TIMEOUT_SECONDS": str(FETCH_TIMEOUT),
}


def deployed_app(tree: Path, folder: Path, **settings: str):
    """The project in `tree` as deployed: BASE_SETTINGS and `settings`, output in `folder`."""
    return deployed(tree, folder / "output.log", {**BASE_SETTINGS, **settings})


def cooldown_over(since: float) -> None:
    """Return once the app's refresh cooldown, started no later than `since`, has run out."""
    until(lambda: time.monotonic() - since > COOLDOWN, "the key refresh cooldown to end")


# --- generic_oidc: one provider, found through discovery ----------------------------------

GENERIC_GROUPS = sample_groups("generic_oidc")


def generic_provider(*keys: dict) -> OidcProvider:
    return OidcProvider(
        {
            "issuer_path": "",
            "keys": list(keys) or [rsa_jwk("rsa-1"), ec_jwk("ec-1")],
            "resources": {
                RESOURCE: resource(API),
                f"{RESOURCE}:ps256": resource(API, "PS256"),
                f"{RESOURCE}:es256": resource(API, "ES256"),
                f"{RESOURCE}:long-lived": resource(API, ttl=2 * MAX_LIFETIME),
                "urn:example:reports-api": resource("reports-api"),
            },
            "clients": [
                batch_client(claims={"groups": GENERIC_GROUPS}),
                web_client(API, {"groups": GENERIC_GROUPS}),
            ],
        }
    )


def generic_settings(provider: OidcProvider, **overrides: str) -> dict[str, str]:
    return {
        "IDP": "generic_oidc",
        "OIDC_ISSUER": provider.issuer,
        "OIDC_AUDIENCE": API,
        **overrides,
    }


@pytest.fixture(scope="module")
def generic_project(baked) -> Path:
    return baked(idp="generic_oidc", identity_source="bearer_token")


@pytest.fixture(scope="module")
def idp() -> Iterator[OidcProvider]:
    """The provider most tests share: they only ask it for tokens."""
    with generic_provider() as provider:
        yield provider


@pytest.fixture(scope="module")
def app(generic_project, idp, tmp_path_factory) -> Iterator[RunningApp]:
    """The app most tests share: they only send it requests."""
    folder = tmp_path_factory.mktemp("app")
    with deployed_app(generic_project, folder, **generic_settings(idp)) as running_app:
        yield running_app


def test_roles_come_from_the_role_map_for_the_groups_in_a_real_access_token(app, idp):
    token = idp.access_token(BATCH, RESOURCE, "orders:read")

    answer = app.me(token)

    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"
    assert answer.status == 200, answer
    assert answer.body["roles"] == EXPECTED_ROLES
    assert answer.body["subject"] == BATCH
    assert answer.body["issuer"] == idp.issuer
    assert answer.audit["decision"] == "allow"


def test_token_for_another_audience_is_refused(app, idp):
    answer = app.me(idp.access_token(BATCH, "urn:example:reports-api"))

    assert answer.status == 401
    assert answer.reason == "wrong_audience"


def test_token_signed_with_an_algorithm_not_allowed_is_refused(app, idp):
    token = idp.access_token(BATCH, f"{RESOURCE}:es256")

    answer = app.me(token)

    assert jwt.get_unverified_header(token)["alg"] == "ES256"
    assert answer.status == 401
    assert answer.reason == "algorithm_not_allowed"


def test_token_living_longer_than_allowed_is_refused(app, idp):
    answer = app.me(idp.access_token(BATCH, f"{RESOURCE}:long-lived"))

    assert answer.status == 401
    assert answer.reason == "lifetime_too_long"


def test_id_token_with_the_apis_audience_is_refused_by_default(app, idp):
    """oidc-provider's ID token: aud = the client id = OIDC_AUDIENCE, the same key, and
    groups the role map knows: taken as an access token it would grant roles."""
    token = idp.id_token(API, "alice")

    answer = app.me(token)

    assert jwt.decode(token, options={"verify_signature": False})["aud"] == API
    assert answer.status == 401, answer
    assert answer.reason == "wrong_token_type"


def test_token_from_another_issuer_is_refused(generic_project, idp, tmp_path):
    """Keys from the real key set (OIDC_JWKS_URL); tokens name an issuer the app does not trust."""
    settings = generic_settings(
        idp,
        OIDC_ISSUER=idp.issuer + "/another-tenant",
        OIDC_JWKS_URL=idp.discovery()["jwks_uri"],
    )
    with deployed_app(generic_project, tmp_path, **settings) as app:
        answer = app.me(idp.access_token(BATCH, RESOURCE))

    assert answer.status == 401
    assert answer.reason == "wrong_issuer"


def test_mistyped_issuer_keeps_the_app_from_becoming_ready_and_names_both_issuers(
    generic_project, idp, tmp_path
):
    """A trailing slash the IdP does not use: discovery answers with the IdP's own issuer."""
    mistyped = idp.issuer + "/"
    settings = generic_settings(idp, OIDC_ISSUER=mistyped)
    with deployed_app(generic_project, tmp_path, **settings) as app:
        ready = app.get("/readyz")
        answer = app.me(idp.access_token(BATCH, RESOURCE))
        logged = app.output()

    assert ready.status == 503
    assert ready.headers["content-type"] == "application/problem+json"
    detail = ready.body.get("detail", "")
    assert mistyped in detail, detail
    assert idp.issuer in detail.replace(mistyped, ""), detail
    assert detail.partition(": ")[2] in logged
    assert answer.status == 503


def test_token_from_a_client_not_in_oidc_client_ids_is_refused(generic_project, idp, tmp_path):
    settings = generic_settings(idp, OIDC_CLIENT_IDS="orders-web,reports-batch")
    with deployed_app(generic_project, tmp_path, **settings) as app:
        answer = app.me(idp.access_token(BATCH, RESOURCE))

    assert answer.status == 401
    assert answer.reason == "client_not_allowed"


@pytest.mark.parametrize("allowed", ["RS256,PS256", "PS256,RS256"])
def test_rsa_key_published_without_alg_verifies_each_allowed_rsa_algorithm(
    generic_project, idp, tmp_path, allowed
):
    published = httpx.get(idp.discovery()["jwks_uri"]).json()["keys"]
    rs256 = idp.access_token(BATCH, RESOURCE)
    ps256 = idp.access_token(BATCH, f"{RESOURCE}:ps256")
    settings = generic_settings(idp, OIDC_ALGORITHMS=allowed)
    with deployed_app(generic_project, tmp_path, **settings) as app:
        answers = {"RS256": app.me(rs256), "PS256": app.me(ps256)}

    assert [key for key in published if key["kty"] == "RSA" and "alg" not in key]
    assert jwt.get_unverified_header(ps256)["alg"] == "PS256"
    assert {alg: (answer.status, answer.reason) for alg, answer in answers.items()} == {
        "RS256": (200, ""),
        "PS256": (200, ""),
    }


def test_es256_token_is_accepted_with_an_ec_key(generic_project, idp, tmp_path):
    token = idp.access_token(BATCH, f"{RESOURCE}:es256")
    settings = generic_settings(idp, OIDC_ALGORITHMS="ES256")
    with deployed_app(generic_project, tmp_path, **settings) as app:
        answer = app.me(token)

    assert answer.status == 200, answer
    assert answer.body["roles"] == EXPECTED_ROLES


# --- the doctor explaining verdicts against the real provider ------------------------------


def doctor(tree: Path, provider: OidcProvider, token: str | None = None, **overrides: str):
    return run_doctor(tree, {**BASE_SETTINGS, **generic_settings(provider, **overrides)}, token)


def failed_check(output: str, topic: str) -> str:
    """The doctor's FAIL line about `topic`, with its fix line if it has one."""
    lines = output.splitlines()
    at = next((n for n, line in enumerate(lines) if line.split()[:2] == ["FAIL", topic]), None)
    assert at is not None, f"no FAIL line about {topic}:\n{output}"
    return "\n".join(lines[at : at + 2])


def test_doctor_passes_a_good_token_and_exits_0(generic_project, idp):
    token = idp.access_token(BATCH, RESOURCE)

    result = doctor(generic_project, idp, token)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "all checks hold" in result.stdout


def test_doctor_names_both_issuers_when_the_issuer_is_mistyped(generic_project, idp):
    mistyped = idp.issuer + "/"

    result = doctor(generic_project, idp, OIDC_ISSUER=mistyped)

    assert result.returncode == 1, result.stdout + result.stderr
    found = failed_check(result.stdout, "issuer")
    assert f"'{mistyped}'" in found
    assert f"'{idp.issuer}'" in found


def test_doctor_names_the_expected_and_found_audience_and_the_setting(generic_project, idp):
    token = idp.access_token(BATCH, "urn:example:reports-api")

    result = doctor(generic_project, idp, token)

    assert result.returncode == 1, result.stdout + result.stderr
    found = failed_check(result.stdout, "aud")
    assert f"'{API}'" in found
    assert "'reports-api'" in found
    assert "OIDC_AUDIENCE" in found


@pytest.mark.parametrize("resource_indicator", [RESOURCE, "urn:example:reports-api"])
def test_doctor_never_prints_the_token_or_its_signature(generic_project, idp, resource_indicator):
    token = idp.access_token(BATCH, resource_indicator)
    signature = token.rsplit(".", 1)[1]

    result = doctor(generic_project, idp, token)

    assert token not in result.stdout + result.stderr
    assert signature not in result.stdout + result.stderr
    assert result.stdout.strip()


# --- the provider rotating keys, going away, hanging, starting late ------------------------


def test_new_signing_keys_are_used_without_restarting_the_app(generic_project, tmp_path):
    with generic_provider(rsa_jwk("before")) as provider:
        settings = generic_settings(provider)
        with deployed_app(generic_project, tmp_path, **settings) as app:
            before = app.me(provider.access_token(BATCH, RESOURCE))
            old_key_token = provider.access_token(BATCH, RESOURCE)
            provider.restart(keys=[rsa_jwk("after")])
            new_key_token = provider.access_token(BATCH, RESOURCE)

            after = until(
                lambda: (called := app.me(new_key_token)).status == 200 and called,
                "the app to accept a token signed with the new key",
            )
            withdrawn = app.me(old_key_token)

    assert before.status == 200
    assert jwt.get_unverified_header(new_key_token)["kid"] == "after"
    assert after.body["roles"] == EXPECTED_ROLES
    assert withdrawn.status == 401
    assert withdrawn.reason == "unknown_kid"


def test_cached_keys_keep_serving_when_the_provider_is_killed(generic_project, tmp_path):
    with generic_provider() as provider:
        settings = generic_settings(provider)
        with deployed_app(generic_project, tmp_path, **settings) as app:
            warm = app.me(provider.access_token(BATCH, RESOURCE))
            unseen = [provider.access_token(BATCH, RESOURCE) for _ in range(3)]
            provider.kill()
            during_outage = [app.me(token) for token in unseen]
            ready = app.get("/readyz")

    assert warm.status == 200
    assert [answer.status for answer in during_outage] == [200, 200, 200]
    assert ready.status == 200


def test_hung_provider_leaves_cached_keys_serving_and_a_new_kid_gets_503(generic_project, tmp_path):
    """SIGSTOP: the kernel still accepts the app's connection, nothing ever answers it."""
    with generic_provider(rsa_jwk("before")) as provider:
        timeout = str(HUNG_FETCH_TIMEOUT)
        settings = generic_settings(provider, JWKS_FETCH_TIMEOUT_SECONDS=timeout)
        with deployed_app(generic_project, tmp_path, **settings) as app:
            started = time.monotonic()
            warm = app.me(provider.access_token(BATCH, RESOURCE))
            unseen = [provider.access_token(BATCH, RESOURCE) for _ in range(2)]
            provider.restart(keys=[rsa_jwk("after")])
            new_kid_token = provider.access_token(BATCH, RESOURCE)
            provider.pause()
            cooldown_over(started)
            with ThreadPoolExecutor(1) as pool:
                # Far longer than the fetch timeout: a fetch the app did not cut off fails here.
                new_kid = pool.submit(app.me, new_kid_token, HUNG_FETCH_TIMEOUT + WAIT_SECONDS)
                health = app.get("/healthz")
                cached_key = [app.me(token) for token in unseen]
                new_kid_answer = new_kid.result()

    assert warm.status == 200
    assert health.status == 200
    assert [answer.status for answer in cached_key] == [200, 200]
    assert new_kid_answer.status == 503, new_kid_answer
    assert new_kid_answer.headers["content-type"] == "application/problem+json"
    assert int(new_kid_answer.headers["retry-after"]) >= 1


def test_app_started_before_the_provider_becomes_ready_once_it_is_up(generic_project, tmp_path):
    port = generated_test_support(generic_project, "loopback").free_port()
    provider = generic_provider()
    settings = generic_settings(provider, OIDC_ISSUER=f"http://127.0.0.1:{port}")
    with deployed_app(generic_project, tmp_path, **settings) as app:
        before = app.get("/readyz")
        provider.start(port=port)
        try:
            until(lambda: app.get("/readyz").status == 200, "/readyz to answer 200")
            answer = app.me(provider.access_token(BATCH, RESOURCE))
        finally:
            provider.stop()

    assert before.status == 503
    assert answer.status == 200
    assert answer.body["roles"] == EXPECTED_ROLES


# --- each preset meeting a provider shaped like its IdP ------------------------------------


@dataclass(frozen=True)
class PresetCase:
    """One IdP as far as oidc-provider can play it: its issuer and key-set paths (routes),
    the claims and header its access tokens carry, the claims its ID tokens carry."""

    idp: str
    issuer_path: str
    audience: str  # OIDC_AUDIENCE: the API (aud), or Cognito's app client ids
    batch_client: str
    web_client: str  # signs users in; its ID tokens say aud = web_client
    access_claims: dict
    id_claims: dict
    access_header: dict = field(default_factory=dict)
    routes: dict = field(default_factory=dict)
    jwks_aliases: tuple[str, ...] = ()
    subject: str = ""  # /v1/me subject for the batch client's token; "" = the client id
    settings: dict = field(default_factory=dict)

    def provider(self) -> OidcProvider:
        return OidcProvider(
            {
                "issuer_path": self.issuer_path,
                "keys": [rsa_jwk(f"{self.idp}-1", alg="RS256")],
                "routes": self.routes,
                "jwks_aliases": list(self.jwks_aliases),
                "resources": {RESOURCE: resource(self.audience.split(",")[0])},
                "clients": [
                    batch_client(self.batch_client, self.access_claims, self.access_header),
                    web_client(self.web_client, self.id_claims),
                ],
            }
        )


TENANT = "00000000-0000-0000-0000-00000000beef"
ENTRA_API = "11111111-1111-1111-1111-111111111111"
ENTRA_OID = "22222222-2222-2222-2222-222222222222"
COGNITO_BATCH, COGNITO_WEB = "4batchclientexample0abcdef", "7webclientexample0abcdefgh"
PING_ENV, PING_ORG = "33333333-3333-3333-3333-333333333333", "44444444-4444-4444-4444-444444444444"

PRESET_CASES = [
    PresetCase(
        idp="keycloak",
        issuer_path="/realms/orders",
        audience=API,
        batch_client=BATCH,
        web_client=API,
        routes={
            "jwks": "/protocol/openid-connect/certs",
            "token": "/protocol/openid-connect/token",
            "authorization": "/protocol/openid-connect/auth",
        },
        access_header={"typ": "JWT"},
        access_claims={
            "typ": "Bearer",
            "azp": BATCH,
            "realm_access": {"roles": sample_groups("keycloak")},
            "preferred_username": f"service-account-{BATCH}",
        },
        id_claims={
            "typ": "ID",
            "azp": API,
            "realm_access": {"roles": sample_groups("keycloak")},
            "preferred_username": "alice",
        },
        settings={"OIDC_CLIENT_IDS": f"{BATCH},{API}"},
    ),
    PresetCase(
        idp="aws_cognito",
        issuer_path="/eu-west-1_TEST",
        audience=f"{COGNITO_BATCH},{COGNITO_WEB}",
        batch_client=COGNITO_BATCH,
        web_client=COGNITO_WEB,
        routes={"jwks": "/.well-known/jwks.json"},
        access_header={"typ": None},
        access_claims={
            "token_use": "access",
            "cognito:groups": sample_groups("aws_cognito"),
            "username": "orders-batch",
        },
        id_claims={
            "token_use": "id",
            "cognito:groups": sample_groups("aws_cognito"),
            "cognito:username": "alice",
        },
    ),
    PresetCase(
        idp="entra_id",
        issuer_path=f"/{TENANT}/v2.0",
        audience=ENTRA_API,
        batch_client="55555555-5555-5555-5555-555555555555",
        web_client=ENTRA_API,
        jwks_aliases=(f"/{TENANT}/discovery/v2.0/keys",),
        access_header={"typ": "JWT"},
        access_claims={
            "ver": "2.0",
            "tid": TENANT,
            "oid": ENTRA_OID,
            "azp": "55555555-5555-5555-5555-555555555555",
            "roles": sample_groups("entra_id"),
            "scp": "Orders.Read",
        },
        id_claims={
            "ver": "2.0",
            "tid": TENANT,
            "oid": "66666666-6666-6666-6666-666666666666",
            "roles": sample_groups("entra_id"),
            "name": "Alice",
        },
        subject=ENTRA_OID,
    ),
    PresetCase(
        idp="auth0",
        issuer_path="/",
        audience="https://orders.example.com",
        batch_client="Auth0BatchClient0123456789abcdef",
        web_client="https://orders.example.com",
        routes={
            "jwks": "/.well-known/jwks.json",
            "token": "/oauth/token",
            "authorization": "/authorize",
        },
        access_header={"typ": "JWT"},
        access_claims={
            "azp": "Auth0BatchClient0123456789abcdef",
            "gty": "client-credentials",
            "permissions": sample_groups("auth0"),
            "client_id": None,
        },
        id_claims={"nickname": "alice", "name": "Alice"},  # permissions: access tokens only
    ),
    PresetCase(
        idp="okta",
        issuer_path="/oauth2/default",
        audience="api://default",
        batch_client="0oa1batchclientexample",
        web_client="api://default",
        routes={"jwks": "/v1/keys", "token": "/v1/token", "authorization": "/v1/authorize"},
        access_header={"typ": None},
        access_claims={
            "ver": 1,
            "cid": "0oa1batchclientexample",
            "uid": "00u1batchexample",
            "scp": ["orders.read"],
            "groups": sample_groups("okta"),
            "scope": None,
            "client_id": None,
        },
        id_claims={"ver": 1, "idp": "00o1example", "groups": sample_groups("okta")},
    ),
    PresetCase(
        idp="ping",
        issuer_path=f"/{PING_ENV}/as",
        audience=API,
        batch_client="77777777-7777-7777-7777-777777777777",
        web_client=API,
        routes={"jwks": "/jwks", "token": "/token", "authorization": "/authorize"},
        access_claims={"env": PING_ENV, "org": PING_ORG, "groups": sample_groups("ping")},
        id_claims={"env": PING_ENV, "org": PING_ORG, "groups": sample_groups("ping")},
    ),
]


class PresetRun(NamedTuple):
    case: PresetCase
    provider: OidcProvider
    app: RunningApp


@pytest.fixture(scope="module", params=PRESET_CASES, ids=lambda case: case.idp)
def preset(request, baked, tmp_path_factory) -> Iterator[PresetRun]:
    """One provider shaped like the IdP, one project generated for it, run as deployed."""
    case = request.param
    tree = baked(idp=case.idp, identity_source="bearer_token")
    with case.provider() as provider:
        settings = {
            "IDP": case.idp,
            "OIDC_ISSUER": provider.issuer,
            "OIDC_AUDIENCE": case.audience,
            **case.settings,
        }
        with deployed_app(tree, tmp_path_factory.mktemp(case.idp), **settings) as app:
            yield PresetRun(case, provider, app)


def test_preset_maps_roles_from_a_token_its_idp_shape_issued(preset):
    token = preset.provider.access_token(preset.case.batch_client, RESOURCE)

    answer = preset.app.me(token)

    assert answer.status == 200, answer
    assert answer.body["roles"] == EXPECTED_ROLES
    assert answer.body["subject"] == (preset.case.subject or preset.case.batch_client)
    assert answer.body["issuer"] == preset.provider.issuer


def test_preset_refuses_the_id_token_its_idp_shape_issues(preset):
    token = preset.provider.id_token(preset.case.web_client, "alice")

    answer = preset.app.me(token)

    assert answer.status == 401, answer
    assert answer.reason == "wrong_token_type"
