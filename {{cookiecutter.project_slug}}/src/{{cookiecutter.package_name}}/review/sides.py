"""One side of a diff: a project's role maps, routes and acknowledgements, each from its own files.

Each side's routes come from that side's own review tool, run on that side's own src
folder in a process of its own: the code a side holds decides its routes and guards,
whatever else is installed or on PYTHONPATH.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..authorization.permissions import Requirement
from .acknowledgements import Acknowledgement, read_acknowledgements
from .git_ref import Snapshot
from .report import Access, RouteRow
from .role_maps import (
    ReviewError,
    WrittenRoleMap,
    production_role_map,
    read_role_map,
    role_map_files,
)

PACKAGE = __name__.split(".")[0]
ROUTE_KEYS = RouteRow.__required_keys__

# Runs the ref's review tool from the ref's src folder, whatever else is installed.
RUN_FROM_SOURCE = """
import importlib.util, runpy, sys
source, module, *arguments = sys.argv[1:]
sys.path.insert(0, source)
origin = importlib.util.find_spec(module).origin or ""
if not origin.startswith(source):
    sys.exit(f"{module} was found at {origin}, not in {source}")
sys.argv = [module, *arguments]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


@dataclass(frozen=True)
class RouteNeeds:
    access: Access
    permissions: frozenset[str]
    roles: frozenset[str]
    needs: str

    def reached_by(self, roles: frozenset[str], permissions: frozenset[str]) -> bool:
        """A caller with these roles and permissions passes the guard (guarded routes only)."""
        if self.access != "guarded":
            return False
        return Requirement(self.permissions, self.roles).admits(roles, permissions)


@dataclass(frozen=True)
class Side:
    name: str
    role_maps: dict[str, WrittenRoleMap]
    routes: dict[str, RouteNeeds]
    production: str
    acknowledgements: frozenset[Acknowledgement]


def working_tree(
    root: Path,
    app: str,
    environment: Mapping[str, str],
    acknowledgements: frozenset[Acknowledgement],
) -> Side:
    name = "the working tree"
    return Side(
        name=name,
        role_maps=_role_maps(root, prefix=""),
        routes=_routes(_reported_routes(root, name, app, environment)),
        production=production_role_map(root),
        acknowledgements=acknowledgements,
    )


def at_ref(snapshot: Snapshot, app: str, environment: Mapping[str, str]) -> Side:
    root = snapshot.root
    try:
        acknowledgements = read_acknowledgements(root)
    except ReviewError:
        # Unreadable there: none counts as already merged, so none is ignored here.
        acknowledgements = frozenset()
    return Side(
        name=snapshot.ref,
        role_maps=_role_maps(root, prefix=f"{snapshot.ref}: "),
        routes=_routes(_reported_routes(root, snapshot.ref, app, environment)),
        production=production_role_map(root),
        acknowledgements=acknowledgements,
    )


def _reported_routes(
    root: Path, name: str, app: str, environment: Mapping[str, str]
) -> list[RouteRow]:
    source = root / "src"
    if not (source / PACKAGE / "review" / "__main__.py").is_file():
        older = (source / PACKAGE / "access" / "__main__.py").is_file()
        tool = f"has only the older {PACKAGE}.access" if older else "has no review tool"
        raise ReviewError(
            f"{name}: it {tool}, which cannot report what each route requires; "
            f"compare with a ref that has {PACKAGE}.review"
        )
    result = subprocess.run(  # noqa: S603 (this interpreter, on the ref's own review tool)
        [sys.executable, "-c", RUN_FROM_SOURCE, str(source), f"{PACKAGE}.review",
         "--app", app, "report", "--format", "json"],
        cwd=root,
        env=dict(environment),
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    if result.returncode:
        last_line = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise ReviewError(f"{name}: its review tool failed: {last_line}")
    try:
        report = json.loads(result.stdout)
    except ValueError:
        first_line = (result.stdout.strip().splitlines() or ["(nothing)"])[0]
        raise ReviewError(
            f"{name}: its review tool printed something other than its JSON report: "
            f"{first_line[:120]!r} (does the app print at import?)"
        ) from None
    rows = report.get("routes") if isinstance(report, dict) else None
    if not isinstance(rows, list) or not all(
        isinstance(row, dict) and set(row) >= ROUTE_KEYS for row in rows
    ):
        raise ReviewError(
            f"{name}: its review tool does not report what each route requires (it predates "
            "`review diff`); compare with a later ref"
        )
    return rows


def _routes(rows: list[RouteRow]) -> dict[str, RouteNeeds]:
    return {
        row["route"]: RouteNeeds(
            access=row["access"],
            permissions=frozenset(row["permissions"]),
            roles=frozenset(row["roles"]),
            needs=row["needs"],
        )
        for row in rows
    }


def _role_maps(root: Path, prefix: str) -> dict[str, WrittenRoleMap]:
    maps = {}
    for path in role_map_files(root):
        name = path.relative_to(root).as_posix()
        maps[name] = read_role_map(path, name=prefix + name)
    return maps
