"""The pre-generation hook refuses unsafe answers, and treats every answer as data."""

import tomllib

import pytest
from cookiecutter.exceptions import FailedHookException
from helpers import answers_as_typed, bake, bake_from_replay, parsed_files, string_values

JINJA_REFUSAL = "answers are data; Jinja syntax is not allowed"


def literally(text: str) -> str:
    """Wrap text so cookiecutter's rendering of extra_context hands it over unchanged."""
    return "{% raw %}" + text + "{% endraw %}"


REFUSED_ANSWERS = [
    ({"project_name": "", "project_slug": "orders-api"}, "project_name", "must not be empty"),
    ({"project_name": "O" * 81}, "project_name", "at most 80 characters"),
    ({"project_name": "Orders\nAPI"}, "project_name", "control characters"),
    ({"project_slug": "Orders_API"}, "project_slug", "lowercase letters and digits"),
    ({"project_slug": "orders--api"}, "project_slug", "lowercase letters and digits"),
    ({"project_slug": "orders-api-"}, "project_slug", "lowercase letters and digits"),
    ({"project_slug": "2-orders"}, "project_slug", "lowercase letters and digits"),
    ({"project_slug": "../outside"}, "project_slug", "lowercase letters and digits"),
    ({"project_slug": "o" * 64}, "project_slug", "at most 63 characters"),
    ({"package_name": "class"}, "package_name", "must not be a Python keyword"),
    ({"package_name": "match"}, "package_name", "must not be a Python keyword"),
    ({"package_name": "json"}, "package_name", "standard-library module"),
    ({"package_name": "asyncio"}, "package_name", "standard-library module"),
    ({"package_name": "orders-api"}, "package_name", "lowercase Python identifier"),
    ({"package_name": "Orders"}, "package_name", "lowercase Python identifier"),
    ({"package_name": "_orders"}, "package_name", "lowercase Python identifier"),
    ({"description": "D" * 201}, "description", "at most 200 characters"),
    ({"description": "tab\there"}, "description", "control characters"),
    ({"author_name": "Platform\rTeam"}, "author_name", "control characters"),
    ({"author_email": "platform.example.com"}, "author_email", "e-mail address"),
    ({"author_email": "platform@example"}, "author_email", "e-mail address"),
    ({"author_email": "plat form@example.com"}, "author_email", "e-mail address"),
    ({"author_email": "a@b@example.com"}, "author_email", "e-mail address"),
    ({"access_reviewers": ""}, "access_reviewers", "CODEOWNERS owners"),
    ({"access_reviewers": "security-team"}, "access_reviewers", "CODEOWNERS owners"),
    ({"access_reviewers": "@org/security *"}, "access_reviewers", "CODEOWNERS owners"),
    ({"access_reviewers": "@org/sec\n* @me"}, "access_reviewers", "control characters"),
    ({"project_name": literally("{{ project }}")}, "project_name", JINJA_REFUSAL),
    ({"description": literally("{% if true %}x{% endif %}")}, "description", JINJA_REFUSAL),
    ({"author_name": literally("Team {{ name }}")}, "author_name", JINJA_REFUSAL),
    ({"author_email": literally("{# x #}@example.com")}, "author_email", JINJA_REFUSAL),
    (
        {"device_posture": "required", "identity_source": "bearer_token"},
        "device_posture",
        "ships no signed-in door",
    ),
]


def answer_id(answers: dict) -> str:
    return ",".join(f"{name}:{value!r}"[:40] for name, value in answers.items())


@pytest.mark.parametrize(
    ("answers", "variable", "rule"),
    REFUSED_ANSWERS,
    ids=[answer_id(answers) for answers, _, _ in REFUSED_ANSWERS],
)
def test_refused_answer_stops_generation_with_one_line_naming_variable_and_rule(
    tmp_path, capfd, answers, variable, rule
):
    output_dir = tmp_path / "out"

    with pytest.raises(FailedHookException):
        bake(output_dir, **answers)

    lines = capfd.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{variable} "), lines[0]
    assert rule in lines[0], lines[0]
    assert list(output_dir.iterdir()) == [], "a refused project leaves no folder behind"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]


def test_the_default_answers_are_accepted(baked):
    assert (baked() / "pyproject.toml").is_file()


AWKWARD_TEXT = {
    "project_name": 'O\'Brien "Edge" API \\',
    "description": "Says \"hi\" & 'bye': <b>bold</b> # not a comment, C:\\new\\u0041 \\",
    "author_name": 'Zoë "The Hammer" O\'Neil\\',
}


@pytest.fixture(scope="module")
def awkward_project(baked):
    return baked(**AWKWARD_TEXT, project_slug="obrien-edge-api")


def test_quotes_and_backslashes_leave_every_config_and_module_parseable(awkward_project):
    parsed = parsed_files(awkward_project)

    assert any(path.suffix == ".py" for path in parsed)
    assert any(path.name == "pyproject.toml" for path in parsed)


@pytest.mark.parametrize("variable", sorted(AWKWARD_TEXT))
def test_quotes_and_backslashes_round_trip_unchanged(awkward_project, variable):
    every_string = set().union(*map(string_values, parsed_files(awkward_project).values()))

    assert AWKWARD_TEXT[variable] in every_string


def test_pyproject_carries_the_awkward_answers_verbatim(awkward_project):
    project = tomllib.loads((awkward_project / "pyproject.toml").read_text(encoding="utf-8"))

    assert project["project"]["description"] == AWKWARD_TEXT["description"]
    assert project["project"]["authors"][0]["name"] == AWKWARD_TEXT["author_name"]


def payload_creating(marker) -> str:
    """Jinja that creates `marker` if anything ever renders it."""
    return "{{ cycler.__init__.__globals__.os.mkdir(" + repr(str(marker)) + ") }}"


def test_cookiecutter_itself_renders_extra_context_as_jinja_before_any_hook(tmp_path):
    """Documents upstream behaviour: `key=value` and extra_context are templates, not data.

    Whoever passes them already runs code as themselves, so there is nothing for the hook to
    defend there; it is also why the refusal tests above wrap their Jinja in a raw block.
    """
    marker = tmp_path / "rendered-by-cookiecutter"

    project = bake(
        tmp_path / "out", description="{{ 6 * 7 }}", author_name=payload_creating(marker)
    )

    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == "42"
    assert marker.is_dir()


def test_typed_jinja_reaches_the_hook_as_data_and_is_never_executed(tmp_path, capfd):
    marker = tmp_path / "executed"
    payload = payload_creating(marker)
    output_dir = tmp_path / "out"

    with pytest.raises(FailedHookException):
        bake_from_replay(output_dir, answers_as_typed(author_name=payload))

    assert capfd.readouterr().err.strip() == f"author_name {payload!r}: {JINJA_REFUSAL}"
    assert not marker.exists()
    assert list(output_dir.iterdir()) == []
