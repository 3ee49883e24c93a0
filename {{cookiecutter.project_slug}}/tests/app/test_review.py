"""Guardrails for reviews: no route without an access check, and a readable report.

The check and the report read the app object that is served (``main:app``); the
command tests run them as a reviewer does, in a process of their own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI, WebSocket

from {{ cookiecutter.package_name }}.api.deps import CurrentPrincipal
from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.review.report import build_report, render_markdown
from {{ cookiecutter.package_name }}.review.routes import unguarded_routes
from {{ cookiecutter.package_name }}.settings import Settings

from ..support.project import PROJECT_ROOT

SAMPLE = Path("config/roles.toml")
REPORT = PROJECT_ROOT / "docs" / "access-report.md"
# The served app as `make access-check` builds it: settings from the environment.
REVIEW_ENVIRONMENT = {"IDENTITY_SOURCE": "edge_headers"}


@pytest.fixture
def app(monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    settings = Settings(
        identity_source="edge_headers",
        environment="dev",
        lab_header_echo=True,
        role_map_file=Path(os.devnull),
    )
    return create_app(settings)


def review(*arguments: str, extra_module: str = "", tmp_path: Path | None = None):
    """``python -m <package>.review`` as a reviewer runs it; ``extra_module`` (source) is
    importable as ``served_with_changes`` for ``--app served_with_changes:app``."""
    path = [str(PROJECT_ROOT / "src")]
    if extra_module and tmp_path is not None:
        (tmp_path / "served_with_changes.py").write_text(extra_module)
        path.append(str(tmp_path))
    environment = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": os.pathsep.join(path)}
    return subprocess.run(  # noqa: S603 (this project's own command)
        [sys.executable, "-m", "{{ cookiecutter.package_name }}.review", *arguments],
        cwd=PROJECT_ROOT,
        env=environment | REVIEW_ENVIRONMENT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_every_route_of_the_app_is_guarded_or_public_on_purpose(app):
    assert unguarded_routes(app) == []


def test_new_unguarded_route_is_named_with_its_file_and_the_fix(app):
    @app.get("/v1/reports")
    async def reports() -> list[str]:
        return []

    problems = unguarded_routes(app)

    assert len(problems) == 1
    assert problems[0].startswith("GET /v1/reports (tests/app/test_review.py:")
    assert "require_permissions" in problems[0]
    assert "PUBLIC_ROUTES" in problems[0]


def test_unguarded_route_in_an_included_router_is_found_with_its_prefix(app):
    router = APIRouter(prefix="/v2")

    @router.delete("/orders/{order_id}")
    async def delete(order_id: int) -> None:
        return None

    app.include_router(router, prefix="/api")

    assert [p.split(" (")[0] for p in unguarded_routes(app)] == ["DELETE /api/v2/orders/{order_id}"]


def test_mounted_sub_app_and_websocket_are_refused_unless_guarded(app):
    sub_app = FastAPI(openapi_url=None)

    @sub_app.get("/stats")
    async def stats() -> dict:
        return {}

    @app.websocket("/ws/updates")
    async def updates(websocket: WebSocket) -> None:
        await websocket.close()

    app.mount("/internal", sub_app)

    found = sorted(p.split(" (")[0] for p in unguarded_routes(app))
    assert found == ["GET /internal/stats", "WEBSOCKET /ws/updates"]


def test_check_command_passes_the_served_app():
    result = review("check")

    assert result.returncode == 0, result.stderr


def test_check_command_catches_a_route_added_to_the_served_app(tmp_path):
    """main.py's ``app`` is what uvicorn serves: a route added to it is reviewed too."""
    added_in_main = (
        "from {{ cookiecutter.package_name }}.main import app\n"
        "@app.get('/v1/open-by-mistake')\n"
        "async def open_by_mistake() -> dict:\n"
        "    return {}\n"
    )

    result = review(
        "--app", "served_with_changes:app", "check", extra_module=added_in_main, tmp_path=tmp_path
    )

    assert result.returncode == 1
    assert "GET /v1/open-by-mistake" in result.stderr
    assert "has no access check" in result.stderr


def test_check_names_a_guarded_route_that_reads_the_body_before_the_caller(app):
    late = APIRouter()

    @late.post("/v1/late")
    async def late_route(principal: CurrentPrincipal) -> None:
        return None

    app.include_router(late)

    problems = unguarded_routes(app)
    assert len(problems) == 2
    assert "POST /v1/late" in problems[0]
    assert "route_class=AuthenticatedRoute" in problems[0]


def test_report_for_the_sample_role_map_is_pinned(app):
    report = render_markdown(build_report(app, [SAMPLE]))

    assert report == REPORT.read_text(encoding="utf-8"), (
        "The effective permissions changed. Review the difference, then refresh the pinned "
        "copy: python -m {{ cookiecutter.package_name }}.review report > docs/access-report.md"
    )


def test_report_flags_a_wildcard_and_a_broad_group(app, tmp_path):
    edited = tmp_path / "roles.toml"
    edited.write_text(
        '[roles.everything]\npermissions = ["orders:*"]\n[groups]\n"Everyone" = ["everything"]\n'
    )

    content = build_report(app, [edited])["files"][str(edited)]
    flags = "\n".join(content["flags"])

    assert "wildcard permission 'orders:*'" in flags
    assert "broad group 'Everyone'" in flags
    assert "refuses this file at start-up" in flags


def test_report_flags_differences_between_environment_files(app, tmp_path):
    staging = tmp_path / "roles.staging.toml"
    staging.write_text(SAMPLE.read_text() + '"testers" = ["orders-writer"]\n')

    flags = build_report(app, [SAMPLE, staging])["flags"]

    assert flags == [f"{staging} grants 'testers' orders:read, orders:write; {SAMPLE} does not"]


def test_report_compares_every_environment_file_with_the_one_production_reads(app, tmp_path):
    """Staging sorts before roles.toml; it is still compared with production, not with dev."""
    dev = tmp_path / "roles.dev.toml"
    dev.write_text(SAMPLE.read_text() + '"testers" = ["orders-writer"]\n')
    staging = tmp_path / "roles.staging.toml"
    staging.write_text(SAMPLE.read_text() + '"testers" = ["orders-writer"]\n')
    production = tmp_path / "roles.toml"
    production.write_text(SAMPLE.read_text())

    flags = build_report(app, [dev, staging, production], production)["flags"]

    assert flags == [
        f"{dev} grants 'testers' orders:read, orders:write; {production} does not",
        f"{staging} grants 'testers' orders:read, orders:write; {production} does not",
    ]


def test_report_flags_permissions_no_route_uses_and_routes_no_role_unlocks(app, tmp_path):
    edited = tmp_path / "roles.toml"
    edited.write_text(
        '[roles.auditor]\npermissions = ["invoices:read"]\n[groups]\n"Auditors" = ["auditor"]\n'
    )

    flags = "\n".join(build_report(app, [edited])["files"][str(edited)]["flags"])

    assert "'invoices:read' is granted but no route requires it" in flags
    assert "'orders:write' is required by a route but no role grants it" in flags


def test_report_command_flags_a_wildcard_that_start_up_would_refuse(tmp_path):
    """The review case: someone adds a wildcard to the role map by hand."""
    edited = tmp_path / "roles.toml"
    sample = (PROJECT_ROOT / SAMPLE).read_text(encoding="utf-8")
    edited.write_text(sample.replace("permissions = [", 'permissions = ["*", ', 1))

    result = review("report", str(edited))

    assert result.returncode == 0, result.stderr
    assert "wildcard permission '*'" in result.stdout


def test_report_command_names_a_role_map_that_is_not_toml(tmp_path):
    broken = tmp_path / "roles.toml"
    broken.write_text("[roles\n")

    result = review("report", str(broken))

    assert result.returncode == 2
    assert result.stderr.startswith(f"{broken}: ")


@pytest.mark.parametrize(
    ("target", "named"),
    [
        ("no_such_module:app", "No module named 'no_such_module'"),
        ("{{ cookiecutter.package_name }}.main:no_such_app", "no_such_app"),
        ("{{ cookiecutter.package_name }}.settings:Settings", "not a FastAPI app"),
    ],
)
def test_an_app_that_cannot_be_found_is_one_line_naming_it_with_exit_2(target, named):
    result = review("--app", target, "check")

    assert result.returncode == 2
    assert result.stderr.startswith(f"--app {target}: ")
    assert named in result.stderr
    assert "Traceback" not in result.stderr
