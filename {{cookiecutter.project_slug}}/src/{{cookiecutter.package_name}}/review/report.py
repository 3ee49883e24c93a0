"""The effective-permissions report: group -> roles -> permissions -> routes, and risks.

It reads the role map files as written (so it can show entries the app would refuse at
start-up) and the app's routes, and flags what a reviewer should look at twice.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any, TypedDict

from fastapi import FastAPI

from ..authorization.roles import RoleMap, RoleMapError
from .routes import RouteAccess, route_access

BROAD_GROUP = re.compile(
    r"^(everyone|all[ _-]?users|authenticated[ _-]?users|domain users|users|employees|staff"
    r"|default-roles-.*|offline_access)$",
    re.IGNORECASE,
)


class ReportError(Exception):
    """A role map file that cannot be read or is not TOML; the message names it."""


class GroupRow(TypedDict):
    group: str
    roles: list[str]
    permissions: list[str]
    routes: list[str]


class FileReport(TypedDict):
    rows: list[GroupRow]
    flags: list[str]


class RouteRow(TypedDict):
    route: str
    needs: str
    source: str


class Report(TypedDict):
    """The report as data; render_json prints it as it is."""

    files: dict[str, FileReport]
    routes: list[RouteRow]
    flags: list[str]


def build_report(app: FastAPI, files: list[Path]) -> Report:
    routes = route_access(app)
    report: Report = {"files": {}, "routes": [_route_row(route) for route in routes], "flags": []}
    grants_by_file: dict[str, dict[str, set[str]]] = {}
    for path in files:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ReportError(f"{path}: {exc}") from None
        roles: dict[str, set[str]] = {
            name: set(body.get("permissions", [])) for name, body in data.get("roles", {}).items()
        }
        groups: dict[str, list[str]] = {
            group: list(granted) for group, granted in data.get("groups", {}).items()
        }
        rows: list[GroupRow] = []
        for group, granted in groups.items():
            permissions = set().union(*(roles.get(role, set()) for role in granted))
            rows.append({
                "group": group,
                "roles": sorted(granted),
                "permissions": sorted(permissions),
                "routes": [_label(r) for r in routes if _unlocks(r, set(granted), permissions)],
            })  # fmt: skip
        grants_by_file[str(path)] = {row["group"]: set(row["permissions"]) for row in rows}
        report["files"][str(path)] = {
            "rows": rows,
            "flags": _flags(path, data, roles, groups, routes),
        }
    report["flags"] = _differences(grants_by_file)
    return report


def _flags(
    path: Path,
    data: dict[str, Any],
    roles: dict[str, set[str]],
    groups: dict[str, list[str]],
    routes: list[RouteAccess],
) -> list[str]:
    flags = []
    try:
        RoleMap.from_dict(data, source=str(path))
    except RoleMapError as error:
        flags.append(f"the app refuses this file at start-up: {error}")
    for role, permissions in roles.items():
        for permission in sorted(p for p in permissions if "*" in p):
            flags.append(f"role {role!r} has wildcard permission {permission!r}")
    for group, granted in groups.items():
        if BROAD_GROUP.match(group):
            flags.append(f"broad group {group!r} grants {', '.join(sorted(granted))}")
    used = set().union(*(route.permissions for route in routes))
    granted_permissions = set().union(*roles.values()) if roles else set()
    for permission in sorted(granted_permissions - used):
        flags.append(f"permission {permission!r} is granted but no route requires it")
    for permission in sorted(used - granted_permissions):
        flags.append(f"permission {permission!r} is required by a route but no role grants it")
    return flags


def _differences(grants_by_file: dict[str, dict[str, set[str]]]) -> list[str]:
    flags = []
    names = list(grants_by_file)
    for base in names[:1]:
        for other in names[1:]:
            for first, second in ((other, base), (base, other)):
                for group, permissions in grants_by_file[first].items():
                    extra = permissions - grants_by_file[second].get(group, set())
                    if extra:
                        listed = ", ".join(sorted(extra))
                        flags.append(f"{first} grants {group!r} {listed}; {second} does not")
    return flags


def _unlocks(route: RouteAccess, roles: set[str], permissions: set[str]) -> bool:
    if not route.authenticated or not (route.permissions or route.roles):
        return False
    return route.permissions <= permissions and (not route.roles or bool(route.roles & roles))


def _label(route: RouteAccess) -> str:
    return f"{'/'.join(route.methods)} {route.path}"


def _route_row(route: RouteAccess) -> RouteRow:
    if route.public:
        needs = "public"
    elif not route.authenticated:
        needs = "NO ACCESS CHECK"
    elif not (route.permissions or route.roles):
        needs = "any signed-in caller"
    else:
        needs = ", ".join(
            [*(f"permission {p}" for p in sorted(route.permissions)),
             *(f"role {r}" for r in sorted(route.roles))]
        )  # fmt: skip
    return {"route": _label(route), "needs": needs, "source": route.source}


def render_json(report: Report) -> str:
    return json.dumps(report, indent=2) + "\n"


def render_markdown(report: Report) -> str:
    lines = ["# Effective permissions", ""]
    for name, content in report["files"].items():
        lines += [f"## {Path(name).as_posix()}", ""]
        lines += [
            "| group or claim value | roles | permissions | routes |",
            "| --- | --- | --- | --- |",
        ]
        for row in content["rows"]:
            cells = (", ".join(row[key]) or "-" for key in ("roles", "permissions", "routes"))
            lines.append(f"| `{row['group']}` | " + " | ".join(cells) + " |")
        lines += ["", *(f"- FLAG: {flag}" for flag in content["flags"])]
        lines += [""] if content["flags"] else []
    lines += ["## Routes", "", "| route | needs |", "| --- | --- |"]
    lines += [f"| `{row['route']}` | {row['needs']} |" for row in report["routes"]]
    lines += ["", "## Across files", ""]
    lines += [f"- FLAG: {flag}" for flag in report["flags"]] or ["No differences."]
    return "\n".join(lines) + "\n"
