"""The doctor: the settings held against the IdP, and a refused token explained.

Most checks run in-process against the fake IdP of each preset; the command itself runs
once as an operator runs it, against a key server on loopback, with the token piped in.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from {{ cookiecutter.package_name }}.doctor.__main__ import diagnose
from {{ cookiecutter.package_name }}.doctor.report import Report

from ..support.fake_idp import ISSUERS, FakeIdp
from ..support.jwks_server import JwksServer
from ..support.project import PROJECT_ROOT

pytestmark = pytest.mark.anyio


async def doctor(
    settings, idp: FakeIdp, token: str | None = None, now: float | None = None
) -> Report:
    report = Report()
    clock = (lambda: now) if now is not None else time.time
    await diagnose(settings, token, report, transport=idp.transport(), clock=clock)
    return report


def failed(report: Report) -> dict[str, str]:
    return {f.topic: f"{f.text} | fix: {f.fix}" for f in report.findings if f.level == "FAIL"}


@pytest.mark.parametrize("idp_name", sorted(ISSUERS))
async def test_a_good_token_passes_every_check_for_each_preset(make_settings, idp_name):
    idp = FakeIdp(idp_name)
    settings = make_settings(identity_source="bearer_token", idp=idp_name, oidc_issuer=idp.issuer)

    report = await doctor(settings, idp, idp.token(groups=["readers"]))

    assert failed(report) == {}
    assert report.healthy
    verdict = [(f.level, f.text) for f in report.findings if f.topic == "verdict"]
    assert len(verdict) == 1
    assert verdict[0][0] == "ok"
    assert verdict[0][1].startswith("accepted: subject '") and "user-1'" in verdict[0][1]
    assert any("orders-reader" in f.text for f in report.findings if f.topic == "groups")


async def test_a_mistyped_issuer_is_named_beside_the_one_discovery_gives(make_settings):
    idp = FakeIdp("generic_oidc")
    settings = make_settings(
        identity_source="bearer_token", idp="generic_oidc", oidc_issuer=idp.issuer + "/"
    )

    report = await doctor(settings, idp)

    assert not report.healthy
    assert (
        f"discovery names issuer '{idp.issuer}'; OIDC_ISSUER is '{idp.issuer}/' (trailing slash?)"
        in failed(report)["issuer"]
    )
    assert f"set OIDC_ISSUER={idp.issuer}" in failed(report)["issuer"]


async def test_a_token_for_another_audience_is_explained_with_the_setting_to_change(
    make_settings,
):
    idp = FakeIdp("keycloak")
    settings = make_settings(identity_source="bearer_token", idp="keycloak", oidc_issuer=idp.issuer)

    report = await doctor(settings, idp, idp.token(aud="account"))

    expected = "expected one of ['orders-api'] (OIDC_AUDIENCE); found 'account'"
    assert expected in failed(report)["aud"]
    assert "Audience mapper" in failed(report)["aud"]
    assert "refused (wrong_audience)" in failed(report)["verdict"]


async def test_an_id_token_is_named_as_such(make_settings):
    idp = FakeIdp("aws_cognito")
    settings = make_settings(
        identity_source="bearer_token", idp="aws_cognito", oidc_issuer=idp.issuer
    )

    report = await doctor(settings, idp, idp.token(token_use="id"))

    assert "found token_use='id'" in failed(report)["token type"]
    assert "not an ID token" in failed(report)["token type"]
    assert "refused (wrong_token_type)" in failed(report)["verdict"]


async def test_keys_of_no_allowed_algorithm_are_described(make_settings, idp):
    settings = make_settings(identity_source="bearer_token", oidc_algorithms="ES256")

    report = await doctor(settings, idp)

    assert "OIDC_ALGORITHMS=ES256; it publishes RSA/RS256/sig" in failed(report)["keys"]


async def test_an_expired_token_and_a_foreign_kid_are_each_explained(make_settings, idp):
    settings = make_settings(identity_source="bearer_token")
    claims = idp.claims()
    claims |= {"iat": claims["iat"] - 7200, "exp": claims["iat"] - 3600}

    report = await doctor(settings, idp, idp.token(claims, kid="elsewhere"), now=claims["nbf"])

    assert "expired 3600 s ago" in failed(report)["exp"]
    assert "'elsewhere' is not among the usable keys" in failed(report)["kid"]


async def test_a_key_server_that_stops_answering_after_the_first_fetch_is_noted_not_fatal(
    make_settings,
):
    """Rate-limited IdPs answer 429 to a second fetch; the doctor still reports."""
    idp = FakeIdp("okta")
    settings = make_settings(identity_source="bearer_token", idp="okta", oidc_issuer=idp.issuer)
    key_fetches = 0

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal key_fetches
        if request.url.path == idp.jwks_path:
            key_fetches += 1
            if key_fetches > 1:
                return httpx.Response(429)
        return idp.handle(request)

    report = Report()
    await diagnose(settings, None, report, transport=httpx.MockTransport(handle), clock=time.time)

    assert key_fetches == 2
    assert failed(report) == {}
    assert any("could not list the keys" in f.text for f in report.findings if f.topic == "keys")


async def test_settings_without_bearer_tokens_have_nothing_to_check_at_the_idp(make_settings, idp):
    report = await doctor(make_settings(identity_source="edge_headers"), idp)

    assert report.healthy
    assert [f.topic for f in report.findings] == ["settings", "role map", "tokens"]


@pytest.fixture
def loopback_idp():
    """A generic OIDC provider on loopback: discovery and keys, as the command meets them."""
    idp = FakeIdp("generic_oidc")
    server = JwksServer(idp)
    server.start()
    idp.issuer = server.base_url
    yield idp
    server.stop()


def run_doctor(idp: FakeIdp, token: str, **settings: str) -> subprocess.CompletedProcess:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(PROJECT_ROOT / "src"),
        "IDENTITY_SOURCE": "bearer_token",
        "IDP": "generic_oidc",
        "OIDC_ISSUER": idp.issuer,
        "OIDC_AUDIENCE": idp.audience,
        **settings,
    }
    return subprocess.run(
        [sys.executable, "-m", "{{ cookiecutter.package_name }}.doctor"],
        cwd=PROJECT_ROOT,
        env=environment,
        input=token,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_command_exits_0_for_a_good_token_and_never_prints_it(loopback_idp):
    token = loopback_idp.token()

    result = run_doctor(loopback_idp, token)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "all checks hold" in result.stdout
    assert token not in result.stdout + result.stderr
    assert token.rsplit(".", 1)[1] not in result.stdout + result.stderr


def test_the_command_exits_1_naming_the_audience_it_expected(loopback_idp):
    token = loopback_idp.token(aud="another-api")

    result = run_doctor(loopback_idp, f"Bearer {token}\n")

    assert result.returncode == 1
    assert "expected one of ['orders-api'] (OIDC_AUDIENCE); found 'another-api'" in result.stdout
    assert token.rsplit(".", 1)[1] not in result.stdout + result.stderr
