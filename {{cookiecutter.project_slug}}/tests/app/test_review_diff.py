"""Who gains what: ``review diff <ref>`` on a real git repository, as a pull request runs it.

Each test copies this project into a repository of its own (``main`` as generated, a
branch ``change`` checked out), makes one change, commits it, and runs the diff against
``main`` in a process of its own, as `make access-diff` and the pipeline do.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.review.acknowledgements import Acknowledgement
from {{ cookiecutter.package_name }}.review.diff import compare
from {{ cookiecutter.package_name }}.review.role_maps import WrittenRoleMap
from {{ cookiecutter.package_name }}.review.sides import RouteNeeds, Side

from ..support.project import PROJECT_ROOT

PACKAGE = "{{ cookiecutter.package_name }}"
SOURCE = Path("src") / PACKAGE
README = PROJECT_ROOT / "README.md"
# Git without the developer's configuration: no signing, no hooks, a fixed author.
GIT_ENVIRONMENT = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Reviewer",
    "GIT_AUTHOR_EMAIL": "reviewer@example.com",
    "GIT_COMMITTER_NAME": "Reviewer",
    "GIT_COMMITTER_EMAIL": "reviewer@example.com",
}
# The served app as `make access-diff` builds it: settings from the environment.
REVIEW_ENVIRONMENT = {"IDENTITY_SOURCE": "edge_headers"}


def git(repository: Path, *arguments: str) -> str:
    result = subprocess.run(  # noqa: S603 (git, with the test's own arguments)
        ["git", *arguments],  # noqa: S607
        cwd=repository,
        env={"PATH": os.environ.get("PATH", ""), **GIT_ENVIRONMENT},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def commit(repository: Path, message: str) -> None:
    git(repository, "add", "--all")
    git(repository, "commit", "--quiet", "--message", message)


def copy_of_the_project(folder: Path) -> Path:
    """What the diff reads: the code and the configuration."""
    for part in ("src", "config"):
        shutil.copytree(
            PROJECT_ROOT / part, folder / part, ignore=shutil.ignore_patterns("__pycache__")
        )
    return folder


@pytest.fixture
def repository(tmp_path) -> Path:
    """This project committed on ``main``, with the branch ``change`` checked out."""
    project = copy_of_the_project(tmp_path / "project")
    git(project, "init", "--quiet", "--initial-branch", "main")
    commit(project, "the project as generated")
    git(project, "switch", "--quiet", "--create", "change")
    return project


def review_diff(
    repository: Path, *arguments: str, python_path: Path | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(python_path or repository / "src"),
        "PYTHONDONTWRITEBYTECODE": "1",
        **GIT_ENVIRONMENT,
        **REVIEW_ENVIRONMENT,
    }
    return subprocess.run(  # noqa: S603 (this project's own command)
        [sys.executable, "-m", f"{PACKAGE}.review", "diff", *arguments],
        cwd=repository,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def diff_as_data(repository: Path) -> tuple[int, dict]:
    result = review_diff(repository, "main", "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def escalations(diff: dict) -> list[str]:
    return [escalation["what"] for escalation in diff["escalations"]]


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(text)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def group_holding(role: str) -> str:
    """The shipped sample group mapped to ``role`` (its name depends on the IdP)."""
    groups = tomllib.loads((PROJECT_ROOT / "config/roles.toml").read_text())["groups"]
    return next(group for group, roles in groups.items() if roles == [role])


def readme_example() -> tuple[str, str, str]:
    """The README's example: the role map line, what the diff prints, the acknowledgement."""
    text = README.read_text(encoding="utf-8").split("\n## Reviewing access changes\n", 1)[1]
    blocks = re.findall(r"^(`{3,})(\w*)\n(.*?)^\1$", text, re.MULTILINE | re.DOTALL)
    by_language: dict[str, list[str]] = {}
    for _, language, body in blocks:
        by_language.setdefault(language, []).append(body)
    grant, acknowledgement = by_language["toml"][:2]
    return grant, by_language["markdown"][0], acknowledgement


def test_a_new_group_granted_orders_write_is_an_escalation_as_the_readme_shows(repository):
    """Commit (a); the README's "Reviewing access changes" shows this very output."""
    grant, printed, _ = readme_example()
    append(repository / "config/roles.toml", grant)
    commit(repository, "grant the partner portal orders:write")

    result = review_diff(repository, "main")

    assert result.returncode == 1, result.stderr
    assert result.stdout == printed


def test_an_unguarded_route_is_an_escalation(repository):
    """Commit (b): a route added straight to the served app, with no access check."""
    main = repository / SOURCE / "main.py"
    main.write_text(
        main.read_text() + '\n\n@app.get("/v1/reports")\nasync def reports() -> list[str]:\n'
        "    return []\n"
    )
    commit(repository, "add reports")

    status, diff = diff_as_data(repository)

    assert status == 1
    assert escalations(diff) == ["route GET /v1/reports has no access check"]
    assert diff["routes"] == [
        {"route": "GET /v1/reports", "change": "added", "before": "-", "after": "NO ACCESS CHECK"}
    ]
    assert diff["groups"] == []


def test_the_working_tree_is_read_from_its_own_src_whatever_else_is_on_the_path(
    repository, tmp_path
):
    """A route added in the working tree is seen even when PYTHONPATH (or an installed
    copy) holds another version of the package, as the ref's side always was."""
    main = repository / SOURCE / "main.py"
    main.write_text(
        main.read_text() + '\n\n@app.get("/v1/reports")\nasync def reports() -> list[str]:\n'
        "    return []\n"
    )
    commit(repository, "add reports")
    elsewhere = copy_of_the_project(tmp_path / "elsewhere")

    result = review_diff(repository, "main", "--format", "json", python_path=elsewhere / "src")

    assert result.returncode == 1, result.stderr
    assert escalations(json.loads(result.stdout)) == ["route GET /v1/reports has no access check"]


def test_an_app_that_prints_at_import_is_named_not_a_traceback(repository):
    main = repository / SOURCE / "main.py"
    main.write_text(main.read_text() + '\nprint("starting")\n')
    commit(repository, "chatty import")

    result = review_diff(repository, "main")

    assert result.returncode == 2
    assert result.stderr.startswith("the working tree: its review tool printed something other")
    assert "than its JSON report: 'starting'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_route_moved_to_public_routes_is_an_escalation(repository):
    """Commit (c): /v1/me moved from ANY_PRINCIPAL_ROUTES to PUBLIC_ROUTES."""
    routes = repository / SOURCE / "review/routes.py"
    edit(routes, '    ("GET", "/redoc"),\n', '    ("GET", "/redoc"),\n    ("GET", "/v1/me"),\n')
    only_me = 'ANY_PRINCIPAL_ROUTES = {\n    ("GET", "/v1/me"),\n}'
    edit(routes, only_me, "ANY_PRINCIPAL_ROUTES: set[tuple[str, str]] = set()")
    commit(repository, "make /v1/me public")

    status, diff = diff_as_data(repository)

    assert status == 1
    assert escalations(diff) == ["route GET /v1/me is public"]
    assert diff["routes"] == [
        {
            "route": "GET /v1/me",
            "change": "made public",
            "before": "any signed-in caller",
            "after": "public",
        }
    ]


def test_a_widened_role_is_an_escalation_for_the_groups_that_hold_it(repository):
    """Commit (d): orders-reader gains orders:write."""
    edit(
        repository / "config/roles.toml",
        'permissions = ["orders:read"]',
        'permissions = ["orders:read", "orders:write"]',
    )
    commit(repository, "readers may write")

    status, diff = diff_as_data(repository)

    readers = group_holding("orders-reader")
    assert status == 1
    assert escalations(diff) == ["config/roles.toml: role 'orders-reader' gains orders:write"]
    assert diff["groups"] == [
        {
            "file": "config/roles.toml",
            "group": readers,
            "roles_gained": [],
            "roles_lost": [],
            "permissions_gained": ["orders:write"],
            "permissions_lost": [],
            "routes_gained": ["POST /v1/orders"],
            "routes_lost": [],
        }
    ]
    assert diff["roles"] == [
        {
            "file": "config/roles.toml",
            "role": "orders-reader",
            "change": "changed",
            "permissions_gained": ["orders:write"],
            "permissions_lost": [],
        }
    ]


def test_a_reordered_role_map_changes_nothing(repository):
    """Commit (e): the same tables and entries, in reverse order."""
    path = repository / "config/roles.toml"
    text = path.read_text(encoding="utf-8")
    head, groups = text.split("[groups]\n")
    tables = head.split("\n\n")
    group_lines = [line for line in groups.splitlines() if line]
    reordered = "\n\n".join([*reversed(tables[1:]), tables[0]]) + "\n\n[groups]\n"
    path.write_text(reordered + "\n".join(reversed(group_lines)) + "\n", encoding="utf-8")
    assert path.read_text(encoding="utf-8") != text
    commit(repository, "reorder the role map")

    result = review_diff(repository, "main")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "# Access changes against main\n\nNo access changes.\n"


def test_an_acknowledged_escalation_passes_and_prints_the_acknowledgement(repository):
    grant, _, acknowledgement = readme_example()
    append(repository / "config/roles.toml", grant)
    append(repository / "config/access-changes.toml", acknowledgement)
    commit(repository, "grant the partner portal orders:write, acknowledged")

    result = review_diff(repository, "main")

    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "- acknowledged: `config/roles.toml: group 'Partner-Portal' gains role 'orders-writer'`"
        in result.stdout
    )
    assert "  - why: The partner portal places orders for its users (ticket: SEC-1234)" in (
        result.stdout
    )


def test_an_acknowledgement_already_on_the_ref_does_not_acknowledge_a_later_change(repository):
    grant, _, acknowledgement = readme_example()
    git(repository, "switch", "--quiet", "main")
    append(repository / "config/access-changes.toml", acknowledgement)
    commit(repository, "an old acknowledgement")
    git(repository, "switch", "--quiet", "--create", "later")
    append(repository / "config/roles.toml", grant)
    commit(repository, "grant the partner portal orders:write again")

    status, diff = diff_as_data(repository)

    assert status == 1
    assert [e["acknowledged"] for e in diff["escalations"]] == [None]


def test_an_acknowledgement_without_a_ticket_is_refused_by_name(repository):
    append(
        repository / "config/access-changes.toml",
        '[[change]]\nwhat = "route GET /v1/me is public"\nwhy = "demo"\nticket = ""\n',
    )

    result = review_diff(repository, "main")

    assert result.returncode == 2
    assert result.stderr == (
        "config/access-changes.toml: [[change]] number 1: ticket must be a non-empty string\n"
    )


def test_a_ref_that_does_not_exist_is_one_line_naming_it(repository):
    result = review_diff(repository, "no-such-branch")

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "no-such-branch: no such commit in this repository\n"


def test_a_ref_missing_from_a_shallow_clone_is_named_with_how_to_fetch_it(repository, tmp_path):
    """As a pipeline's clone: one commit of the branch, and no target branch."""
    append(repository / "config/roles.toml", '"Partner-Portal" = ["orders-writer"]\n')
    commit(repository, "grant the partner portal orders:write")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "--depth=1", "--branch=change", repository.as_uri(), "clone")

    result = review_diff(clone, "main")

    assert result.returncode == 2
    assert result.stderr == (
        "main: no such commit in this repository (this clone is shallow: fetch the ref "
        "first, e.g. git fetch --depth=1 origin main)\n"
    )


def test_a_repository_without_commits_says_there_is_nothing_to_compare_with(tmp_path):
    project = copy_of_the_project(tmp_path / "project")
    git(project, "init", "--quiet", "--initial-branch", "main")

    result = review_diff(project, "main")

    assert result.returncode == 2
    assert result.stderr.startswith("main: this repository has no commits yet")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("older", ["access", None], ids=["older-access-module", "no-review-tool"])
def test_a_ref_from_before_the_review_tool_is_named_with_what_to_do(tmp_path, older):
    project = copy_of_the_project(tmp_path / "project")
    review = project / SOURCE / "review"
    kept = shutil.move(review, tmp_path / "review")
    if older:
        (project / SOURCE / older).mkdir()
        (project / SOURCE / older / "__main__.py").write_text("")
    git(project, "init", "--quiet", "--initial-branch", "main")
    commit(project, "before the review tool")
    if older:
        shutil.rmtree(project / SOURCE / older)
    shutil.move(kept, review)

    result = review_diff(project, "main")

    tool = f"has only the older {PACKAGE}.access" if older else "has no review tool"
    assert result.returncode == 2
    assert result.stderr == (
        f"main: it {tool}, which cannot report what each route requires; "
        f"compare with a ref that has {PACKAGE}.review\n"
    )


def test_a_new_environment_file_is_compared_with_production_and_its_wildcard_flagged(repository):
    (repository / "config/roles.staging.toml").write_text(
        '[roles.tester]\npermissions = ["orders:*"]\n\n[groups]\n"testers" = ["tester"]\n'
    )
    commit(repository, "a staging role map")

    status, diff = diff_as_data(repository)

    assert status == 1
    assert escalations(diff) == [
        "config/roles.staging.toml: group 'testers' gains role 'tester'",
        "config/roles.staging.toml: role 'tester' has wildcard permission 'orders:*'",
    ]
    assert [d for d in diff["environments"] if d["group"] == "testers"] == [
        {
            "file": "config/roles.staging.toml",
            "group": "testers",
            "only_here": ["orders:*"],
            "only_in_production": [],
            "new": True,
        }
    ]


# The rules on their own, on sides built here: no repository, no process.


def side(
    routes: dict[str, RouteNeeds],
    groups: dict[str, set[str]] | None = None,
    production: str = "config/roles.toml",
    acknowledged: tuple[str, ...] = (),
) -> Side:
    roles = {"reader": frozenset({"orders:read"}), "writer": frozenset({"orders:write"})}
    granted = {group: frozenset(names) for group, names in (groups or {}).items()}
    return Side(
        name="main",
        role_maps={"config/roles.toml": WrittenRoleMap({}, roles, granted)},
        routes=routes,
        production=production,
        acknowledgements=frozenset(Acknowledgement(what, "why", "T-1") for what in acknowledged),
    )


def guarded(*permissions: str) -> RouteNeeds:
    needs = ", ".join(f"permission {p}" for p in permissions)
    return RouteNeeds("guarded", frozenset(permissions), frozenset(), needs)


WRITE = {"POST /v1/orders": guarded("orders:read", "orders:write")}
READ = {"POST /v1/orders": guarded("orders:read")}
READERS = {"Readers": {"reader"}}


def test_a_guard_that_asks_less_is_an_escalation_and_one_that_asks_more_is_not():
    looser = compare(side(WRITE, READERS), side(READ, READERS), "c")
    tighter = compare(side(READ, READERS), side(WRITE, READERS), "c")

    assert [e["what"] for e in looser["escalations"]] == [
        "route POST /v1/orders needs permission orders:read "
        "instead of permission orders:read, permission orders:write"
    ]
    assert looser["groups"][0]["routes_gained"] == ["POST /v1/orders"]
    assert [c["change"] for c in looser["routes"]] == ["loosened"]
    assert tighter["escalations"] == []
    assert [c["change"] for c in tighter["routes"]] == ["tightened"]
    assert tighter["groups"][0]["routes_lost"] == ["POST /v1/orders"]


def test_a_new_guarded_route_escalates_only_when_some_group_reaches_it():
    invoices = {"GET /v1/invoices": guarded("orders:read")}
    reached = compare(side({}, READERS), side(invoices, READERS), "c")
    nobody = {"GET /v1/invoices": guarded("invoices:read")}
    unreached = compare(side({}, READERS), side(nobody, READERS), "c")

    assert [e["what"] for e in reached["escalations"]] == [
        "new route GET /v1/invoices (permission orders:read)"
    ]
    assert unreached["escalations"] == []
    assert [c["change"] for c in unreached["routes"]] == ["added"]


def test_production_reading_another_role_map_is_an_escalation():
    moved = compare(side(WRITE), side(WRITE, production="config/roles.open.toml"), "c")

    assert [e["what"] for e in moved["escalations"]] == [
        "production reads config/roles.open.toml instead of config/roles.toml"
    ]


def test_a_lost_grant_is_listed_but_never_an_escalation():
    routes = {"POST /v1/orders": guarded("orders:write")}
    lost = compare(side(routes, {"Writers": {"writer"}}), side(routes, {"Writers": set()}), "c")

    assert lost["escalations"] == []
    assert lost["groups"][0]["roles_lost"] == ["writer"]
    assert lost["groups"][0]["routes_lost"] == ["POST /v1/orders"]


def test_an_acknowledgement_that_matches_nothing_is_named():
    noted = compare(side(WRITE), side(WRITE, acknowledged=("route GET /v1/typo is public",)), "c")

    assert noted["escalations"] == []
    assert noted["unmatched_acknowledgements"] == ["route GET /v1/typo is public"]
