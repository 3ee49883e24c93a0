"""Who is calling: what a source says (Identity), and what the app grants (Principal)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AuthSource = Literal["edge_headers", "bearer_token"]


@dataclass(frozen=True, slots=True)
class Identity:
    """The caller as one identity source read it, before the role map has spoken."""

    subject: str
    display_name: str
    groups: tuple[str, ...]
    source: AuthSource
    issuer: str | None = None
    scopes: frozenset[str] = frozenset()
    groups_overage: bool = False


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller as every route sees it."""

    subject: str
    display_name: str
    groups: frozenset[str]
    roles: frozenset[str]
    permissions: frozenset[str]
    auth_source: AuthSource
    issuer: str | None = None
    scopes: frozenset[str] = frozenset()
