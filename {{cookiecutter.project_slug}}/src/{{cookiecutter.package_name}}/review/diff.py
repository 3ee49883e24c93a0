"""What a change gives to whom: two sides compared, and the escalations among the changes.

Escalations (each needs an acknowledgement added in the same change):
- a group newly mapped to a role (the detail says which other roles' permissions it holds)
- a role that gains permissions while some group holds it
- a wildcard in a permission or a group name
- a route with no access check, newly public, or newly open to any signed-in caller
- a guarded route that asks less than before, or a new guarded route some group reaches
- production reading another role map file
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypedDict

from .acknowledgements import Acknowledgement
from .role_maps import EMPTY, WrittenRoleMap
from .sides import RouteNeeds, Side


class GroupChange(TypedDict):
    file: str
    group: str
    roles_gained: list[str]
    roles_lost: list[str]
    permissions_gained: list[str]
    permissions_lost: list[str]
    routes_gained: list[str]
    routes_lost: list[str]


class RoleChange(TypedDict):
    file: str
    role: str
    change: str
    permissions_gained: list[str]
    permissions_lost: list[str]


class RouteChange(TypedDict):
    route: str
    change: str
    before: str
    after: str


class EnvironmentDifference(TypedDict):
    file: str
    group: str
    only_here: list[str]
    only_in_production: list[str]
    new: bool


class AcknowledgementEntry(TypedDict):
    why: str
    ticket: str


class Escalation(TypedDict):
    what: str
    detail: str
    acknowledged: AcknowledgementEntry | None


class AccessDiff(TypedDict):
    """The diff as data; diff_output.render_json prints it as it is."""

    ref: str
    commit: str
    production: str
    escalations: list[Escalation]
    groups: list[GroupChange]
    roles: list[RoleChange]
    routes: list[RouteChange]
    environments: list[EnvironmentDifference]
    unmatched_acknowledgements: list[str]


def compare(before: Side, after: Side, commit: str) -> AccessDiff:
    found = list(_escalations(before, after))
    added = after.acknowledgements - before.acknowledgements
    by_what = {entry.what: entry for entry in sorted(added, key=lambda entry: entry.ticket)}
    whats = {what for what, _ in found}
    return {
        "ref": before.name,
        "commit": commit,
        "production": after.production,
        "escalations": [
            {"what": what, "detail": detail, "acknowledged": _entry(by_what.get(what))}
            for what, detail in found
        ],
        "groups": list(_group_changes(before, after)),
        "roles": list(_role_changes(before, after)),
        "routes": list(_route_changes(before, after)),
        "environments": list(_environment_differences(before, after)),
        "unmatched_acknowledgements": sorted(what for what in by_what if what not in whats),
    }


def unacknowledged(diff: AccessDiff) -> list[Escalation]:
    return [escalation for escalation in diff["escalations"] if not escalation["acknowledged"]]


def _entry(acknowledgement: Acknowledgement | None) -> AcknowledgementEntry | None:
    if acknowledgement is None:
        return None
    return {"why": acknowledgement.why, "ticket": acknowledgement.ticket}


def _escalations(before: Side, after: Side) -> Iterator[tuple[str, str]]:
    if after.production != before.production:
        yield (
            f"production reads {after.production} instead of {before.production}",
            "ROLE_MAP_FILE in config/production.env",
        )
    for file, now in after.role_maps.items():
        yield from _role_map_escalations(file, before.role_maps.get(file, EMPTY), now)
    for route, needs in after.routes.items():
        escalation = _route_escalation(route, before.routes.get(route), needs)
        if escalation:
            yield escalation
        elif route not in before.routes and needs.access == "guarded":
            reached = _reached_by(after, needs)
            if reached:
                yield f"new route {route} ({needs.needs})", "reached by " + "; ".join(reached)


def _role_map_escalations(
    file: str, was: WrittenRoleMap, now: WrittenRoleMap
) -> Iterator[tuple[str, str]]:
    for group, roles in now.groups.items():
        if "*" in group and group not in was.groups:
            yield f"{file}: group {group!r} has a wildcard in its name", "matching is exact"
        for role in sorted(roles - was.groups.get(group, frozenset())):
            yield f"{file}: group {group!r} gains role {role!r}", _role_detail(now, role)
    for role, permissions in now.roles.items():
        added = permissions - was.roles.get(role, frozenset())
        for wildcard in sorted(permission for permission in added if "*" in permission):
            what = f"{file}: role {role!r} has wildcard permission {wildcard!r}"
            yield what, "the app refuses it at start-up"
        gained = permissions - was.roles.get(role, permissions)
        holders = sorted(group for group, roles in now.groups.items() if role in roles)
        if gained and holders:
            yield (
                f"{file}: role {role!r} gains {', '.join(sorted(gained))}",
                "held by " + ", ".join(map(repr, holders)),
            )


def _role_detail(role_map: WrittenRoleMap, role: str) -> str:
    permissions = role_map.roles.get(role, frozenset())
    detail = ", ".join(sorted(permissions)) or "no permissions"
    covered = sorted(
        other
        for other, held in role_map.roles.items()
        if other != role and held and held <= permissions
    )
    if covered:
        detail += "; holds every permission of " + ", ".join(map(repr, covered))
    return detail


def _route_escalation(
    route: str, was: RouteNeeds | None, now: RouteNeeds
) -> tuple[str, str] | None:
    before = f"was: {was.needs}" if was else "a new route"
    if now.access == "unchecked" and (was is None or was.access != "unchecked"):
        return f"route {route} has no access check", before
    if now.access == "public" and (was is None or was.access != "public"):
        return f"route {route} is public", before
    if now.access == "signed-in" and (was is None or was.access == "guarded"):
        return f"route {route} is open to any signed-in caller", before
    if was and was.access == "guarded" and now.access == "guarded" and _asks_less(was, now):
        return f"route {route} needs {now.needs} instead of {was.needs}", "a looser guard"
    return None


def _asks_less(was: RouteNeeds, now: RouteNeeds) -> bool:
    """Some caller refused before passes now."""
    roles_widened = bool(was.roles) and (not now.roles or bool(now.roles - was.roles))
    return bool(was.permissions - now.permissions) or roles_widened


def _reached_by(side: Side, needs: RouteNeeds) -> list[str]:
    reached = []
    for file, role_map in side.role_maps.items():
        groups = [
            group
            for group, roles in role_map.groups.items()
            if needs.reached_by(roles, role_map.permissions_of(roles))
        ]
        if groups:
            reached.append(f"{', '.join(map(repr, groups))} in {file}")
    return reached


def _group_changes(before: Side, after: Side) -> Iterator[GroupChange]:
    for file in sorted(before.role_maps.keys() | after.role_maps.keys()):
        was = before.role_maps.get(file, EMPTY)
        now = after.role_maps.get(file, EMPTY)
        for group in sorted(was.groups.keys() | now.groups.keys()):
            roles_was = was.groups.get(group, frozenset())
            roles_now = now.groups.get(group, frozenset())
            permissions_was = was.permissions_of(roles_was)
            permissions_now = now.permissions_of(roles_now)
            routes_was = _routes_reached(before, roles_was, permissions_was)
            routes_now = _routes_reached(after, roles_now, permissions_now)
            if (roles_was, permissions_was, routes_was) == (roles_now, permissions_now, routes_now):
                continue
            yield {
                "file": file,
                "group": group,
                "roles_gained": sorted(roles_now - roles_was),
                "roles_lost": sorted(roles_was - roles_now),
                "permissions_gained": sorted(permissions_now - permissions_was),
                "permissions_lost": sorted(permissions_was - permissions_now),
                "routes_gained": [route for route in routes_now if route not in routes_was],
                "routes_lost": [route for route in routes_was if route not in routes_now],
            }


def _routes_reached(side: Side, roles: frozenset[str], permissions: frozenset[str]) -> list[str]:
    return [route for route, needs in side.routes.items() if needs.reached_by(roles, permissions)]


def _role_changes(before: Side, after: Side) -> Iterator[RoleChange]:
    for file in sorted(before.role_maps.keys() | after.role_maps.keys()):
        was = before.role_maps.get(file, EMPTY).roles
        now = after.role_maps.get(file, EMPTY).roles
        for role in sorted(was.keys() | now.keys()):
            if role in was and role in now and was[role] == now[role]:
                continue
            held_before, held_now = was.get(role, frozenset()), now.get(role, frozenset())
            change = "added" if role not in was else "removed" if role not in now else "changed"
            yield {
                "file": file,
                "role": role,
                "change": change,
                "permissions_gained": sorted(held_now - held_before),
                "permissions_lost": sorted(held_before - held_now),
            }


def _route_changes(before: Side, after: Side) -> Iterator[RouteChange]:
    for route in sorted(before.routes.keys() | after.routes.keys(), key=_route_order):
        was, now = before.routes.get(route), after.routes.get(route)
        if was == now:
            continue
        yield {
            "route": route,
            "change": _route_change(was, now),
            "before": was.needs if was else "-",
            "after": now.needs if now else "-",
        }


def _route_order(route: str) -> tuple[str, str]:
    methods, _, path = route.partition(" ")
    return path, methods


RANK = {"unchecked": 0, "public": 0, "signed-in": 1, "guarded": 2}


def _route_change(was: RouteNeeds | None, now: RouteNeeds | None) -> str:
    if was is None:
        return "added"
    if now is None:
        return "removed"
    if now.access == "public":
        return "made public"
    if now.access == "unchecked":
        return "no access check"
    if RANK[now.access] != RANK[was.access]:
        return "guard added" if RANK[now.access] > RANK[was.access] else "loosened"
    if now.access == "guarded":
        asks_more = _asks_less(now, was)
        if _asks_less(was, now):
            return "loosened and tightened" if asks_more else "loosened"
        if asks_more:
            return "tightened"
    return "changed"


def _environment_differences(before: Side, after: Side) -> Iterator[EnvironmentDifference]:
    known = {(d["file"], d["group"], tuple(d["only_here"]), tuple(d["only_in_production"]))
             for d in _differences_from_production(before)}  # fmt: skip
    for difference in _differences_from_production(after):
        key = (difference["file"], difference["group"], tuple(difference["only_here"]),
               tuple(difference["only_in_production"]))  # fmt: skip
        difference["new"] = key not in known
        yield difference


def _differences_from_production(side: Side) -> Iterator[EnvironmentDifference]:
    production = side.role_maps.get(side.production, EMPTY)
    for file, role_map in side.role_maps.items():
        if file == side.production:
            continue
        for group in sorted(role_map.groups.keys() | production.groups.keys()):
            here = role_map.permissions_of(role_map.groups.get(group, frozenset()))
            there = production.permissions_of(production.groups.get(group, frozenset()))
            if here != there:
                yield {
                    "file": file,
                    "group": group,
                    "only_here": sorted(here - there),
                    "only_in_production": sorted(there - here),
                    "new": True,
                }
