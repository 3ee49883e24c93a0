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

from .edge_profile import EdgeProfile

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


REFUSED = "refused by the edge"


class ShippedEdge:
    """The appliance exactly as edge/ configures it, in front of the real app.

    Header names, what is stripped or refused, and (where the configuration fixes it)
    the group separator come from the shipped configuration, not from the app settings.
    """

    def __init__(self, app: FastAPI, profile: EdgeProfile, settings: Settings) -> None:
        self.profile = profile
        fixed = profile.groups_separator
        self.separator = fixed[0] if fixed else edge_header_rules(settings).separator
        self.base64 = settings.edge_headers_base64
        network = settings.trusted_edge_networks[0]
        address = str(network.network_address if network.num_addresses == 1 else network[1])
        self.client = asgi_client(app, address)

    async def send(
        self,
        door_name: str,
        method: str,
        path: str,
        *,
        user: str = "",
        groups: list[str] = (),
        headers: dict[str, str] | None = None,
        **kwargs,
    ) -> httpx.Response | str:
        door = self.profile.doors[door_name]
        sent = dict(headers or {})
        if {name.lower() for name in sent} & door.refuses.keys():
            return REFUSED
        sent = {name: value for name, value in sent.items() if name.lower() not in door.strips}
        if door.signs_in:
            for header, (kind, _) in door.inserts.items():
                value = user if kind == "user" else self.separator.join(groups)
                if self.base64:
                    value = base64.b64encode(value.encode()).decode()
                sent[header] = value
        return await self.client.request(method, path, headers=sent, **kwargs)
