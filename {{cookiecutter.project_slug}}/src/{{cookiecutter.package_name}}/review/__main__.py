"""python -m {{ cookiecutter.package_name }}.review check | report

check   exit 1, naming each route that is neither guarded nor listed as open on purpose
report  the effective permissions for each role map file, as Markdown or JSON

Both read the routes of the app object that is served (``{{ cookiecutter.package_name }}.main:app``,
or ``--app module:name``), built from the settings in the environment.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from fastapi import FastAPI

from .report import ReportError, build_report, render_json, render_markdown
from .routes import unguarded_routes

SERVED_APP = "{{ cookiecutter.package_name }}.main:app"


def served_app(target: str) -> FastAPI:
    """The app object ``target`` names, imported as uvicorn imports it, with every
    optional route switched on (the lab header echo), so that all are reviewed.

    Routes do not depend on the role map, so the app gets an empty one (the null device
    reads as an empty TOML document): a role map under review may be one that start-up
    refuses, such as a wildcard added by hand, and the report must still show it.
    """
    os.environ |= {"ROLE_MAP_FILE": os.devnull, "LAB_HEADER_ECHO": "true", "ENVIRONMENT": "dev"}
    module_name, _, name = target.partition(":")
    app = getattr(importlib.import_module(module_name), name or "app")
    if not isinstance(app, FastAPI):
        raise SystemExit(f"{target} is not a FastAPI app")
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m {{ cookiecutter.package_name }}.review")
    parser.add_argument("--app", default=SERVED_APP, help=f"module:name (default: {SERVED_APP})")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="fail on routes without an access check")
    report = commands.add_parser("report", help="print the effective permissions")
    report.add_argument("role_maps", nargs="*", type=Path, help="default: config/roles*.toml")
    report.add_argument("--format", choices=("markdown", "json"), default="markdown")
    options = parser.parse_args(argv)

    if options.command == "check":
        problems = unguarded_routes(served_app(options.app))
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    files = options.role_maps or sorted(Path("config").glob("roles*.toml"))
    try:
        result = build_report(served_app(options.app), files)
    except ReportError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(render_json(result) if options.format == "json" else render_markdown(result), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
