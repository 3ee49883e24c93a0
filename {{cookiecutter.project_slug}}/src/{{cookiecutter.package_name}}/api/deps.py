"""The seams routes use: who is calling, what they must be allowed to do, the services.

Routes declare their needs in their signature and read like prose::

    @router.post("/orders")
    async def create_order(order: OrderIn, principal: CanWrite) -> Order: ...

Routers are made with ``route_class=AuthenticatedRoute`` (create_app sets it for routes
added to the app itself), so the caller is known before the body is read.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.openapi.models import APIKey, APIKeyIn
from fastapi.routing import APIRoute
from fastapi.security.base import SecurityBase

from ..authorization.permissions import Requirement
from ..identity.principal import Principal
from ..openapi import PRINCIPAL_SCHEME
from ..services import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


class PrincipalDependency(SecurityBase):
    """Authenticates the request once and grants it its roles. Being a security scheme,
    it also makes FastAPI mark every route that uses it in OpenAPI (openapi.py puts how
    identity arrives, and the refusals, in its place), at no extra per-request cost."""

    def __init__(self) -> None:
        self.model = APIKey.model_validate({"in": APIKeyIn.header, "name": "identity"})
        self.scheme_name = PRINCIPAL_SCHEME

    async def __call__(self, request: Request) -> Principal:
        principal: Principal | None = getattr(request.state, "principal", None)
        if principal is None:
            services = get_services(request)
            identity = await services.authenticator.identify(request)
            principal = services.role_map.principal_for(identity)
            request.state.principal = principal
        return principal


current_principal = PrincipalDependency()
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


class Guard(PrincipalDependency):
    """The principal, provided it meets a route's Requirement: one dependency, not a
    check stacked on the principal's. The route-guard review reads ``requirement``."""

    def __init__(self, requirement: Requirement) -> None:
        super().__init__()
        self.requirement = requirement

    async def __call__(self, request: Request) -> Principal:
        principal = await super().__call__(request)
        self.requirement.check(principal)
        return principal


def require_permissions(*permissions: str) -> Any:
    """A dependency that passes only principals holding every listed permission."""
    return Depends(Guard(Requirement(permissions=frozenset(permissions))))


def require_roles(*roles: str) -> Any:
    """A dependency that passes only principals holding at least one listed role."""
    return Depends(Guard(Requirement(roles=frozenset(roles))))


AdminOnly = Annotated[Principal, require_roles("admin")]


def dependency_calls(dependant: Dependant) -> Iterator[object]:
    """Every dependency a route solves, its sub-dependencies included."""
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from dependency_calls(dependency)


class AuthenticatedRoute(APIRoute):
    """A route that settles who is calling before FastAPI reads the body.

    FastAPI parses a request body before it solves dependencies, so a route guarded by a
    dependency alone answers an unauthenticated request with a malformed body 422, and a
    forged identity header sent with one is never refused as such. On routes whose
    dependencies ask for the principal, this one authenticates first and checks the
    route's requirements, so the body is read only for a caller who may send it.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        calls = list(dependency_calls(self.dependant))
        if not any(isinstance(call, PrincipalDependency) for call in calls):
            return handler
        requirements = [call.requirement for call in calls if isinstance(call, Guard)]

        async def authenticate_first(request: Request) -> Response:
            principal = await current_principal(request)
            for requirement in requirements:
                requirement.check(principal)
            return await handler(request)

        return authenticate_first
