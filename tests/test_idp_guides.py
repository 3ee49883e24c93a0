"""The API-side IdP guide, docs/idp-setup.md: one per IdP, there exactly when tokens are read."""

import itertools
import json
import re
from pathlib import Path

import pytest
from helpers import LEFTOVER_JINJA, TEMPLATE

CONTEXT = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
ANSWERS = [
    {"edge_appliance": "fortigate", "idp": idp, "identity_source": source}
    for idp, source in itertools.product(CONTEXT["idp"], CONTEXT["identity_source"])
]
WITH_TOKENS = [answers for answers in ANSWERS if answers["identity_source"] != "edge_headers"]

# The title names the IdP, so a guide filed under another IdP's condition shows up.
TITLES = {
    "okta": "Okta",
    "entra_id": "Microsoft Entra ID",
    "keycloak": "Keycloak",
    "aws_cognito": "AWS Cognito",
    "auth0": "Auth0",
    "ping": "Ping Identity",
    "generic_oidc": "Any OIDC provider",
}
TOKEN_SETTINGS = (
    "OIDC_ISSUER",
    "OIDC_AUDIENCE",
    "OIDC_CLIENT_IDS",
    "OIDC_ALGORITHMS",
    "OIDC_GROUP_CLAIMS",
    "OIDC_REQUIRED_HEADER_TYP",
)
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


def answers_id(answers: dict) -> str:
    return f"idp:{answers['idp']}-identity_source:{answers['identity_source']}"


def guide_text(project: Path) -> str:
    return (project / "docs" / "idp-setup.md").read_text(encoding="utf-8")


def env_example(project: Path) -> dict[str, str]:
    lines = (project / ".env.example").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def package_name(project: Path) -> str:
    (package,) = (path.name for path in (project / "src").iterdir() if path.is_dir())
    return package


def test_every_idp_has_a_title():
    assert set(TITLES) == set(CONTEXT["idp"])


@pytest.mark.parametrize("answers", ANSWERS, ids=map(answers_id, ANSWERS))
def test_idp_guide_exists_exactly_when_bearer_tokens_are_accepted(baked, answers):
    docs = baked(**answers) / "docs"
    expected = [] if answers["identity_source"] == "edge_headers" else ["idp-setup.md"]

    assert sorted(path.name for path in docs.iterdir() if "idp-setup" in path.name) == expected


@pytest.mark.parametrize("answers", WITH_TOKENS, ids=map(answers_id, WITH_TOKENS))
def test_idp_guide_is_the_chosen_idps_and_names_its_sample_groups(baked, answers):
    text = guide_text(baked(**answers))
    samples = CONTEXT["_samples"][answers["idp"]]
    groups = [samples[role] for role in ("reader", "writer", "admin")]

    assert text.splitlines()[0] == f"# {TITLES[answers['idp']]}: setting up the API side"
    assert [group for group in groups if f"`{group}`" not in text] == []


@pytest.mark.parametrize("answers", WITH_TOKENS, ids=map(answers_id, WITH_TOKENS))
def test_idp_guide_names_the_issuer_and_audience_of_env_example(baked, answers):
    project = baked(**answers)
    settings = env_example(project)
    text = guide_text(project)

    assert f"`{settings['OIDC_ISSUER']}`" in text
    assert f"`{settings['OIDC_AUDIENCE']}`" in text


@pytest.mark.parametrize("answers", WITH_TOKENS, ids=map(answers_id, WITH_TOKENS))
def test_idp_guide_says_to_drop_the_loopback_key_url_of_env_example(baked, answers):
    project = baked(**answers)
    jwks_url = env_example(project)["OIDC_JWKS_URL"]
    text = guide_text(project)

    assert jwks_url.startswith("http://127.0.0.1:")
    assert f"`{jwks_url}`" in text
    assert "Delete it when you put in your tenant's values" in text


@pytest.mark.parametrize("answers", WITH_TOKENS, ids=map(answers_id, WITH_TOKENS))
def test_idp_guide_documents_every_token_setting(baked, answers):
    text = guide_text(baked(**answers))

    assert [name for name in TOKEN_SETTINGS if f"`{name}`" not in text] == []


@pytest.mark.parametrize("answers", WITH_TOKENS, ids=map(answers_id, WITH_TOKENS))
def test_idp_guide_says_how_id_tokens_are_refused_and_where_to_look_when_refused(baked, answers):
    project = baked(**answers)
    text = guide_text(project)

    assert "\n## How ID tokens are refused\n\n<!-- id-token-rule -->\n" in text
    assert f"python -m {package_name(project)}.doctor" in text
    assert "http://127.0.0.1:8000/readyz" in text


@pytest.mark.parametrize("answers", WITH_TOKENS, ids=map(answers_id, WITH_TOKENS))
def test_idp_guide_states_that_plain_http_is_for_loopback_hosts_only(baked, answers):
    text = guide_text(baked(**answers))

    assert "`127.0.0.1`,\n`localhost` or `::1`" in text
    assert "http://keycloak:8080" in text


@pytest.mark.parametrize("answers", WITH_TOKENS, ids=map(answers_id, WITH_TOKENS))
def test_idp_guide_has_no_leftover_jinja(baked, answers):
    lines = guide_text(baked(**answers)).splitlines()

    assert [line for line in lines if LEFTOVER_JINJA.search(line)] == []


@pytest.mark.parametrize("answers", WITH_TOKENS, ids=map(answers_id, WITH_TOKENS))
def test_readme_links_the_idp_guide(baked, answers):
    readme = (baked(**answers) / "README.md").read_text(encoding="utf-8")

    assert "(docs/idp-setup.md)" in readme


@pytest.mark.parametrize("answers", ANSWERS, ids=map(answers_id, ANSWERS))
def test_edge_guide_links_the_idp_guide_when_both_sources_are_on(baked, answers):
    edge_guide = baked(**answers) / "edge" / "idp-setup.md"
    links = edge_guide.is_file() and "(../docs/idp-setup.md)" in edge_guide.read_text("utf-8")

    assert links == (answers["identity_source"] == "both")


@pytest.mark.parametrize("answers", ANSWERS, ids=map(answers_id, ANSWERS))
def test_every_link_to_an_idp_guide_resolves(baked, answers):
    project = baked(**answers)
    broken = [
        f"{path.relative_to(project)} -> {target}"
        for path in project.rglob("*.md")
        for target in MARKDOWN_LINK.findall(path.read_text(encoding="utf-8"))
        if target.endswith("idp-setup.md") and not (path.parent / target).is_file()
    ]

    assert broken == []
