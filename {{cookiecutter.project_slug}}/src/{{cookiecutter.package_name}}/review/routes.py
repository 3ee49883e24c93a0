"""Every route is either public on purpose or guarded: the list, and the check.

A route is guarded when its dependencies include the principal dependency and a
permission or role check (``require_permissions`` / ``require_roles``), and it settles
the caller before reading the body (``AuthenticatedRoute``). Routes that are open, or
that need only a signed-in caller, must be listed here by method and path, so that
opening one is a reviewed, visible change.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from starlette.routing import BaseRoute, Mount

from ..api.deps import AuthenticatedRoute, Guard, PrincipalDependency, dependency_calls

PUBLIC_ROUTES = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    ("GET", "/lab/headers"),  # lab only, off in production, answers only the edge
}
ANY_PRINCIPAL_ROUTES = {
    ("GET", "/v1/me"),
}


@dataclass(frozen=True)
class RouteAccess:
    methods: tuple[str, ...]
    path: str
    source: str
    authenticated: bool
    permissions: frozenset[str]
    roles: frozenset[str]
    before_body: bool = True

    @property
    def public(self) -> bool:
        return all((method, self.path) in PUBLIC_ROUTES for method in self.methods)

    @property
    def any_principal(self) -> bool:
        return all((method, self.path) in ANY_PRINCIPAL_ROUTES for method in self.methods)

    @property
    def guarded(self) -> bool:
        return self.authenticated and bool(self.permissions or self.roles)


def route_access(app: FastAPI) -> list[RouteAccess]:
    """Every endpoint of the app, with the checks its dependencies apply."""
    return sorted(_walk(app.routes, ""), key=lambda r: (r.path, r.methods))


def unguarded_routes(app: FastAPI) -> list[str]:
    """One message per route that is neither guarded nor listed as open on purpose."""
    problems = []
    for route in route_access(app):
        if route.authenticated and not route.before_body:
            problems.append(
                f"{' '.join(route.methods)} {route.path} ({route.source}) reads the body "
                "before it knows the caller: make its router with "
                "route_class=AuthenticatedRoute (api/deps.py)."
            )
        if route.guarded or route.public or (route.any_principal and route.authenticated):
            continue
        problems.append(
            f"{' '.join(route.methods)} {route.path} ({route.source}) has no access check. "
            'Guard it with Annotated[Principal, require_permissions("resource:action")] '
            "(or require_roles), or, if it is open on purpose, add it to PUBLIC_ROUTES in "
            "review/routes.py."
        )
    return problems


def _walk(routes: Sequence[BaseRoute], prefix: str) -> Iterator[RouteAccess]:
    for path, route in _flatten(routes):
        if isinstance(route, Mount) and route.routes:
            yield from _walk(route.routes, prefix + path)
            continue
        if isinstance(route, Mount):
            yield RouteAccess(
                methods=("ANY",),
                path=prefix + path,
                source=_source(type(route.app)),
                authenticated=False,
                permissions=frozenset(),
                roles=frozenset(),
            )
            continue
        dependant = getattr(route, "dependant", None)
        endpoint = getattr(route, "endpoint", None)
        methods = getattr(route, "methods", None) or {"WEBSOCKET"}
        checks = list(dependency_calls(dependant)) if dependant else []
        requirements = [check.requirement for check in checks if isinstance(check, Guard)]
        yield RouteAccess(
            methods=tuple(sorted(methods - {"HEAD"} or methods)),
            path=prefix + path,
            source=_source(endpoint),
            authenticated=any(isinstance(check, PrincipalDependency) for check in checks),
            permissions=frozenset().union(*(r.permissions for r in requirements)),
            roles=frozenset().union(*(r.roles for r in requirements)),
            before_body=isinstance(getattr(route, "original_route", route), AuthenticatedRoute),
        )


def _flatten(routes: Sequence[BaseRoute]) -> Iterator[tuple[str, object]]:
    """(full path, route) pairs; newer FastAPI keeps included routers unflattened."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        yield from ((getattr(route, "path", ""), route) for route in routes)
        return
    for context in iter_route_contexts(routes):
        route = context.route if isinstance(context.route, Mount) else context
        yield context.path or "", route


def _source(endpoint: object) -> str:
    if not callable(endpoint):
        return "source unknown"
    try:
        file = inspect.getsourcefile(endpoint)
        line = inspect.getsourcelines(endpoint)[1]
    except (TypeError, OSError):
        return "source unknown"
    if file is None:
        return "source unknown"
    path = Path(file)
    if path.is_relative_to(Path.cwd()):
        path = path.relative_to(Path.cwd())
    return f"{path.as_posix()}:{line}"
