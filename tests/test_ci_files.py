"""The shipped pipelines: valid for their platform, pinned, least privilege, and backed by make."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import TEMPLATE, file_paths
from test_generation import CHOICES

TOOLS = Path(sys.executable).parent  # check-jsonschema and zizmor are installed beside pytest
TESTS = Path(__file__).parent

# Which published schema each pipeline file must match; which answer ships it is said by
# the template itself (test_file_ownership.py).
SCHEMAS = {
    ".github/workflows/ci.yml": "vendor.github-workflows",
    ".github/dependabot.yml": "vendor.dependabot",
    ".gitlab-ci.yml": "vendor.gitlab-ci",
}
PIPELINE_BAKES = [
    {"ci": "github", "edge_appliance": "fortigate", "python_version": "3.12"},
    {"ci": "github", "edge_appliance": "citrix_adc", "python_version": "3.11"},
    {"ci": "gitlab", "edge_appliance": "fortigate", "python_version": "3.13"},
    {"ci": "gitlab", "edge_appliance": "citrix_adc", "python_version": "3.11"},
]
GITHUB_BAKES = [answers for answers in PIPELINE_BAKES if answers["ci"] == "github"]
GITLAB_BAKES = [answers for answers in PIPELINE_BAKES if answers["ci"] == "gitlab"]

ACTION_PINNED_WITH_VERSION = re.compile(
    r"\s*(- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}"
)
IMAGE_PINNED = re.compile(
    r"[a-z0-9./-]+(:\d+\.\d+\.\d+(-[a-z0-9.-]+)?(@sha256:[0-9a-f]{64})?|@sha256:[0-9a-f]{64})"
)
# What each pipeline must run, as command fragments of its steps (run:, script:).
REQUIRED_COMMANDS = {
    ".github/workflows/ci.yml": [
        "make lint", "make test", "make access-check",
        'make --silent access-report | tee -a "$GITHUB_STEP_SUMMARY"',
        'make --silent access-diff BASE=HEAD^1 | tee -a "$GITHUB_STEP_SUMMARY"', "make audit",
        "make edge-check", "make edge-validate", "make image", "apt-get install -y -qq nginx",
    ],
    ".gitlab-ci.yml": [
        "make lint", "make test", "make access-check", "make --silent access-report",
        "make --silent access-diff", "make audit", "make edge-check", "terraform fmt -check",
        "init -backend=false", "validate", "docker build",
        "apt-get install -y -qq --no-install-recommends nginx",
    ],
}  # fmt: skip
MAKE_TARGET_CALL = re.compile(r"\bmake (?:--silent )?([a-z0-9-]+)")


def answers_id(answers: dict) -> str:
    return "-".join(f"{name}:{value}" for name, value in answers.items())


def run(*command: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess:
    return run(
        str(TOOLS / "check-jsonschema"), "--builtin-schema", schema, str(path), cwd=path.parent
    )


def zizmor(*inputs: Path) -> subprocess.CompletedProcess:
    """zizmor offline, ignoring any config or ignore comment, on workflows and Dependabot only."""
    return run(
        str(TOOLS / "zizmor"), "--offline", "--no-config", "--no-ignores", "--strict-collection",
        "--collect=workflows,dependabot", "--format=plain", "--color=never", *map(str, inputs),
        cwd=TEMPLATE,
    )  # fmt: skip


def yaml_file(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# Files that come and go with the ci answer but have no published schema, and the
# specifications that check them instead.
CHECKED_WITHOUT_SCHEMA = {"CODEOWNERS": "test_access_diff_pipelines.py"}


def test_every_file_that_comes_and_goes_with_the_ci_answer_has_a_schema_or_a_check(baked):
    file_sets = [file_paths(baked(ci=ci)) for ci in CHOICES["ci"]]
    varying = set.union(*file_sets) - set.intersection(*file_sets)

    assert varying, "no file depends on the ci answer"
    assert sorted(varying - SCHEMAS.keys() - CHECKED_WITHOUT_SCHEMA.keys()) == []
    assert [name for name in CHECKED_WITHOUT_SCHEMA.values() if not (TESTS / name).is_file()] == []


@pytest.mark.parametrize("answers", PIPELINE_BAKES, ids=map(answers_id, PIPELINE_BAKES))
def test_every_pipeline_file_matches_its_published_schema(baked, answers):
    project = baked(**answers)
    shipped = [path for path in SCHEMAS if (project / path).is_file()]
    results = {path: check_jsonschema(SCHEMAS[path], project / path) for path in shipped}

    assert shipped, "a pipeline answer ships no pipeline file"
    assert {
        path: result.stdout + result.stderr for path, result in results.items() if result.returncode
    } == {}


def test_the_template_repositorys_own_workflow_matches_its_published_schema():
    result = check_jsonschema("vendor.github-workflows", TEMPLATE / ".github/workflows/ci.yml")

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("answers", GITHUB_BAKES, ids=map(answers_id, GITHUB_BAKES))
def test_generated_github_files_have_no_zizmor_findings(baked, answers):
    result = zizmor(baked(**answers))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout, result.stdout + result.stderr


def test_the_template_repositorys_own_workflow_has_no_zizmor_findings():
    result = zizmor(TEMPLATE / ".github")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout, result.stdout + result.stderr


@pytest.fixture(params=["generated", "template"], ids=lambda owner: f"workflow:{owner}")
def workflow(request, baked) -> Path:
    root = baked(ci="github") if request.param == "generated" else TEMPLATE
    return root / ".github/workflows/ci.yml"


def test_every_action_is_pinned_to_a_full_commit_with_its_version_beside_it(workflow):
    uses_lines = [line for line in workflow.read_text().splitlines() if "uses:" in line]

    assert uses_lines, "no action used: is this the right file?"
    assert [line for line in uses_lines if not ACTION_PINNED_WITH_VERSION.fullmatch(line)] == []


def test_workflow_grants_nothing_by_default_and_each_job_only_reads_the_code(workflow):
    parsed = yaml_file(workflow)

    assert parsed["permissions"] == {}
    assert {name: job.get("permissions") for name, job in parsed["jobs"].items()} == {
        name: {"contents": "read"} for name in parsed["jobs"]
    }


def test_every_checkout_leaves_no_credentials_behind(workflow):
    checkouts = [
        step
        for job in yaml_file(workflow)["jobs"].values()
        for step in job["steps"]
        if step.get("uses", "").startswith("actions/checkout@")
    ]

    assert checkouts
    assert [
        step for step in checkouts if step.get("with", {}).get("persist-credentials") is not False
    ] == []


def test_every_job_has_a_timeout(workflow):
    jobs = yaml_file(workflow)["jobs"]

    assert {name: isinstance(job.get("timeout-minutes"), int) for name, job in jobs.items()} == {
        name: True for name in jobs
    }


def test_a_newer_push_cancels_the_superseded_run(workflow):
    concurrency = yaml_file(workflow)["concurrency"]

    assert concurrency["cancel-in-progress"] is True
    assert "github.ref" in concurrency["group"]


def images_in(pipeline: dict) -> list[str]:
    """Every image and service image a GitLab pipeline names."""
    sections = [pipeline.get("default", {})] + [
        job for job in pipeline.values() if isinstance(job, dict) and "script" in job
    ]
    named = [section["image"] for section in sections if "image" in section]
    named += [service for section in sections for service in section.get("services", [])]
    return [image["name"] if isinstance(image, dict) else image for image in named]


@pytest.mark.parametrize("answers", GITLAB_BAKES, ids=map(answers_id, GITLAB_BAKES))
def test_every_gitlab_image_is_pinned_to_an_exact_version_or_digest(baked, answers):
    images = images_in(yaml_file(baked(**answers) / ".gitlab-ci.yml"))

    assert len(images) >= 4, images
    assert [image for image in images if not IMAGE_PINNED.fullmatch(image)] == []


@pytest.mark.parametrize("answers", GITLAB_BAKES, ids=map(answers_id, GITLAB_BAKES))
def test_gitlab_python_jobs_run_the_chosen_python(baked, answers):
    default = yaml_file(baked(**answers) / ".gitlab-ci.yml")["default"]

    assert default["image"].startswith(f"python:{answers['python_version']}.")


@pytest.mark.parametrize("answers", GITHUB_BAKES, ids=map(answers_id, GITHUB_BAKES))
def test_github_jobs_run_the_python_chosen_at_generation(baked, answers):
    project = baked(**answers)
    setups = [
        step["with"]
        for job in yaml_file(project / ".github/workflows/ci.yml")["jobs"].values()
        for step in job["steps"]
        if step.get("uses", "").startswith("actions/setup-python@")
    ]

    assert (project / ".python-version").read_text().strip() == answers["python_version"]
    assert setups
    assert [setup for setup in setups if setup != {"python-version-file": ".python-version"}] == []


def test_gitlab_jobs_are_interruptible_and_time_boxed(baked):
    pipeline = yaml_file(baked(ci="gitlab") / ".gitlab-ci.yml")

    assert pipeline["default"]["interruptible"] is True
    assert pipeline["default"]["timeout"]
    assert pipeline["workflow"]["auto_cancel"]["on_new_commit"] == "interruptible"


def commands_in(pipeline: object) -> list[str]:
    """Every shell command of a parsed pipeline: GitHub `run:` steps and GitLab `script:` lines."""
    if isinstance(pipeline, dict):
        own = [pipeline["run"]] if isinstance(pipeline.get("run"), str) else []
        own += pipeline.get("script", []) if isinstance(pipeline.get("script"), list) else []
        return own + [command for value in pipeline.values() for command in commands_in(value)]
    if isinstance(pipeline, list):
        return [command for item in pipeline for command in commands_in(item)]
    return []


@pytest.mark.parametrize("path", sorted(REQUIRED_COMMANDS))
def test_pipeline_runs_every_check(baked, path):
    project = baked(ci="gitlab" if path == ".gitlab-ci.yml" else "github")
    commands = commands_in(yaml_file(project / path))

    missing = [
        wanted
        for wanted in REQUIRED_COMMANDS[path]
        if not any(wanted in command for command in commands)
    ]

    assert missing == []


def make_targets_called_by(pipeline_file: Path) -> set[str]:
    return set(MAKE_TARGET_CALL.findall(pipeline_file.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", [".github/workflows/ci.yml", ".gitlab-ci.yml"])
def test_every_make_target_a_pipeline_calls_exists(baked, path):
    project = baked(ci="gitlab" if path == ".gitlab-ci.yml" else "github")
    targets = make_targets_called_by(project / path)

    result = run("make", "--dry-run", *sorted(targets), cwd=project)

    assert len(targets) >= 6, targets
    assert result.returncode == 0, result.stdout + result.stderr


def test_make_alone_lists_every_target(baked):
    project = baked()
    targets = re.findall(r"^([a-z0-9-]+):", (project / "Makefile").read_text(), re.MULTILINE)

    listed = run("make", cwd=project).stdout

    assert len(targets) >= 15, targets
    assert [target for target in targets if f"make {target} " not in listed] == []


@pytest.fixture
def project_copy(baked, tmp_path) -> Path:
    """A private copy of the default project, for commands that leave caches behind."""
    return Path(shutil.copytree(baked(), tmp_path / "project"))


def make(project: Path, *arguments: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(project / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    environment.pop("PYTEST_ADDOPTS", None)
    return run("make", f"PYTHON={sys.executable}", *arguments, cwd=project, env=environment)


@pytest.mark.parametrize("target", ["lint", "access-check", "edge-check"])
def test_make_target_passes_in_a_fresh_project(project_copy, target):
    result = make(project_copy, target)

    assert result.returncode == 0, result.stdout + result.stderr


def test_make_access_report_prints_the_pinned_report(project_copy):
    result = make(project_copy, "--silent", "access-report")

    assert result.returncode == 0, result.stderr
    assert result.stdout == (project_copy / "docs/access-report.md").read_text(encoding="utf-8")


def test_make_run_reads_the_env_file_as_data_and_never_runs_it(project_copy):
    """`make run` loads .env.example into the service's environment, without a shell."""
    (project_copy / "envprobe.py").write_text(
        "import os\nprint('PROBE=' + os.environ['PROBE'])\n", encoding="utf-8"
    )
    (project_copy / ".env.example").write_text(
        "PROBE=$(touch ran-dollar) `touch ran-backtick`\n", encoding="utf-8"
    )

    result = make(project_copy, "run", "PACKAGE=envprobe")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "PROBE=$(touch ran-dollar) `touch ran-backtick`" in result.stdout
    assert list(project_copy.glob("ran-*")) == []
