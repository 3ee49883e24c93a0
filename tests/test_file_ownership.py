"""Which files ship for which answers is said once: in a file's own name, or in the manifest.

A file that belongs to some answers carries the condition in its name
(`{% if cookiecutter.ci == 'gitlab' %}.gitlab-ci.yml{% endif %}`); a folder that belongs to one
answer is listed under it in `_folders_by_answer` (cookiecutter.json), which the
post-generation hook reads. These specifications derive every expectation from those two
statements, and check that nothing named after an answer escapes both.
"""

import itertools
import re
from pathlib import Path

import pytest
from cookiecutter.environment import StrictEnvironment
from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config
from helpers import TEMPLATE, file_paths
from test_generation import CHOICES, CONTEXT, EACH_CHOICE_AT_LEAST_ONCE, combination_id

FOLDERS_BY_ANSWER = CONTEXT["_folders_by_answer"]
PROJECT_TEMPLATE = TEMPLATE / "{{cookiecutter.project_slug}}"
CONDITIONAL_NAME = re.compile(r"\{% if (?P<condition>[^%{}]+) %\}(?P<name>[^%{}]+)\{% endif %\}")
JINJA = StrictEnvironment(context={"cookiecutter": {}})


def template_paths() -> list[Path]:
    """Every file and folder of the project template, relative to it."""
    return sorted(path.relative_to(PROJECT_TEMPLATE) for path in PROJECT_TEMPLATE.rglob("*"))


def conditional_files() -> list[tuple[Path, re.Match]]:
    return [
        (path, match)
        for path in template_paths()
        if (match := CONDITIONAL_NAME.fullmatch(path.name))
    ]


def inside(path: Path, folders) -> bool:
    """`path` is one of `folders` or lies within one."""
    return any(folder in folders for folder in (path.as_posix(), *map(str, path.parents)))


def unchosen_folders(answers: dict) -> set[str]:
    """What the hook must remove: folders listed for a value other than the one chosen."""
    unchosen = set()
    for variable, folders_by_value in FOLDERS_BY_ANSWER.items():
        kept = folders_by_value.get(answers[variable], [])
        for folders in folders_by_value.values():
            unchosen |= {folder for folder in folders if folder not in kept}
    return unchosen


def answers_as_baked(answers: dict) -> dict:
    """The context `bake` generates with: answers as extra context, so the names derived
    from them (project_slug, package_name from project_name) follow, as in the bake."""
    context = generate_context(
        context_file=str(TEMPLATE / "cookiecutter.json"), extra_context=answers
    )
    return prompt_for_config(context, no_input=True)


def expected_files(answers: dict) -> set[str]:
    """The project's files as the names and the manifest declare them for these answers."""
    context = answers_as_baked(answers)
    unchosen = unchosen_folders(context)
    expected = set()
    for path in template_paths():
        if not (PROJECT_TEMPLATE / path).is_file() or inside(path, unchosen):
            continue
        rendered = JINJA.from_string(path.as_posix()).render(cookiecutter=context)
        if all(rendered.split("/")):  # a name that renders empty is not generated
            expected.add(rendered)
    return expected


def plain_name(name: str) -> str:
    """A file name without the condition it carries."""
    match = CONDITIONAL_NAME.fullmatch(name)
    return match["name"] if match else name


def names_the_value(name: str, value: str) -> bool:
    spellings = {value, value.replace("_", "-")}
    return any(
        re.search(rf"(?<![a-z0-9_]){re.escape(spelling)}(?![a-z0-9_])", name, re.IGNORECASE)
        for spelling in spellings
    )


def belongs_to(path: Path, variable: str, value: str) -> bool:
    """Listed under the value in the manifest, or named with a condition on the variable."""
    listed = FOLDERS_BY_ANSWER.get(variable, {}).get(value, [])
    conditional = CONDITIONAL_NAME.fullmatch(path.name)
    return inside(path, listed) or bool(
        conditional and f"cookiecutter.{variable}" in conditional["condition"]
    )


def test_the_manifest_names_prompts_and_their_values():
    unknown = [
        f"{variable}:{value}"
        for variable, folders_by_value in FOLDERS_BY_ANSWER.items()
        for value in folders_by_value
        if value not in CHOICES.get(variable, [])
    ]

    assert unknown == []


def test_the_manifest_lists_only_folders_of_the_project_template():
    """A single file carries its condition in its own name; the manifest is for folders."""
    listed = [
        folder
        for folders_by_value in FOLDERS_BY_ANSWER.values()
        for folders in folders_by_value.values()
        for folder in folders
    ]

    assert listed
    assert [folder for folder in listed if not (PROJECT_TEMPLATE / folder).is_dir()] == []


def test_a_conditional_name_is_one_if_around_a_plain_file_name():
    """Folders cannot carry a condition: a folder name that renders empty spills its files."""
    malformed = [
        path.as_posix()
        for path in template_paths()
        if "{%" in path.name
        and not (CONDITIONAL_NAME.fullmatch(path.name) and (PROJECT_TEMPLATE / path).is_file())
    ]

    assert conditional_files()
    assert malformed == []


def test_a_path_named_after_an_answer_belongs_to_that_answer():
    """Fails when a folder of one answer is dropped from the manifest but left in the template."""
    unclaimed = [
        f"{path.as_posix()} is named after {variable}:{value}"
        for path in template_paths()
        for variable, values in CHOICES.items()
        for value in values
        if names_the_value(plain_name(path.name), value) and not belongs_to(path, variable, value)
    ]

    assert unclaimed == []


def test_files_sharing_a_name_are_never_generated_together():
    """The conditions on one name (LICENSE, ...) exclude each other for every set of answers."""
    by_target: dict[Path, list] = {}
    for path, match in conditional_files():
        by_target.setdefault(path.parent / match["name"], []).append(JINJA.from_string(path.name))
    shared = {target: names for target, names in by_target.items() if len(names) > 1}
    clashes = []
    for values in itertools.product(*CHOICES.values()):
        answers = dict(zip(CHOICES, values, strict=True))
        for target, names in shared.items():
            if len([name for name in names if name.render(cookiecutter=answers)]) > 1:
                clashes.append(f"{target} for {combination_id(answers)}")

    assert shared, "no name is shared: is the LICENSE choice still made by file names?"
    assert clashes == []


@pytest.mark.parametrize(
    "answers", EACH_CHOICE_AT_LEAST_ONCE, ids=map(combination_id, EACH_CHOICE_AT_LEAST_ONCE)
)
def test_generated_files_are_exactly_those_the_names_and_the_manifest_declare(baked, answers):
    generated = file_paths(baked(**answers))
    expected = expected_files(answers)

    assert sorted(expected - generated) == [], "declared but not generated"
    assert sorted(generated - expected) == [], "generated but declared for other answers"
