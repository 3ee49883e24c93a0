"""python -m {{ cookiecutter.package_name }}.review check | report | diff <git-ref>

check   exit 1, naming each route that is neither guarded nor listed as open on purpose
report  the effective permissions for each role map file, as Markdown or JSON
diff    what the working tree changes in who may do what, compared with a git ref;
        exit 1 on an escalation not acknowledged in config/access-changes.toml

All read the routes of the app object that is served (``{{ cookiecutter.package_name }}.main:app``,
or ``--app module:name``), built from the settings in the environment; ``diff`` reads each
side's routes with that side's own review tool, run on its own src folder. Exit 2:
something could not be read.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from fastapi import FastAPI

from . import diff, diff_output, report
from .acknowledgements import read_acknowledgements
from .git_ref import snapshot_at
from .role_maps import ReviewError, production_role_map, role_map_files
from .routes import unguarded_routes
from .sides import at_ref, working_tree

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
    try:
        app = getattr(importlib.import_module(module_name), name or "app")
    except (ImportError, AttributeError) as exc:
        raise ReviewError(f"--app {target}: {exc}") from None
    if not isinstance(app, FastAPI):
        raise ReviewError(f"--app {target}: not a FastAPI app")
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m {{ cookiecutter.package_name }}.review")
    parser.add_argument("--app", default=SERVED_APP, help=f"module:name (default: {SERVED_APP})")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="fail on routes without an access check")
    report_command = commands.add_parser("report", help="print the effective permissions")
    report_command.add_argument("role_maps", nargs="*", type=Path, help="config/roles*.toml")
    diff_command = commands.add_parser("diff", help="who gains what, compared with a git ref")
    diff_command.add_argument("ref", help="a branch, tag or commit, e.g. main or origin/main")
    for command in (report_command, diff_command):
        command.add_argument("--format", choices=("markdown", "json"), default="markdown")
    options = parser.parse_args(argv)

    try:
        if options.command == "check":
            problems = unguarded_routes(served_app(options.app))
            for problem in problems:
                print(problem, file=sys.stderr)
            return 1 if problems else 0
        if options.command == "diff":
            return print_diff(options.ref, options.app, options.format)
        files = options.role_maps or role_map_files(Path())
        production = Path(production_role_map(Path()))
        result = report.build_report(served_app(options.app), files, production)
    except ReviewError as exc:
        print(exc, file=sys.stderr)
        return 2
    json_format = options.format == "json"
    print(report.render_json(result) if json_format else report.render_markdown(result), end="")
    return 0


def print_diff(ref: str, app: str, output_format: str) -> int:
    project = Path.cwd()
    acknowledgements = read_acknowledgements(project)
    with snapshot_at(ref, project) as snapshot:
        before = at_ref(snapshot, app, os.environ)
    after = working_tree(project, app, os.environ, acknowledgements)
    changes = diff.compare(before, after, snapshot.commit)
    json_format = output_format == "json"
    render = diff_output.render_json if json_format else diff_output.render_markdown
    print(render(changes), end="")
    return 1 if diff.unacknowledged(changes) else 0


if __name__ == "__main__":
    sys.exit(main())
