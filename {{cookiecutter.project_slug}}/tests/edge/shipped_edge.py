"""Send requests through the appliance exactly as edge/ configures it."""

from __future__ import annotations

import base64
import uuid

import httpx
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.services import edge_header_rules
from {{ cookiecutter.package_name }}.settings import Settings

from ..support.edge_simulator import asgi_client
from .edge_profile import EdgeProfile

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
        self.last_request_id: str | None = None

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
        """The app's answer, or REFUSED. A door that inserts a request id inserts a new one
        (kept in `last_request_id`) the way the appliance does for each request."""
        door = self.profile.doors[door_name]
        sent = dict(headers or {})
        self.last_request_id = None
        if {name.lower() for name in sent} & door.refuses.keys():
            return REFUSED
        sent = {name: value for name, value in sent.items() if name.lower() not in door.strips}
        if door.signs_in:
            for header, (kind, _) in door.inserts.items():
                value = user if kind == "user" else self.separator.join(groups)
                if self.base64:
                    value = base64.b64encode(value.encode()).decode()
                sent[header] = value
        if door.request_id is not None:
            self.last_request_id = sent[door.request_id.header] = uuid.uuid4().hex
        return await self.client.request(method, path, headers=sent, **kwargs)
