"""What a route requires of its caller, as data the route-guard review can read."""

from __future__ import annotations

from dataclasses import dataclass

from ..identity.principal import Principal


class PermissionDenied(Exception):
    """403: the caller is known but may not do this."""

    def __init__(self, reason: str, detail: str = "You are not allowed to do this.") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Requirement:
    """Every one of ``permissions``, and at least one of ``roles`` when any are named."""

    permissions: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()

    def admits(self, roles: frozenset[str], permissions: frozenset[str]) -> bool:
        """The same rule as ``check``, for the review, which asks it of role-map grants."""
        return self.permissions <= permissions and (not self.roles or bool(self.roles & roles))

    def check(self, principal: Principal) -> None:
        missing = self.permissions - principal.permissions
        if missing:
            raise PermissionDenied("missing_permission:" + ",".join(sorted(missing)))
        if self.roles and not self.roles & principal.roles:
            raise PermissionDenied("missing_role:" + ",".join(sorted(self.roles)))
