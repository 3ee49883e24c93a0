"""The authenticated caller as every route sees it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AuthSource = Literal["edge_headers", "bearer_token"]


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    display_name: str
    groups: frozenset[str]
    roles: frozenset[str]
    permissions: frozenset[str]
    auth_source: AuthSource
    issuer: str | None = None
    scopes: frozenset[str] = frozenset()
