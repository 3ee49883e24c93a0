"""Guardrails for reviews: no route without an access check, and a readable report."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI, WebSocket

from {{ cookiecutter.package_name }}.access.__main__ import inspection_app, main
from {{ cookiecutter.package_name }}.access.report import build_report, render_markdown
from {{ cookiecutter.package_name }}.access.routes import unguarded_routes

from ..support.project import PROJECT_ROOT

SAMPLE = Path("config/roles.toml")
REPORT = PROJECT_ROOT / "docs" / "access-report.md"


@pytest.fixture
def app(monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    return inspection_app()


def test_every_route_of_the_app_is_guarded_or_public_on_purpose(app):
    assert unguarded_routes(app) == []


def test_new_unguarded_route_is_named_with_its_file_and_the_fix(app):
    @app.get("/v1/reports")
    async def reports() -> list[str]:
        return []

    problems = unguarded_routes(app)

    assert len(problems) == 1
    assert problems[0].startswith("GET /v1/reports (tests/app/test_access.py:")
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


def test_check_command_fails_on_an_unguarded_route(monkeypatch, capsys, app):
    monkeypatch.setattr("{{ cookiecutter.package_name }}.access.__main__.inspection_app", lambda: app)
    app.get("/open-by-mistake")(lambda: None)

    assert main(["check"]) == 1
    assert "/open-by-mistake" in capsys.readouterr().err


def test_report_for_the_sample_role_map_is_pinned(app):
    report = render_markdown(build_report(app, [SAMPLE]))

    assert report == REPORT.read_text(encoding="utf-8"), (
        "The effective permissions changed. Review the difference, then refresh the pinned "
        "copy: python -m {{ cookiecutter.package_name }}.access report > docs/access-report.md"
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


def test_report_flags_permissions_no_route_uses_and_routes_no_role_unlocks(app, tmp_path):
    edited = tmp_path / "roles.toml"
    edited.write_text(
        '[roles.auditor]\npermissions = ["invoices:read"]\n[groups]\n"Auditors" = ["auditor"]\n'
    )

    flags = "\n".join(build_report(app, [edited])["files"][str(edited)]["flags"])

    assert "'invoices:read' is granted but no route requires it" in flags
    assert "'orders:write' is required by a route but no role grants it" in flags


def test_report_command_flags_a_wildcard_that_start_up_would_refuse(capsys, tmp_path):
    """The review case: someone adds a wildcard to the role map by hand."""
    edited = tmp_path / "roles.toml"
    sample = (PROJECT_ROOT / SAMPLE).read_text(encoding="utf-8")
    edited.write_text(sample.replace("permissions = [", 'permissions = ["*", ', 1))

    assert main(["report", str(edited)]) == 0
    assert "wildcard permission '*'" in capsys.readouterr().out


def test_report_command_names_a_role_map_that_is_not_toml(capsys, tmp_path):
    broken = tmp_path / "roles.toml"
    broken.write_text("[roles\n")

    assert main(["report", str(broken)]) == 2
    assert capsys.readouterr().err.startswith(f"{broken}: ")
