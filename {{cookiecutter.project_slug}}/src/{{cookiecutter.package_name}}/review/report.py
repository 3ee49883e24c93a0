"""The effective-permissions report: group -> roles -> permissions -> routes, and risks.

It reads the role map files as written (so it can show entries the app would refuse at
start-up) and the app's routes, and flags what a reviewer should look at twice.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal, TypedDict

from fastapi import FastAPI

from ..authorization.permissions import Requirement
from ..authorization.roles import RoleMap, RoleMapError
from .role_maps import WrittenRoleMap, read_role_map
from .routes import RouteAccess, route_access

BROAD_GROUP = re.compile(
    r"^(everyone|all[ _-]?users|authenticated[ _-]?users|domain users|users|employees|staff"
    r"|default-roles-.*|offline_access)$",
    re.IGNORECASE,
)


class GroupRow(TypedDict):
    group: str
    roles: list[str]
    permissions: list[str]
    routes: list[str]


class FileReport(TypedDict):
    rows: list[GroupRow]
    flags: list[str]


Access = Literal["public", "unchecked", "signed-in", "guarded"]


class RouteRow(TypedDict):
    """``needs`` for people; ``access``, ``permissions`` and ``roles`` for ``review diff``."""

    route: str
    needs: str
    source: str
    access: Access
    permissions: list[str]
    roles: list[str]


class Report(TypedDict):
    """The report as data; render_json prints it as it is."""

    files: dict[str, FileReport]
    routes: list[RouteRow]
    flags: list[str]


def build_report(app: FastAPI, files: list[Path], production: Path | None = None) -> Report:
    """``production``, when among ``files``, is the one every other file is compared with
    (else the first file)."""
    routes = route_access(app)
    report: Report = {"files": {}, "routes": [route_row(route) for route in routes], "flags": []}
    grants_by_file: dict[str, dict[str, set[str]]] = {}
    for path in files:
        role_map = read_role_map(path)
        rows: list[GroupRow] = []
        for group, granted in role_map.groups.items():
            permissions = role_map.permissions_of(granted)
            rows.append({
                "group": group,
                "roles": sorted(granted),
                "permissions": sorted(permissions),
                "routes": [label(r) for r in routes if unlocks(r, granted, permissions)],
            })  # fmt: skip
        grants_by_file[str(path)] = {row["group"]: set(row["permissions"]) for row in rows}
        report["files"][str(path)] = {"rows": rows, "flags": _flags(path, role_map, routes)}
    if files:
        base = production if production in files else files[0]
        report["flags"] = _differences(grants_by_file, str(base))
    return report


def _flags(path: Path, role_map: WrittenRoleMap, routes: list[RouteAccess]) -> list[str]:
    flags = []
    try:
        RoleMap.from_dict(role_map.data, source=str(path))
    except RoleMapError as error:
        flags.append(f"the app refuses this file at start-up: {error}")
    roles, groups = role_map.roles, role_map.groups
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


def _differences(grants_by_file: dict[str, dict[str, set[str]]], base: str) -> list[str]:
    flags = []
    for other in (name for name in grants_by_file if name != base):
        for first, second in ((other, base), (base, other)):
            for group, permissions in grants_by_file[first].items():
                extra = permissions - grants_by_file[second].get(group, set())
                if extra:
                    listed = ", ".join(sorted(extra))
                    flags.append(f"{first} grants {group!r} {listed}; {second} does not")
    return flags


def unlocks(route: RouteAccess, roles: frozenset[str], permissions: frozenset[str]) -> bool:
    """A caller holding ``roles`` and ``permissions`` passes the route's guard (public
    and signed-in-only routes are left out: they are open to more than a role map says)."""
    if not route.guarded:
        return False
    return Requirement(route.permissions, route.roles).admits(roles, permissions)


def label(route: RouteAccess) -> str:
    return f"{'/'.join(route.methods)} {route.path}"


def route_row(route: RouteAccess) -> RouteRow:
    access: Access
    if route.public:
        access, needs = "public", "public"
    elif not route.authenticated:
        access, needs = "unchecked", "NO ACCESS CHECK"
    elif not route.guarded:
        access, needs = "signed-in", "any signed-in caller"
    else:
        access, needs = "guarded", needs_text(route.permissions, route.roles)
    return {
        "route": label(route),
        "needs": needs,
        "source": route.source,
        "access": access,
        "permissions": sorted(route.permissions),
        "roles": sorted(route.roles),
    }


def needs_text(permissions: frozenset[str], roles: frozenset[str]) -> str:
    return ", ".join(
        [*(f"permission {p}" for p in sorted(permissions)), *(f"role {r}" for r in sorted(roles))]
    )


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
