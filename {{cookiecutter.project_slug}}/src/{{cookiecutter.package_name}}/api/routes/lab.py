"""Lab check only: show the headers exactly as the app received them from the edge.

Registered only when LAB_HEADER_ECHO=true, which start-up refuses in production.
Answers only the trusted edge, and never echoes credentials.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from ...identity.errors import PermissionDenied

router = APIRouter(prefix="/lab", tags=["lab"], include_in_schema=False)
REDACTED = {b"authorization", b"cookie", b"proxy-authorization"}


@router.get("/headers")
async def echo_headers(request: Request) -> dict[str, object]:
    peer = request.client.host if request.client else None
    if not request.app.state.authenticator.trusted_networks.contains(peer):
        raise PermissionDenied("lab_echo_from_untrusted_peer", "Only the edge may call this.")
    return {
        "peer": peer,
        "headers": [
            [name.decode("latin-1"), "(redacted)" if name in REDACTED else value.decode("latin-1")]
            for name, value in request.scope["headers"]
        ],
    }
