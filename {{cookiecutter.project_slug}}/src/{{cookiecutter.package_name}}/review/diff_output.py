"""The diff for people (Markdown, for a pull request or a job summary) and for tools (JSON)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from .acknowledgements import ACKNOWLEDGEMENTS
from .diff import AccessDiff, Escalation, unacknowledged


def render_json(diff: AccessDiff) -> str:
    return json.dumps(diff, indent=2) + "\n"


def render_markdown(diff: AccessDiff) -> str:
    lines = [f"# Access changes against {diff['ref']}", "", *_summary(diff), ""]
    lines += _escalations(diff)
    lines += _table(
        "Groups",
        ["file", "group", "gains", "loses"],
        (
            [c["file"], f"`{c['group']}`",
             _kinds(c["roles_gained"], c["permissions_gained"], c["routes_gained"]),
             _kinds(c["roles_lost"], c["permissions_lost"], c["routes_lost"])]
            for c in diff["groups"]
        ),
    )  # fmt: skip
    lines += _table(
        "Roles",
        ["file", "role", "change", "gains", "loses"],
        (
            [c["file"], f"`{c['role']}`", c["change"],
             ", ".join(c["permissions_gained"]) or "-", ", ".join(c["permissions_lost"]) or "-"]
            for c in diff["roles"]
        ),
    )  # fmt: skip
    lines += _table(
        "Routes",
        ["route", "change", "before", "after"],
        ([f"`{c['route']}`", c["change"], c["before"], c["after"]] for c in diff["routes"]),
    )
    lines += _environments(diff)
    lines += _acknowledgement_template(unacknowledged(diff))
    return "\n".join(lines).rstrip("\n") + "\n"


def _summary(diff: AccessDiff) -> list[str]:
    total, open_ones = len(diff["escalations"]), len(unacknowledged(diff))
    if open_ones:
        return [
            f"**{_count(open_ones, 'escalation')} not acknowledged** (of {total}): each needs an "
            f"entry in {ACKNOWLEDGEMENTS}, reviewed by the security owners."
        ]
    if total:
        return [f"{_count(total, 'escalation')}, each acknowledged."]
    if diff["groups"] or diff["roles"] or diff["routes"]:
        return ["No escalations."]
    return ["No access changes."]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _escalations(diff: AccessDiff) -> list[str]:
    if not diff["escalations"] and not diff["unmatched_acknowledgements"]:
        return []
    lines = ["## Escalations", ""]
    for escalation in diff["escalations"]:
        acknowledged = escalation["acknowledged"]
        status = "acknowledged" if acknowledged else "**not acknowledged**"
        lines.append(f"- {status}: `{escalation['what']}` ({escalation['detail']})")
        if acknowledged:
            lines.append(f"  - why: {acknowledged['why']} (ticket: {acknowledged['ticket']})")
    for what in diff["unmatched_acknowledgements"]:
        lines.append(f"- an acknowledgement that matches no escalation: `{what}`")
    return [*lines, ""]


def _table(title: str, header: list[str], rows: Iterable[list[str]]) -> list[str]:
    body = ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    if not body:
        return []
    return [f"## {title}", "", "| " + " | ".join(header) + " |",
            "|" + " --- |" * len(header), *body, ""]  # fmt: skip


def _kinds(roles: list[str], permissions: list[str], routes: list[str]) -> str:
    parts = [
        f"{kind}: {', '.join(names)}"
        for kind, names in (("roles", roles), ("permissions", permissions), ("routes", routes))
        if names
    ]
    return "; ".join(parts) or "-"


def _environments(diff: AccessDiff) -> list[str]:
    if not diff["environments"]:
        return []
    lines = [f"## Environments compared with production ({diff['production']})", ""]
    for difference in diff["environments"]:
        parts = []
        if difference["only_here"]:
            parts.append(f"holds {', '.join(difference['only_here'])} only here")
        if difference["only_in_production"]:
            parts.append(f"lacks {', '.join(difference['only_in_production'])}")
        new = " (new in this change)" if difference["new"] else ""
        where = f"{difference['file']}: group {difference['group']!r}"
        lines.append(f"- {where} {'; '.join(parts)}{new}")
    return [*lines, ""]


def _acknowledgement_template(open_ones: list[Escalation]) -> list[str]:
    if not open_ones:
        return []
    lines = [
        "## To acknowledge",
        "",
        f"Once the security owners agree, add to {ACKNOWLEDGEMENTS} in this change:",
        "",
        "```toml",
    ]
    for escalation in open_ones:
        what = json.dumps(escalation["what"])
        lines += ["[[change]]", f"what = {what}", 'why = ""', 'ticket = ""', ""]
    return [*lines[:-1], "```", ""]
