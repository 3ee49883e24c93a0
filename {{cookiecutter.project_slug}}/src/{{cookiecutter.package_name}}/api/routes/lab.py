"""Lab check only: show the headers exactly as the app received them from the edge.

Registered only when LAB_HEADER_ECHO=true, which start-up refuses in production.
Answers only the trusted edge, and never echoes credentials.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from ...authorization.permissions import PermissionDenied
from ..deps import ServicesDep

router = APIRouter(prefix="/lab", tags=["lab"], include_in_schema=False)
REDACTED = {b"authorization", b"cookie", b"proxy-authorization"}


@router.get("/headers")
async def echo_headers(request: Request, services: ServicesDep) -> dict[str, object]:
    peer = services.edge_networks.peer(request.scope)
    if not peer.from_edge or peer.rewritten:
        raise PermissionDenied("lab_echo_from_untrusted_peer", "Only the edge may call this.")
    return {
        "peer": peer.address,
        "headers": [
            [name.decode("latin-1"), "(redacted)" if name in REDACTED else value.decode("latin-1")]
            for name, value in request.scope["headers"]
        ],
    }
