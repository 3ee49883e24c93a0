"""The generated project's container, Kubernetes base, pre-commit hooks and update flow."""

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from helpers import LEFTOVER_JINJA, TEMPLATE, bake, bare_git, tree_fingerprint
from test_generation import COMBINATIONS, EACH_CHOICE_AT_LEAST_ONCE, combination_id

TOOLS = Path(sys.executable).parent
# checkov has a venv of its own (`scripts/ensure-venv .venv-checkov checkov`): its pins clash
# with the tools above.
CHECKOV = TEMPLATE / ".venv-checkov" / "bin" / "checkov"
CHOICES = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
# The oldest Kubernetes still common in managed clusters, and the newest schemas shipped.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
BASE_KINDS = {
    "ServiceAccount",
    "ConfigMap",
    "Service",
    "Deployment",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
}


def run(*command: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def hadolint_findings(dockerfile: Path, scratch: Path) -> list[dict]:
    """hadolint's findings as JSON, with no user or project config in reach."""
    environment = {**os.environ, "HOME": str(scratch), "XDG_CONFIG_HOME": str(scratch)}
    result = run(
        str(TOOLS / "hadolint"),
        "--format",
        "json",
        "--no-fail",
        str(dockerfile),
        cwd=scratch,
        env=environment,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def dockerfile_stages(dockerfile: Path) -> list[list[tuple[str, str]]]:
    """Instructions per stage as (INSTRUCTION, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, arguments = line.strip().partition(" ")
        if instruction == "FROM":
            stages.append([])
        stages[-1].append((instruction, " ".join(arguments.split())))
    return stages


def env_file(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def networks(cidrs) -> set:
    return {ipaddress.ip_network(cidr) for cidr in cidrs}


def manifest(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def kustomization_resources(project: Path) -> list[Path]:
    base = project / "deploy" / "k8s"
    return [base / name for name in manifest(base / "kustomization.yaml")["resources"]]


def kustomize(project: Path, folder: str = "deploy/k8s") -> list[dict]:
    if shutil.which("kubectl") is None:
        pytest.skip(f"kubectl is not on PATH, so `kubectl kustomize {folder}` cannot run")
    result = run("kubectl", "kustomize", folder, cwd=project)
    assert result.returncode == 0, result.stderr
    return [document for document in yaml.safe_load_all(result.stdout) if document]


def checkov(target: Path, *arguments: str) -> list[dict]:
    """checkov's report per framework, offline: no download of guidelines or policies, no
    check for a newer checkov on PyPI, and a home of its own for what it caches."""
    assert CHECKOV.exists(), "no checkov: run `scripts/ensure-venv .venv-checkov checkov`"
    with tempfile.TemporaryDirectory() as home:
        offline = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "HOME": home, "XDG_CACHE_HOME": home}
        result = run(
            str(CHECKOV), "--directory", str(target), "--output", "json", "--skip-download",
            "--soft-fail", *arguments, cwd=target, env=os.environ | offline,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    reports = json.loads(result.stdout)
    return reports if isinstance(reports, list) else [reports]


def checkov_results(reports: list[dict], outcome: str) -> list[tuple[str, ...]]:
    """(framework, check, file, resource, reason) for each failed or skipped check."""
    return sorted(
        (
            report["check_type"],
            check["check_id"],
            check["file_path"],
            check["resource"],
            check["check_result"].get("suppress_comment", ""),
        )
        for report in reports
        for check in report["results"][f"{outcome}_checks"]
    )


def rendered_overlay(project: Path, destination: Path) -> Path:
    """deploy/overlays/production as kubectl renders it, in a folder of its own."""
    destination.mkdir()
    documents = kustomize(project, "deploy/overlays/production")
    (destination / "production.yaml").write_text(yaml.safe_dump_all(documents), encoding="utf-8")
    return destination


def assert_valid_for_kubernetes(resource: dict, version: str, source: str) -> None:
    try:
        kubernetes_validate.validate(resource, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        pytest.fail(f"{source}: {resource['kind']} invalid for Kubernetes {version}: {exc}")


# --- Container ------------------------------------------------------------------------


@pytest.mark.parametrize("python_version", CHOICES["python_version"])
def test_dockerfile_has_no_hadolint_finding(baked, tmp_path, python_version):
    project = baked(python_version=python_version)

    assert hadolint_findings(project / "Dockerfile", tmp_path) == []


def test_hadolint_reports_a_known_mistake(tmp_path):
    """The check above can fail: hadolint really runs and its findings are read."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python:latest\nRUN pip install fastapi\n", encoding="utf-8")

    codes = {finding["code"] for finding in hadolint_findings(dockerfile, tmp_path)}

    assert {"DL3007", "DL3013"} <= codes


@pytest.mark.parametrize("python_version", CHOICES["python_version"])
def test_image_builds_on_slim_debian_for_the_chosen_python(baked, python_version):
    build, final = dockerfile_stages(baked(python_version=python_version) / "Dockerfile")

    expected = f"python:{python_version}-slim-trixie"
    assert build[0] == ("FROM", f"{expected} AS build")
    assert final[0] == ("FROM", expected)


def test_final_image_runs_the_app_as_a_fixed_non_root_user_without_proxy_headers(baked):
    _, final = dockerfile_stages(baked() / "Dockerfile")
    instructions = dict(final)

    assert instructions["USER"] == "10001:10001"
    assert instructions["CMD"] == '["python", "-m", "orders_api"]'
    assert "/healthz" in instructions["HEALTHCHECK"]
    assert "curl" not in instructions["HEALTHCHECK"]
    for setting in ("HOST=0.0.0.0", "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"):
        assert setting in instructions["ENV"]
    assert "pip uninstall --yes" in instructions["RUN"]
    assert not [args for name, args in final if name == "RUN" and " install " in args], (
        "dependencies are installed in the build stage only"
    )


def test_dockerfile_never_trusts_forwarded_headers(baked):
    dockerfile = (baked() / "Dockerfile").read_text(encoding="utf-8")

    assert "--forwarded-allow-ips" not in dockerfile
    assert "FORWARDED_ALLOW_IPS" not in dockerfile
    assert "--proxy-headers" not in dockerfile


def test_build_context_is_an_allow_list_that_holds_what_the_image_copies(baked):
    project = baked()
    patterns = [
        line.strip()
        for line in (project / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    allowed = {pattern[1:].rstrip("/") for pattern in patterns if pattern.startswith("!")}
    copied = {
        source.rstrip("/")
        for name, args in (i for stage in dockerfile_stages(project / "Dockerfile") for i in stage)
        if name == "COPY" and not args.startswith("--from")
        for source in args.split()[:-1]
    }

    assert patterns[0] == "*", "everything is left out unless named"
    assert allowed == {"pyproject.toml", "README.md", "LICENSE", "src", "config"}
    assert copied <= allowed
    assert {"**/.env*", "**/*.env", "**/*.pem", "**/*.key"} <= set(patterns)


# --- Kubernetes -----------------------------------------------------------------------


def test_every_manifest_in_the_base_is_listed_in_the_kustomization(baked):
    project = baked()
    listed = {path.name for path in kustomization_resources(project)}
    present = {
        path.name
        for path in (project / "deploy" / "k8s").glob("*.yaml")
        if path.name != "kustomization.yaml"
    }

    assert listed == present


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_is_valid_for_kubernetes(baked, version):
    for path in kustomization_resources(baked()):
        for resource in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            assert_valid_for_kubernetes(resource, version, path.name)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_kustomize_renders_the_base_into_valid_resources(baked, version):
    rendered = kustomize(baked())

    assert {resource["kind"] for resource in rendered} == BASE_KINDS
    for resource in rendered:
        assert_valid_for_kubernetes(resource, version, "kubectl kustomize deploy/k8s")


WAIVER = "the image digest is set by an overlay (deploy/overlays/production)"
# Each appliance (its Terraform) once, and each pipeline.
PIPELINE_AND_APPLIANCE = [
    {"edge_appliance": appliance, "ci": ci}
    for appliance, ci in zip(CHOICES["edge_appliance"], ["github", "gitlab"], strict=True)
]


@pytest.mark.parametrize("answers", PIPELINE_AND_APPLIANCE, ids=combination_id)
def test_checkov_finds_nothing_in_the_generated_project(baked, answers):
    """Every framework checkov knows: Kubernetes, kustomize (base and the production
    overlay), Dockerfile, the pipeline, Terraform, secrets. One waiver, justified inline."""
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not on PATH, so checkov cannot render the kustomizations")
    reports = checkov(baked(**answers))

    assert checkov_results(reports, "failed") == []
    deployment = "Deployment.orders-api.orders-api"
    assert checkov_results(reports, "skipped") == [
        ("kubernetes", "CKV_K8S_43", "/deploy/k8s/deployment.yaml", deployment, WAIVER),
        ("kustomize", "CKV_K8S_43", "/deploy/k8s/kustomization.yaml", f"base:{deployment}", WAIVER),
    ]
    assert {"kubernetes", "kustomize", "dockerfile"} <= {r["check_type"] for r in reports}


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_production_overlay_renders_pinned_namespaced_and_valid(baked, version):
    project = baked()
    rendered = kustomize(project, "deploy/overlays/production")
    (deployment,) = [r for r in rendered if r["kind"] == "Deployment"]
    (image,) = [c["image"] for c in deployment["spec"]["template"]["spec"]["containers"]]

    assert {resource["kind"] for resource in rendered} == BASE_KINDS | {"Namespace"}
    assert {r["metadata"].get("namespace") for r in rendered if r["kind"] != "Namespace"} == {
        "orders-api"
    }
    assert re.fullmatch(r"registry\.example\.com/orders-api@sha256:[0-9a-f]{64}", image)
    assert "checkov.io/skip1" not in deployment["metadata"].get("annotations", {})
    for resource in rendered:
        assert_valid_for_kubernetes(resource, version, "deploy/overlays/production")


def test_checkov_finds_nothing_in_the_rendered_production_overlay(baked, tmp_path):
    reports = checkov(rendered_overlay(baked(), tmp_path / "rendered"), "--framework", "kubernetes")

    assert checkov_results(reports, "failed") == []
    assert checkov_results(reports, "skipped") == [], "the overlay lifts the base's waiver"
    assert sum(report["summary"]["passed"] for report in reports) > 50


def test_checkov_reports_an_overlay_that_pins_no_digest(baked, tmp_path):
    """The base's waiver does not hide a missing digest in production: checkov can fail."""
    project = tmp_path / "orders-api"
    shutil.copytree(baked(), project)
    overlay = project / "deploy" / "overlays" / "production" / "kustomization.yaml"
    text = overlay.read_text(encoding="utf-8")
    overlay.write_text(re.sub(r"\n +digest: sha256:0+\n", "\n", text), encoding="utf-8")

    reports = checkov(rendered_overlay(project, tmp_path / "rendered"), "--framework", "kubernetes")

    assert [finding[1] for finding in checkov_results(reports, "failed")] == ["CKV_K8S_43"]


def test_schema_validation_refuses_a_misspelt_field():
    """strict=True rejects fields Kubernetes does not know, so a typo cannot pass."""
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(
            {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": {"name": "x"},
                "spec": {"minAvaliable": 1},
            },
            KUBERNETES_VERSIONS[0],
            strict=True,
        )


@pytest.mark.parametrize("edge_appliance", CHOICES["edge_appliance"])
def test_edge_networks_are_one_value_set_in_the_app_settings_and_the_network_rules(
    baked, edge_appliance
):
    project = baked(edge_appliance=edge_appliance)
    base = project / "deploy" / "k8s"
    production = env_file(project / "config" / "production.env")
    configmap = env_file(base / "settings.env")
    (rule,) = manifest(base / "networkpolicy.yaml")["spec"]["ingress"]
    service = manifest(base / "service.yaml")

    trusted = networks(production["TRUSTED_EDGE_NETWORKS"].split(","))
    assert trusted
    assert networks(configmap["TRUSTED_EDGE_NETWORKS"].split(",")) == trusted
    assert networks(peer["ipBlock"]["cidr"] for peer in rule["from"]) == trusted
    assert networks(service["spec"]["loadBalancerSourceRanges"]) == trusted


@pytest.mark.parametrize("edge_appliance", CHOICES["edge_appliance"])
def test_rendered_configmap_holds_exactly_the_production_settings(baked, edge_appliance):
    project = baked(edge_appliance=edge_appliance)
    (config_map,) = [r for r in kustomize(project) if r["kind"] == "ConfigMap"]

    assert config_map["data"] == env_file(project / "config" / "production.env")


def test_generated_guard_names_the_network_policy_when_it_drifts(baked, tmp_path):
    project = tmp_path / "orders-api"
    shutil.copytree(baked(), project)
    policy = project / "deploy" / "k8s" / "networkpolicy.yaml"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace("cidr: 10.20.0.1/32", "cidr: 10.20.0.0/16"),
        encoding="utf-8",
    )

    result = run(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/edge/test_deployment.py",
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project / "src"), "PYTHONDONTWRITEBYTECODE": "1"},
    )

    assert result.returncode == 1
    assert re.search(r"\b1 failed\b", result.stdout), result.stdout
    assert "deploy/k8s/networkpolicy.yaml ipBlocks differ from TRUSTED_EDGE_NETWORKS" in (
        result.stdout
    )


def test_pods_are_locked_down(baked):
    deployment = manifest(baked() / "deploy" / "k8s" / "deployment.yaml")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]

    assert deployment["spec"]["replicas"] >= 2
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert container["securityContext"] == {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert set(container["resources"]) == {"requests", "limits"}
    assert container["imagePullPolicy"] == "Always"
    assert container["envFrom"] == [{"configMapRef": {"name": "orders-api-settings"}}]
    assert "env" not in container, "settings come from the ConfigMap, and no secret is a variable"


def test_service_keeps_the_edge_address_as_the_source(baked):
    service = manifest(baked() / "deploy" / "k8s" / "service.yaml")

    assert service["spec"]["externalTrafficPolicy"] == "Local"


# --- pre-commit -----------------------------------------------------------------------


def test_pre_commit_config_is_plain_yaml_with_local_hooks_from_the_dev_tools():
    template = TEMPLATE / "{{cookiecutter.project_slug}}" / ".pre-commit-config.yaml"
    text = template.read_text(encoding="utf-8")
    (repo,) = yaml.safe_load(text)["repos"]

    assert not LEFTOVER_JINJA.search(text), "no Jinja: pre-commit and bots rewrite this file"
    assert repo["repo"] == "local"
    assert {hook["language"] for hook in repo["hooks"]} == {"script"}
    runners, tools = zip(*(hook["entry"].split()[:2] for hook in repo["hooks"]), strict=True)
    assert set(runners) == {"scripts/dev-tool"}, "every hook finds its tool the same way"
    assert [tool for tool in tools if not (TOOLS / tool).exists()] == [], (
        "every hook runs a tool the dev extra installs"
    )
    wanted = {
        "ruff-check",
        "ruff-format",
        "mypy",
        "check-toml",
        "check-yaml",
        "detect-private-key",
        "check-added-large-files",
    }
    assert wanted <= {hook["id"] for hook in repo["hooks"]}


def test_every_combination_passes_the_generated_pre_commit_hooks(baked, tmp_path):
    """All generated trees side by side in one repository, one pre-commit run over them.

    The default project's own run is in the fresh-venv test; this one catches a file that
    only some answers produce (a stray space, a missing newline, key-like text).
    """
    repository = tmp_path / "every-combination"
    for answers in COMBINATIONS + EACH_CHOICE_AT_LEAST_ONCE:
        shutil.copytree(baked(**answers), repository / combination_id(answers).replace(":", "="))
    for name in (".pre-commit-config.yaml", "scripts/dev-tool"):
        (copy, *others) = {path.read_bytes() for path in repository.glob(f"*/{name}")}
        assert not others, f"every project ships the same {name}"
        (repository / name).parent.mkdir(exist_ok=True)
        (repository / name).write_bytes(copy)
    (repository / "scripts" / "dev-tool").chmod(0o755)
    environment = {
        **os.environ,
        "PATH": f"{TOOLS}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
    }
    for command in (["git", "init", "-q"], ["git", "add", "-A"]):
        assert run(*command, cwd=repository).returncode == 0

    result = run(
        str(TOOLS / "pre-commit"),
        "run",
        "--all-files",
        "--show-diff-on-failure",
        cwd=repository,
        env=environment,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_a_commit_without_the_venv_on_path_runs_every_hook_from_dot_venv(baked, tmp_path):
    """.venv holds the dev tools (here: the template's own venv, which has the same ones)."""
    project = tmp_path / "orders-api"
    shutil.copytree(baked(), project)
    (project / ".venv").symlink_to(TOOLS.parent, target_is_directory=True)
    git, environment = bare_git(tmp_path)
    for command in (["git", "init", "-q", "-b", "main"], [str(TOOLS / "pre-commit"), "install"]):
        assert run(*command, cwd=project, env=environment).returncode == 0
    assert run("git", "add", "-A", cwd=project, env=environment).returncode == 0

    clean = run(*git, "commit", "-m", "first", cwd=project, env=environment)
    (project / "src" / "orders_api" / "stray.py").write_text("import os\n", encoding="utf-8")
    run("git", "add", "-A", cwd=project, env=environment)
    unclean = run(*git, "commit", "-m", "stray import", cwd=project, env=environment)

    hooks_said = clean.stdout + clean.stderr
    assert clean.returncode == 0, hooks_said
    for hook in ("ruff check", "ruff format", "mypy (strict, src)", "detect private keys"):
        assert re.search(rf"^{re.escape(hook)}\.+Passed$", hooks_said, re.MULTILINE), hook
    assert unclean.returncode == 1, unclean.stdout + unclean.stderr
    assert "F401" in unclean.stdout + unclean.stderr


# --- Updating with cruft ----------------------------------------------------------------


def template_checkout(destination: Path) -> Path:
    """The template's working tree (tracked and untracked files) as a fresh git repository.

    cruft clones its template with git, so it sees commits only; this commits what is on
    disk now, leaving out the local venv and generated output.
    """
    listed = run(
        "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=TEMPLATE
    )
    assert listed.returncode == 0, listed.stderr
    for name in filter(None, listed.stdout.split("\0")):
        source = TEMPLATE / name
        if name.split("/")[0] in {".venv", "generated"} or not source.is_file():
            continue
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination / name)
    settings = (
        "user.name=template test",
        "user.email=test@example.invalid",
        "commit.gpgsign=false",
    )
    config = [option for setting in settings for option in ("-c", setting)]
    for command in (["init", "-q"], ["add", "-A"], [*config, "commit", "-q", "-m", "snapshot"]):
        result = run("git", *command, cwd=destination)
        assert result.returncode == 0, result.stderr
    return destination


def test_cruft_create_and_cookiecutter_generate_the_same_tree(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not on PATH, and cruft clones its template with git")
    checkout = template_checkout(tmp_path / "template")
    by_cookiecutter = bake(tmp_path / "cookiecutter")

    result = run(
        str(TOOLS / "cruft"),
        "create",
        str(checkout),
        "--no-input",
        "--output-dir",
        str(tmp_path / "cruft"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    by_cruft = tmp_path / "cruft" / by_cookiecutter.name

    cruft_state = json.loads((by_cruft / ".cruft.json").read_text(encoding="utf-8"))
    assert cruft_state["template"] == str(checkout)
    assert cruft_state["context"]["cookiecutter"]["project_slug"] == "orders-api"
    (by_cruft / ".cruft.json").unlink()
    assert tree_fingerprint(by_cruft) == tree_fingerprint(by_cookiecutter)
