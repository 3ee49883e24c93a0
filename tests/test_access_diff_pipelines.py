"""The generated pipelines run the access diff on every pull/merge request, and CODEOWNERS
puts the security owners on the files that decide who may do what.

The pipeline commands run here as the platforms run them (bash with pipefail), in a git
repository made from a baked project, the way each platform checks the change out: GitHub
a merge of the branch into its target, GitLab the branch (or the merged result).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

OWNERS = "@acme/app-security alice@example.com"
GRANT = '"Partner-Portal" = ["orders-writer"]\n'
WHAT = "config/roles.toml: group 'Partner-Portal' gains role 'orders-writer'"
ACKNOWLEDGEMENT = f'[[change]]\nwhat = "{WHAT}"\nwhy = "portal orders"\nticket = "SEC-7"\n'
GIT_ENVIRONMENT = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.com",
    "GIT_COMMITTER_NAME": "Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.com",
}
# Files whose changes the security owners must see, in every project that ships a pipeline.
OWNED = [
    "config/roles.toml",
    "config/roles.staging.toml",
    "config/access-changes.toml",
    "config/production.env",
    "deploy/k8s/settings.env",
    "src/orders_api/review/routes.py",
    "src/orders_api/api/deps.py",
    "src/orders_api/authorization/roles.py",
    "Makefile",
    "CODEOWNERS",
]
PIPELINE_FILE = {"github": ".github/workflows/ci.yml", "gitlab": ".gitlab-ci.yml"}


def codeowners_rules(project: Path) -> list[tuple[str, list[str]]]:
    lines = (project / "CODEOWNERS").read_text(encoding="utf-8").splitlines()
    return [
        (line.split()[0], line.split()[1:])
        for line in lines
        if line.strip() and not line.startswith("#")
    ]


def matches(pattern: str, path: str) -> bool:
    """CODEOWNERS patterns as the file uses them: anchored, `*` within a name, `dir/`."""
    anchored = pattern.removeprefix("/")
    if anchored.endswith("/"):
        return path.startswith(anchored)
    return re.fullmatch(re.escape(anchored).replace(r"\*", "[^/]*"), path) is not None


def owners_of(rules: list[tuple[str, list[str]]], path: str) -> list[str]:
    """The last matching rule wins, as on GitHub and GitLab."""
    found: list[str] = []
    for pattern, owners in rules:
        if matches(pattern, path):
            found = owners
    return found


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_codeowners_names_the_answered_owners_on_every_access_file(baked, ci):
    project = baked(ci=ci, access_reviewers=OWNERS)
    rules = codeowners_rules(project)
    owned = [*OWNED, PIPELINE_FILE[ci]]

    assert {path: owners_of(rules, path) for path in owned} == {
        path: OWNERS.split() for path in owned
    }


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_every_codeowners_pattern_matches_a_file_of_the_project(baked, ci):
    project = baked(ci=ci, access_reviewers=OWNERS)
    files = [path.relative_to(project).as_posix() for path in project.rglob("*") if path.is_file()]

    unmatched = [
        pattern
        for pattern, _ in codeowners_rules(project)
        if not any(matches(pattern, path) for path in files)
    ]

    assert unmatched == []


def git(repository: Path, *arguments: str) -> str:
    environment = {"PATH": os.environ.get("PATH", ""), **GIT_ENVIRONMENT}
    return subprocess.run(
        ["git", *arguments],  # noqa: S607 (git from PATH, as the pipelines use it)
        cwd=repository, env=environment, capture_output=True, text=True, timeout=60, check=True,
    ).stdout.strip()  # fmt: skip


def commit(repository: Path, message: str) -> str:
    git(repository, "add", "--all")
    git(repository, "commit", "--quiet", "--message", message)
    return git(repository, "rev-parse", "HEAD")


@pytest.fixture
def pull_request(baked, tmp_path):
    """A baked project on `main`, and a branch that grants a new group orders:write;
    `acknowledged=True` adds the acknowledgement to the same branch."""

    def make(ci: str, acknowledged: bool) -> tuple[Path, str]:
        project = Path(shutil.copytree(baked(ci=ci), tmp_path / f"{ci}-{acknowledged}"))
        git(project, "init", "--quiet", "--initial-branch", "main")
        target = commit(project, "the project as generated")
        git(project, "switch", "--quiet", "--create", "partner-portal")
        with (project / "config/roles.toml").open("a", encoding="utf-8") as roles:
            roles.write(GRANT)
        if acknowledged:
            with (project / "config/access-changes.toml").open("a", encoding="utf-8") as file:
                file.write(ACKNOWLEDGEMENT)
        commit(project, "the partner portal may place orders")
        return project, target

    return make


def run_in_bash(command: str, project: Path, **variables: str) -> subprocess.CompletedProcess:
    """`command` as a pipeline runs it: bash -e -o pipefail, make using this interpreter."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHON": sys.executable,
        "PYTHONPATH": str(project / "src"),
        "PYTHONDONTWRITEBYTECODE": "1",
        **GIT_ENVIRONMENT,
        **variables,
    }
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", command],  # noqa: S607
        cwd=project, env=environment, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def github_diff_step(project: Path) -> tuple[dict, dict]:
    """The access job's checkout and its diff step."""
    steps = yaml.safe_load((project / PIPELINE_FILE["github"]).read_text())["jobs"]["access"][
        "steps"
    ]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    (diff_step,) = [s for s in steps if "access-diff" in s.get("run", "")]
    return checkout, diff_step


def gitlab_diff_job(project: Path) -> dict:
    return yaml.safe_load((project / PIPELINE_FILE["gitlab"]).read_text())["access-diff"]


@pytest.mark.parametrize("acknowledged", [False, True], ids=["unacknowledged", "acknowledged"])
def test_github_pull_request_runs_the_diff_against_the_target_onto_the_summary(
    pull_request, tmp_path, acknowledged
):
    project, _ = pull_request("github", acknowledged)
    # GitHub checks out its merge of the branch into the target: HEAD^1 is the target.
    git(project, "switch", "--quiet", "main")
    git(project, "merge", "--quiet", "--no-ff", "--no-edit", "partner-portal")
    checkout, step = github_diff_step(project)
    summary = tmp_path / "summary.md"

    result = run_in_bash(step["run"], project, GITHUB_STEP_SUMMARY=str(summary))

    assert step["if"] == "github.event_name == 'pull_request'"
    assert checkout["with"]["fetch-depth"] >= 2
    written = summary.read_text(encoding="utf-8")
    assert written.startswith("# Access changes against HEAD^1\n")
    if acknowledged:
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"- acknowledged: `{WHAT}`" in written
        assert "  - why: portal orders (ticket: SEC-7)" in written
    else:
        assert result.returncode != 0
        assert f"- **not acknowledged**: `{WHAT}`" in written


@pytest.mark.parametrize(
    ("acknowledged", "pipeline"),
    [(False, "merge request"), (True, "merged results")],
    ids=["unacknowledged-merge-request", "acknowledged-merged-results"],
)
def test_gitlab_merge_request_runs_the_diff_against_the_target_into_an_artifact(
    pull_request, acknowledged, pipeline
):
    project, target = pull_request("gitlab", acknowledged)
    job = gitlab_diff_job(project)
    if pipeline == "merged results":
        git(project, "switch", "--quiet", "main")
        git(project, "merge", "--quiet", "--no-ff", "--no-edit", "partner-portal")
        variables = {"CI_MERGE_REQUEST_TARGET_BRANCH_SHA": target}
    else:
        variables = {"CI_MERGE_REQUEST_DIFF_BASE_SHA": target}
    (script,) = job["script"]

    result = run_in_bash(script, project, **variables)

    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert job["variables"]["GIT_DEPTH"] == "0"
    assert job["artifacts"]["when"] == "always"
    report = project / job["artifacts"]["paths"][0]
    written = report.read_text(encoding="utf-8")
    assert written.startswith(f"# Access changes against {target}\n")
    if acknowledged:
        assert result.returncode == 0, result.stdout + result.stderr
        assert "  - why: portal orders (ticket: SEC-7)" in written
    else:
        assert result.returncode != 0
        assert f"- **not acknowledged**: `{WHAT}`" in written
