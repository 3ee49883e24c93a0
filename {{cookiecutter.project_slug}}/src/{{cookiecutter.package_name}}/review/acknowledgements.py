"""Escalations a change means to make, acknowledged in a reviewed file.

    [[change]]
    what = "config/roles.toml: group 'Partner-Portal' gains role 'orders-writer'"
    why = "The partner portal places orders for its users (design review 2025-03)"
    ticket = "SEC-1234"

``what`` is an escalation exactly as ``review diff`` prints it. An entry counts only in
the change that adds it: one already on the ref never acknowledges a later escalation.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .role_maps import ReviewError

ACKNOWLEDGEMENTS = Path("config/access-changes.toml")
FIELDS = ("what", "why", "ticket")


@dataclass(frozen=True)
class Acknowledgement:
    what: str
    why: str
    ticket: str


def read_acknowledgements(root: Path) -> frozenset[Acknowledgement]:
    """The entries of ``root``'s file (none if it is missing); a bad entry is named."""
    path = root / ACKNOWLEDGEMENTS
    if not path.is_file():
        return frozenset()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ReviewError(f"{ACKNOWLEDGEMENTS}: {exc}") from None
    entries = data.get("change", [])
    if set(data) - {"change"} or not isinstance(entries, list):
        raise ReviewError(f"{ACKNOWLEDGEMENTS}: only [[change]] entries belong here")
    return frozenset(_entry(number, entry) for number, entry in enumerate(entries, 1))


def _entry(number: int, entry: object) -> Acknowledgement:
    where = f"{ACKNOWLEDGEMENTS}: [[change]] number {number}"
    if not isinstance(entry, dict) or set(entry) != set(FIELDS):
        raise ReviewError(f"{where}: needs exactly {', '.join(FIELDS)}")
    for field in FIELDS:
        if not isinstance(entry[field], str) or not entry[field].strip():
            raise ReviewError(f"{where}: {field} must be a non-empty string")
    return Acknowledgement(entry["what"], entry["why"].strip(), entry["ticket"].strip())
