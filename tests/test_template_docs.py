"""The template repository's own docs stay true: named paths exist, recipes name every file.

Paths in these docs are written as they are in this repository; a path inside the
project template may leave out `{{cookiecutter.project_slug}}/` and the condition in a
file's name, and `<placeholder>` stands for any one name.
"""

import fnmatch
import re
from pathlib import Path

import pytest
from helpers import TEMPLATE
from test_file_ownership import names_the_value, plain_name
from test_generation import CHOICES

README = TEMPLATE / "README.md"
DOCS = sorted((TEMPLATE / "docs").rglob("*.md"))
RECIPES = {
    "idp": TEMPLATE / "docs" / "recipes" / "adding-an-idp-preset.md",
    "edge_appliance": TEMPLATE / "docs" / "recipes" / "adding-an-appliance.md",
}
PROJECT_PREFIX = "{{cookiecutter.project_slug}}/"
LEFT_OUT = {".git", ".venv", "generated", "__pycache__", ".pytest_cache", ".ruff_cache"}
CODE_SPAN = re.compile(r"`([^`\n]+)`")
SEGMENT = r"(?:[\w.<>{}-]+|\{% if [^%]+ %\}[\w.-]+\{% endif %\})"
PATH = re.compile(rf"{SEGMENT}(?:/{SEGMENT})*/?")
FILE_SUFFIXES = (".py", ".md", ".json", ".toml", ".tf", ".conf", ".yml", ".yaml", ".env")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


def repository_paths() -> dict[str, set[str]]:
    """Every file and folder of the repository, by path, with the spellings docs may use."""
    paths = {}
    for path in TEMPLATE.rglob("*"):
        relative = path.relative_to(TEMPLATE)
        if LEFT_OUT.isdisjoint(relative.parts):
            raw = relative.as_posix()
            forms = {raw, "/".join(map(plain_name, relative.parts))}
            paths[raw] = forms | {form.removeprefix(PROJECT_PREFIX) for form in forms}
    return paths


PATHS = repository_paths()


def named_paths(doc: Path) -> list[str]:
    """Code spans that are paths: with a slash, or a file name with a known suffix."""
    spans = CODE_SPAN.findall(doc.read_text(encoding="utf-8"))
    return [
        span
        for span in spans
        if PATH.fullmatch(span) and ("/" in span or span.endswith(FILE_SUFFIXES))
    ]


def resolve(named: str) -> set[str]:
    """The repository paths a doc's path may mean; a bare file name means the root's first."""
    pattern = re.sub(r"<[^>]+>", "*", named).rstrip("/")
    matches = {
        path
        for path, forms in PATHS.items()
        if any(fnmatch.fnmatchcase(form, pattern) for form in forms)
    }
    if "/" in pattern:
        return matches
    root_level = {path for path in matches if "/" not in path}
    return root_level or {
        path
        for path, forms in PATHS.items()
        if any(fnmatch.fnmatchcase(form.rpartition("/")[2], pattern) for form in forms)
    }


def text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, IsADirectoryError):
        return ""


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.relative_to(TEMPLATE).as_posix())
def test_every_path_a_template_doc_names_exists(doc):
    named = named_paths(doc)

    assert named, "no path named: is the pattern still finding them?"
    assert [path for path in named if not resolve(path)] == []


@pytest.mark.parametrize("variable", sorted(RECIPES))
def test_the_recipe_names_every_file_that_lists_every_value_of_its_prompt(variable):
    """A file naming every IdP (or appliance) is one a new one has to be added to."""
    listing = sorted(
        path
        for path in PATHS
        if not path.startswith("docs/")
        and all(names_the_value(text(TEMPLATE / path), value) for value in CHOICES[variable])
    )
    named = set().union(*map(resolve, named_paths(RECIPES[variable])))

    assert len(listing) >= 5, listing
    assert [path for path in listing if path not in named] == []


def test_the_readme_links_every_template_doc():
    linked = {
        (TEMPLATE / target).resolve()
        for target in MARKDOWN_LINK.findall(README.read_text(encoding="utf-8"))
    }

    assert [doc.relative_to(TEMPLATE).as_posix() for doc in DOCS if doc not in linked] == []


@pytest.mark.parametrize(
    "doc", [README, *DOCS], ids=lambda doc: doc.relative_to(TEMPLATE).as_posix()
)
def test_every_relative_link_in_a_template_doc_resolves(doc):
    targets = MARKDOWN_LINK.findall(doc.read_text(encoding="utf-8"))
    local = [target.split("#")[0] for target in targets if "://" not in target]

    assert [target for target in local if not (doc.parent / target).exists()] == []
