"""The role map: IdP groups or claim values -> app roles -> permissions.

Deny by default: a group the map does not name grants nothing, and matching is
exact (no case folding, no trimming, no wildcards). The file is validated at
start-up; an error names the file and the entry.

    [roles.orders-reader]
    description = "Reads orders"
    permissions = ["orders:read"]

    [groups]
    "Orders-Readers" = ["orders-reader"]
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..identity.principal import Identity, Principal
from ..settings import SettingsError
from .permissions import PermissionDenied

PRINCIPAL_CACHE = 1024

ROLE_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
PERMISSION = re.compile(r"^[a-z][a-z0-9_.-]*:[a-z][a-z0-9_.-]*$")


class RoleMapError(SettingsError):
    pass


@dataclass(frozen=True, slots=True)
class Grant:
    roles: frozenset[str]
    permissions: frozenset[str]


NOTHING = Grant(frozenset(), frozenset())


class RoleMap:
    def __init__(
        self,
        roles: Mapping[str, frozenset[str]],
        groups: Mapping[str, frozenset[str]],
        source: str,
    ) -> None:
        self.roles = dict(roles)
        self.groups = dict(groups)
        self.source = source
        # The same identity always gets the same grant: remember recent ones.
        # Refusals raise, so they are never remembered.
        self.principal_for = lru_cache(maxsize=PRINCIPAL_CACHE)(self._principal_for)

    @classmethod
    def load(cls, path: Path) -> RoleMap:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise RoleMapError(f"{path}: cannot read the role map ({exc.strerror})") from None
        except tomllib.TOMLDecodeError as exc:
            raise RoleMapError(f"{path}: not valid TOML ({exc})") from None
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: Mapping[str, object], source: str) -> RoleMap:
        def fail(where: str, problem: str) -> RoleMapError:
            return RoleMapError(f"{source}: {where}: {problem}")

        def table(name: str) -> dict[str, object]:
            found = data.get(name) or {}
            if not isinstance(found, dict):
                raise fail(f"[{name}]", "must be a table")
            return found

        unknown = set(data) - {"roles", "groups"}
        if unknown:
            raise fail(", ".join(sorted(unknown)), "unknown table; only [roles] and [groups]")
        roles: dict[str, frozenset[str]] = {}
        for name, body in table("roles").items():
            where = f"[roles.{name}]"
            if not ROLE_NAME.match(name):
                raise fail(where, "role names are lowercase letters, digits, '.', '_', '-'")
            if not isinstance(body, dict) or set(body) - {"description", "permissions"}:
                raise fail(where, "a role has only 'description' and 'permissions'")
            permissions = body.get("permissions", [])
            if not isinstance(permissions, list):
                raise fail(where, "'permissions' must be a list")
            for permission in permissions:
                if not isinstance(permission, str) or not PERMISSION.match(permission):
                    raise fail(where, f"permission {permission!r} must look like 'resource:action'")
            roles[name] = frozenset(permissions)
        groups: dict[str, frozenset[str]] = {}
        for group, granted in table("groups").items():
            where = f"[groups] {group!r}"
            if not group or group != group.strip():
                raise fail(where, "group names may not be empty or start or end with spaces")
            if not isinstance(granted, list) or not all(isinstance(r, str) for r in granted):
                raise fail(where, "must be a list of role names")
            undefined = sorted(set(granted) - set(roles))
            if undefined:
                raise fail(where, f"role {undefined[0]!r} is not defined under [roles]")
            groups[group] = frozenset(granted)
        return cls(roles, groups, source)

    def resolve(self, groups: Iterable[str]) -> Grant:
        roles = frozenset(role for group in groups for role in self.groups.get(group, ()))
        if not roles:
            return NOTHING
        permissions = frozenset(p for role in roles for p in self.roles[role])
        return Grant(roles, permissions)

    def _principal_for(self, identity: Identity) -> Principal:
        """The Principal for an identity: its groups' roles and their permissions."""
        if identity.groups_overage:
            raise PermissionDenied(
                "groups_overage",
                "The IdP left out your groups because there are too many; "
                "ask for an app role instead.",
            )
        grant = self.resolve(identity.groups)
        return Principal(
            subject=identity.subject,
            display_name=identity.display_name,
            groups=frozenset(identity.groups),
            roles=grant.roles,
            permissions=grant.permissions,
            auth_source=identity.source,
            issuer=identity.issuer,
            scopes=identity.scopes,
        )
