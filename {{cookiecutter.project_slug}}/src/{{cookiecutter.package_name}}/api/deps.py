"""The seams routes use: who is calling, and what they must be allowed to do.

Routes declare their needs in their signature and read like prose::

    CanWrite = Annotated[Principal, require_permissions("orders:write")]

    @router.post("/orders")
    async def create_order(order: OrderIn, principal: CanWrite) -> Order: ...
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.openapi.models import APIKey, APIKeyIn
from fastapi.security.base import SecurityBase

from ..identity.errors import PermissionDenied
from ..identity.principal import Principal
from ..openapi import PRINCIPAL_SCHEME


class PrincipalDependency(SecurityBase):
    """Authenticates the request. Being a security scheme, it also makes FastAPI mark
    every route that uses it in OpenAPI (openapi.py names the real schemes), at no
    extra per-request cost."""

    def __init__(self) -> None:
        self.model = APIKey(**{"in": APIKeyIn.header}, name="identity")
        self.scheme_name = PRINCIPAL_SCHEME

    async def __call__(self, request: Request) -> Principal:
        principal = await request.app.state.authenticator.authenticate(request)
        request.state.audit.record_principal(principal)
        return principal


current_principal = PrincipalDependency()
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_permissions(*permissions: str) -> Any:
    """A dependency that passes only principals holding every listed permission."""
    needed = frozenset(permissions)

    async def check(principal: CurrentPrincipal) -> Principal:
        if not needed <= principal.permissions:
            missing = ",".join(sorted(needed - principal.permissions))
            raise PermissionDenied(f"missing_permission:{missing}")
        return principal

    check.required_permissions = needed
    return Depends(check)


def require_roles(*roles: str) -> Any:
    """A dependency that passes only principals holding at least one listed role."""
    allowed = frozenset(roles)

    async def check(principal: CurrentPrincipal) -> Principal:
        if not allowed & principal.roles:
            raise PermissionDenied("missing_role:" + ",".join(sorted(allowed)))
        return principal

    check.required_roles = allowed
    return Depends(check)
