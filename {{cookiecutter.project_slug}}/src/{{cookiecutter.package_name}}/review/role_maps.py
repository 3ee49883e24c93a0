"""Role map files as written, for review: names are not checked, so an entry the app would
refuse at start-up (a wildcard added by hand) is still read and can be shown."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values


class ReviewError(Exception):
    """A file or a ref the review cannot read; the message names it (exit 2)."""


@dataclass(frozen=True)
class WrittenRoleMap:
    data: dict[str, object]
    roles: dict[str, frozenset[str]]
    groups: dict[str, frozenset[str]]

    def permissions_of(self, roles: frozenset[str]) -> frozenset[str]:
        return frozenset().union(*(self.roles.get(role, frozenset()) for role in roles))


EMPTY = WrittenRoleMap({}, {}, {})
PRODUCTION_SETTINGS = Path("config/production.env")
DEFAULT_ROLE_MAP = "config/roles.toml"


def role_map_files(root: Path) -> list[Path]:
    """Every role map file of a project: config/roles.toml and one per environment."""
    return sorted((root / "config").glob("roles*.toml"))


def production_role_map(root: Path) -> str:
    """The role map production reads: ROLE_MAP_FILE in config/production.env."""
    path = root / PRODUCTION_SETTINGS
    written = dotenv_values(path).get("ROLE_MAP_FILE") if path.is_file() else None
    return Path(written or DEFAULT_ROLE_MAP).as_posix()


def read_role_map(path: Path, name: str | None = None) -> WrittenRoleMap:
    """The file at ``path``; errors name it as ``name`` (default: the path)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ReviewError(f"{name or path}: {exc}") from None
    roles = {
        role: frozenset(_strings(body.get("permissions") if isinstance(body, dict) else None))
        for role, body in _table(data, "roles").items()
    }
    groups = {group: frozenset(_strings(roles)) for group, roles in _table(data, "groups").items()}
    return WrittenRoleMap(data, roles, groups)


def _table(data: dict[str, object], name: str) -> dict[str, object]:
    found = data.get(name)
    return found if isinstance(found, dict) else {}


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []
