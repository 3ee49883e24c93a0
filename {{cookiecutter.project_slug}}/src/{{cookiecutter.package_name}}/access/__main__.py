"""python -m {{ cookiecutter.package_name }}.access check | report

check   exit 1, naming each route that is neither guarded nor listed as open on purpose
report  the effective permissions for each role map file, as Markdown or JSON
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..app import create_app
from ..settings import Settings
from .report import ReportError, build_report, render_json, render_markdown
from .routes import unguarded_routes


def inspection_app():
    """The app with every optional route switched on, for reading its routes only.

    Routes do not depend on the role map, so the app gets an empty one (the null device
    reads as an empty TOML document): a role map under review may be one that start-up
    refuses, such as a wildcard added by hand, and the report must still show it.
    """
    settings = Settings(
        identity_source="edge_headers",
        environment="dev",
        lab_header_echo=True,
        role_map_file=Path(os.devnull),
    )
    return create_app(settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m {{ cookiecutter.package_name }}.access")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="fail on routes without an access check")
    report = commands.add_parser("report", help="print the effective permissions")
    report.add_argument("role_maps", nargs="*", type=Path, help="default: config/roles*.toml")
    report.add_argument("--format", choices=("markdown", "json"), default="markdown")
    options = parser.parse_args(argv)

    if options.command == "check":
        problems = unguarded_routes(inspection_app())
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    files = options.role_maps or sorted(Path("config").glob("roles*.toml"))
    try:
        result = build_report(inspection_app(), files)
    except ReportError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(render_json(result) if options.format == "json" else render_markdown(result), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
