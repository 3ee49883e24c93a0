"""One side of a diff: a project's role maps, routes and acknowledgements, each from its own files.

The working tree's routes come from the app this process builds; the ref's from the ref's
own review tool, run on the ref's own code in a process of its own, so the ref's code
decides its routes and guards.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from .acknowledgements import Acknowledgement, read_acknowledgements
from .git_ref import Snapshot
from .report import Access, RouteRow
from .role_maps import ReviewError, WrittenRoleMap, read_role_map, role_map_files

PACKAGE = __name__.split(".")[0]
PRODUCTION_SETTINGS = Path("config/production.env")
DEFAULT_ROLE_MAP = "config/roles.toml"
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
        return self.permissions <= permissions and (not self.roles or bool(self.roles & roles))


@dataclass(frozen=True)
class Side:
    name: str
    role_maps: dict[str, WrittenRoleMap]
    routes: dict[str, RouteNeeds]
    production: str
    acknowledgements: frozenset[Acknowledgement]


def working_tree(
    root: Path, route_rows: list[RouteRow], acknowledgements: frozenset[Acknowledgement]
) -> Side:
    return Side(
        name="the working tree",
        role_maps=_role_maps(root, prefix=""),
        routes=_routes(route_rows),
        production=_production_role_map(root),
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
        routes=_routes(_routes_reported_at(snapshot, app, environment)),
        production=_production_role_map(root),
        acknowledgements=acknowledgements,
    )


def _routes_reported_at(
    snapshot: Snapshot, app: str, environment: Mapping[str, str]
) -> list[RouteRow]:
    source, ref = snapshot.root / "src", snapshot.ref
    if not (source / PACKAGE / "review" / "__main__.py").is_file():
        older = (source / PACKAGE / "access" / "__main__.py").is_file()
        tool = f"has only the older {PACKAGE}.access" if older else "has no review tool"
        raise ReviewError(
            f"{ref}: it {tool}, which cannot report what each route requires; "
            f"compare with a ref that has {PACKAGE}.review"
        )
    result = subprocess.run(  # noqa: S603 (this interpreter, on the ref's own review tool)
        [sys.executable, "-c", RUN_FROM_SOURCE, str(source), f"{PACKAGE}.review",
         "--app", app, "report", "--format", "json"],
        cwd=snapshot.root,
        env=dict(environment),
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    if result.returncode:
        last_line = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise ReviewError(f"{ref}: its review tool failed: {last_line}")
    rows: list[RouteRow] = json.loads(result.stdout).get("routes", [])
    if not all(isinstance(row, dict) and set(row) >= ROUTE_KEYS for row in rows):
        raise ReviewError(
            f"{ref}: its review tool does not report what each route requires (it predates "
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


def _production_role_map(root: Path) -> str:
    """The role map production reads: ROLE_MAP_FILE in config/production.env."""
    path = root / PRODUCTION_SETTINGS
    written = dotenv_values(path).get("ROLE_MAP_FILE") if path.is_file() else None
    return Path(written or DEFAULT_ROLE_MAP).as_posix()
