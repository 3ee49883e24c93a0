"""Bad settings stop start-up with the setting's name; security settings default closed."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from pydantic import ValidationError

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.settings import Settings, SettingsError, load_settings

from ..support.project import PROJECT_ROOT


def test_no_edge_network_is_trusted_by_default():
    assert Settings.model_fields["trusted_edge_networks"].default == ()


def test_the_default_environment_is_production():
    assert Settings.model_fields["environment"].default == "prod"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TRUSTED_EDGE_NETWORKS", "10.0.0.300/24", "TRUSTED_EDGE_NETWORKS"),
        ("TRUSTED_EDGE_NETWORKS", "10.0.0.1/8", "TRUSTED_EDGE_NETWORKS"),
        ("TRUSTED_EDGE_NETWORKS", "0.0.0.0/0", "trusts every address"),
        ("OIDC_ALGORITHMS", "RS256,HS256", "OIDC_ALGORITHMS"),
        ("OIDC_ISSUER", "http://idp.example.com/", "OIDC_ISSUER must be an https:// URL"),
        ("OIDC_LEEWAY_SECONDS", "3600", "OIDC_LEEWAY_SECONDS"),
        ("IDENTITY_SOURCE", "anonymous", "IDENTITY_SOURCE"),
        ("EDGE_USER_HEADER", "X User", "EDGE_USER_HEADER"),
    ],
)
def test_bad_setting_is_named(monkeypatch, name, value, message):
    monkeypatch.setenv("IDENTITY_SOURCE", "both")
    monkeypatch.setenv("OIDC_ISSUER", "https://idp.example.com/oauth2/default")
    monkeypatch.setenv("OIDC_AUDIENCE", "orders-api")
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError, match=message):
        load_settings()


@pytest.mark.parametrize("source", ["both", "bearer_token"])
def test_token_verification_needs_issuer_and_audience(monkeypatch, source):
    monkeypatch.setenv("IDENTITY_SOURCE", source)

    with pytest.raises(SettingsError, match="OIDC_ISSUER is required"):
        load_settings()


def test_edge_headers_only_needs_no_idp_settings(monkeypatch):
    monkeypatch.setenv("IDENTITY_SOURCE", "edge_headers")

    assert load_settings().accepts_bearer_tokens is False


def test_lists_are_comma_separated(monkeypatch):
    monkeypatch.setenv("IDENTITY_SOURCE", "edge_headers")
    monkeypatch.setenv("TRUSTED_EDGE_NETWORKS", "10.1.0.0/16, 192.0.2.10/32")

    networks = load_settings().trusted_edge_networks
    assert [str(network) for network in networks] == ["10.1.0.0/16", "192.0.2.10/32"]


def test_okta_org_authorization_server_is_refused(make_settings):
    settings = make_settings(
        identity_source="bearer_token", idp="okta", oidc_issuer="https://example.okta.com"
    )

    with pytest.raises(SettingsError, match="custom authorization server"):
        create_app(settings)


def test_entra_v1_issuer_is_refused(make_settings):
    settings = make_settings(
        identity_source="bearer_token",
        idp="entra_id",
        oidc_issuer="https://sts.windows.net/tenant/",
    )

    with pytest.raises(SettingsError, match=r"v2\.0 issuer"):
        create_app(settings)


def test_keycloak_needs_the_allowed_client_ids(make_settings):
    settings = make_settings(identity_source="bearer_token", idp="keycloak", oidc_client_ids="")

    with pytest.raises(SettingsError, match="OIDC_CLIENT_IDS is required for IDP='keycloak'"):
        create_app(settings)


@pytest.mark.parametrize("rule", ["token use=access", "=access", "a=b=c"])
def test_a_malformed_access_token_claim_rule_is_named(monkeypatch, rule):
    monkeypatch.setenv("IDENTITY_SOURCE", "edge_headers")
    monkeypatch.setenv("OIDC_REQUIRED_CLAIM", rule)

    with pytest.raises(SettingsError, match="OIDC_REQUIRED_CLAIM"):
        load_settings()


@pytest.mark.parametrize(
    "url", ["http://keycloak:8080/realms/orders", "http://10.0.0.5/realms/orders"]
)
def test_plain_http_issuer_off_loopback_is_refused_naming_the_rule(monkeypatch, url):
    monkeypatch.setenv("IDENTITY_SOURCE", "bearer_token")
    monkeypatch.setenv("OIDC_ISSUER", url)
    monkeypatch.setenv("OIDC_AUDIENCE", "orders-api")

    with pytest.raises(SettingsError, match=r"plain http only on loopback.*" + re.escape(url)):
        load_settings()


def test_user_and_groups_headers_must_differ(make_settings):
    settings = make_settings(edge_user_header="X-Identity", edge_groups_header="x-identity")

    with pytest.raises(SettingsError, match="must differ"):
        create_app(settings)


def test_settings_are_immutable(make_settings):
    with pytest.raises(ValidationError):
        make_settings().identity_source = "edge_headers"


def test_server_refuses_to_start_with_a_bad_setting_and_names_it():
    env = {key: value for key, value in os.environ.items() if key.upper() not in _setting_names()}
    env |= {"IDENTITY_SOURCE": "edge_headers", "TRUSTED_EDGE_NETWORKS": "not-a-network"}
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT / "src"), env.get("PYTHONPATH", "")])

    result = subprocess.run(
        [sys.executable, "-c", "import {{ cookiecutter.package_name }}.main"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert "TRUSTED_EDGE_NETWORKS" in result.stderr
    assert "'not-a-network' is not a network in CIDR form" in result.stderr
    assert "Traceback" not in result.stderr


def _setting_names() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(_setting_names()))
def test_every_setting_is_documented_in_the_readme_and_env_example(name):
    assert f"| `{name}` |" in README
    assert re.search(rf"^(# )?{name}=", ENV_EXAMPLE, re.MULTILINE)
