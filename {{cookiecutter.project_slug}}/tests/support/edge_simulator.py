"""Send requests the way the configured edge appliance would.

The simulator speaks from an address in the trusted edge networks and uses the
header names, group separator and encoding the app expects from that appliance.
"""

from __future__ import annotations

import base64

import httpx
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.services import edge_header_rules
from {{ cookiecutter.package_name }}.settings import Settings

EDGE_ADDRESS = "10.20.0.5"
OUTSIDER_ADDRESS = "203.0.113.7"


def asgi_client(app: FastAPI, address: str) -> httpx.AsyncClient:
    """A client whose requests reach the app from `address`, as if over TCP."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 41000)),
        base_url="http://service.test",
    )


class EdgeSimulator:
    def __init__(self, app: FastAPI, settings: Settings, address: str = EDGE_ADDRESS) -> None:
        self.rules = edge_header_rules(settings)
        self.client = asgi_client(app, address)

    def identity_headers(self, user: str, groups: list[str] = ()) -> dict[str, str]:
        values = {
            self.rules.user_header: user,
            self.rules.groups_header: self.rules.separator.join(groups),
        }
        if self.rules.base64:
            values = {name: base64.b64encode(v.encode()).decode() for name, v in values.items()}
        return values

    async def request(
        self,
        method: str,
        path: str,
        *,
        user: str,
        groups: list[str] = (),
        headers: dict[str, str] | None = None,
        **kwargs,
    ) -> httpx.Response:
        """A signed-in user's request: client copies of identity headers are replaced."""
        sent = {
            name: value
            for name, value in (headers or {}).items()
            if name.lower() not in (self.rules.user_header, self.rules.groups_header)
        }
        sent |= self.identity_headers(user, groups)
        return await self.client.request(method, path, headers=sent, **kwargs)

    async def pass_through(self, method: str, path: str, **kwargs) -> httpx.Response:
        """A request on the API path: forwarded as the client sent it, no sign-in."""
        return await self.client.request(method, path, **kwargs)
