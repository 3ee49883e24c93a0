"""Every supported combination generates a clean project, and the same answers the same bytes."""

import itertools
import json
import re
import subprocess
import sys

import pytest
from helpers import (
    TEMPLATE,
    assert_generated_tests_pass,
    assert_mypy_clean,
    assert_no_jinja,
    assert_python_compiles,
    assert_ruff_clean,
    bake,
    bare_git,
    run_generated_tests,
    tree_fingerprint,
)

CONTEXT = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
CHOICES = {
    name: values
    for name, values in CONTEXT.items()
    if isinstance(values, list) and not name.startswith("_")
}


TEST_FILE = re.compile(r"\btests/[\w/]+\.py\b")
OWNER_MARKERS = ("app", "edge", "evidence")


def combination_id(answers: dict) -> str:
    return "-".join(f"{name}:{value}" for name, value in answers.items())


MATRIX_PROMPTS = ("edge_appliance", "idp", "identity_source")
COMBINATIONS = [
    dict(zip(MATRIX_PROMPTS, values, strict=True))
    for values in itertools.product(*(CHOICES[name] for name in MATRIX_PROMPTS))
]

# Every value of every choice at least once, and every edge_appliance x identity_source pair.
EACH_CHOICE_AT_LEAST_ONCE = [
    {
        "edge_appliance": edge,
        "idp": idp,
        "identity_source": source,
        "device_posture": posture,
        "ci": ci,
        "python_version": python,
        "license": license_,
    }
    for edge, idp, source, posture, ci, python, license_ in [
        ("fortigate", "okta", "both", "off", "github", "3.12", "MIT"),
        ("citrix_adc", "entra_id", "both", "required", "gitlab", "3.13", "Apache-2.0"),
        ("fortigate", "keycloak", "edge_headers", "required", "none", "3.11", "Proprietary"),
        ("citrix_adc", "aws_cognito", "edge_headers", "off", "github", "3.11", "MIT"),
        ("fortigate", "auth0", "bearer_token", "off", "gitlab", "3.12", "Proprietary"),
        ("citrix_adc", "ping", "bearer_token", "off", "none", "3.13", "MIT"),
        ("fortigate", "generic_oidc", "both", "off", "github", "3.13", "Apache-2.0"),
    ]
]
# One set under another project name, so nothing in a generated suite leans on the default
# package name (orders_api) or slug.
EACH_CHOICE_AT_LEAST_ONCE[5] |= {"project_name": "Billing Gateway"}


# Device posture on, for both appliances, each identity source with a signed-in door, and
# both kinds of sign-in the appliances are given (SAML; OIDC for Cognito on Citrix ADC).
WITH_POSTURE = [
    answers | {"device_posture": "required"}
    for answers in COMBINATIONS
    if answers["identity_source"] != "bearer_token" and answers["idp"] in ("okta", "aws_cognito")
]


def test_the_matrix_covers_every_edge_idp_and_identity_source():
    assert len(COMBINATIONS) == 42
    assert len(WITH_POSTURE) == 8


def test_the_each_choice_sets_cover_every_value_of_every_choice():
    for name, values in CHOICES.items():
        assert {answers[name] for answers in EACH_CHOICE_AT_LEAST_ONCE} == set(values), name


def test_same_answers_generate_byte_identical_trees(tmp_path):
    first = bake(tmp_path / "first", idp="keycloak", ci="gitlab")
    second = bake(tmp_path / "second", idp="keycloak", ci="gitlab")

    assert tree_fingerprint(first) == tree_fingerprint(second)


@pytest.mark.parametrize("answers", COMBINATIONS, ids=map(combination_id, COMBINATIONS))
def test_combination_renders_without_leftover_jinja(baked, answers):
    assert_no_jinja(baked(**answers))


@pytest.mark.parametrize("answers", COMBINATIONS, ids=map(combination_id, COMBINATIONS))
def test_combination_byte_compiles(baked, answers):
    assert_python_compiles(baked(**answers))


def test_every_combination_passes_its_own_ruff_check_and_format(baked):
    assert_ruff_clean(*(baked(**answers) for answers in COMBINATIONS + EACH_CHOICE_AT_LEAST_ONCE))


def test_every_combination_passes_mypy_in_strict_mode(baked, tmp_path):
    trees = [baked(**answers) for answers in COMBINATIONS + EACH_CHOICE_AT_LEAST_ONCE]

    assert_mypy_clean(*trees, workspace=tmp_path)


@pytest.mark.parametrize(
    "answers", EACH_CHOICE_AT_LEAST_ONCE, ids=map(combination_id, EACH_CHOICE_AT_LEAST_ONCE)
)
def test_generated_test_suite_passes(baked, answers):
    """The whole suite but the OpenAPI fuzz test, which tests/test_openapi_fuzz.py runs
    once per identity source, as every caller that source accepts."""
    assert_generated_tests_pass(
        baked(**answers), "--deselect", "tests/evidence/test_openapi_fuzz.py"
    )


def collected(tree, *arguments: str) -> set[str]:
    result = run_generated_tests(tree, "--collect-only", *arguments)
    return {line for line in result.stdout.splitlines() if "::" in line}


def test_each_generated_test_carries_the_marker_of_the_folder_that_says_whose_it_is(baked):
    project = baked()
    everything = collected(project)
    by_marker = {marker: collected(project, "-m", marker) for marker in OWNER_MARKERS}
    elsewhere = {
        marker: sorted(test for test in tests if not test.startswith(f"tests/{marker}/"))
        for marker, tests in by_marker.items()
    }

    assert all(by_marker.values()), {marker: len(tests) for marker, tests in by_marker.items()}
    assert elsewhere == {marker: [] for marker in OWNER_MARKERS}
    assert sorted(everything - set().union(*by_marker.values())) == []


@pytest.mark.parametrize(
    "answers", EACH_CHOICE_AT_LEAST_ONCE, ids=map(combination_id, EACH_CHOICE_AT_LEAST_ONCE)
)
def test_every_test_file_the_generated_project_names_exists(baked, answers):
    """Docs, comments, CI files and the Makefile name test files: a moved test takes them along."""
    project = baked(**answers)
    dangling = [
        f"{path.relative_to(project)}: {named}"
        for path in sorted(project.rglob("*"))
        if path.is_file()
        for named in TEST_FILE.findall(path.read_text(encoding="utf-8", errors="replace"))
        if not (project / named).is_file()
    ]

    assert dangling == []


@pytest.mark.parametrize(
    "answers", COMBINATIONS + WITH_POSTURE, ids=map(combination_id, COMBINATIONS + WITH_POSTURE)
)
def test_combination_ships_its_appliance_config_and_passes_the_contract_tests(baked, answers):
    project = baked(**answers)
    chosen = CONTEXT["_appliances"][answers["edge_appliance"]]["dir"]  # the folder docs name

    assert [path.name for path in (project / "edge").iterdir() if path.is_dir()] == [chosen]
    assert_generated_tests_pass(project, "tests/edge/test_edge_contract.py")


@pytest.mark.slow
def test_default_project_installs_into_a_fresh_venv_and_passes_its_own_checks(tmp_path):
    """What a user does first, as the README says: a venv in .venv with the dev extra, lint
    (ruff, mypy), test, then `git init -b main` and a commit through the pre-commit hooks.

    The commit runs as an IDE's git client would: the venv neither active nor on PATH.
    Nothing is downloaded then: PRE_COMMIT_HOME is empty and the hooks are local.
    """
    project = bake(tmp_path / "out")
    venv = project / ".venv"
    python = str(venv / "bin" / "python")

    def run(*command: str, env: dict | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            command,
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}{result.stderr}"
        return result

    run(sys.executable, "-m", "venv", str(venv))
    run(python, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    run("make", f"PYTHON={python}", "lint")
    run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    run("git", "init", "--quiet", "-b", "main")
    run(str(venv / "bin" / "pre-commit"), "install")
    run("git", "add", "--all")
    git, without_venv = bare_git(tmp_path)
    commit = run(*git, "commit", "--quiet", "-m", "first", env=without_venv)

    assert "mypy (strict, src)" in commit.stdout + commit.stderr
