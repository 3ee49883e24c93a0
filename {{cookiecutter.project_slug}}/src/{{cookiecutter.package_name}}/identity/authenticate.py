"""Who is calling: the one place that picks the identity source and reads it.

A request is authenticated by exactly one source. When identity headers and a
bearer token arrive together the request is refused: the edge sends headers only
on signed-in paths and passes tokens only on API paths, so both at once means a
misrouted or forged request, and mixing one source's identity with the other's
privileges must never happen. Identity headers are looked at first, and their peer
checked before anything else is parsed, so a forged header is always named as such.
"""

from __future__ import annotations

from starlette.requests import Request

from ..peer import EdgeNetworks
from .edge import EdgeHeaderReader
from .errors import AuthenticationFailed
from .principal import Identity
from .tokens import TokenVerifier

ONLY_FROM_THE_EDGE = "Identity headers are accepted only from the edge."


class Authenticator:
    def __init__(
        self,
        *,
        edge_networks: EdgeNetworks,
        edge_headers: EdgeHeaderReader,
        accept_edge_headers: bool,
        tokens: TokenVerifier | None,
    ) -> None:
        self.edge_networks = edge_networks
        self.edge_headers = edge_headers
        self.accept_edge_headers = accept_edge_headers
        self.tokens = tokens

    async def identify(self, request: Request) -> Identity:
        found = self.edge_headers.find(request.scope["headers"])
        if found:
            self._check_edge_peer(request)
            if self.tokens and _bearer_token(request) is not None:
                raise AuthenticationFailed(
                    "ambiguous_credentials",
                    "Send either edge identity headers or a bearer token, not both.",
                )
            return self.edge_headers.read(found)
        token = _bearer_token(request) if self.tokens else None
        if self.tokens and token is not None:
            return await self.tokens.verify(token)
        raise AuthenticationFailed("missing_credentials", "Authentication is required.")

    def _check_edge_peer(self, request: Request) -> None:
        peer = self.edge_networks.peer(request.scope)
        if not self.accept_edge_headers or not peer.from_edge:
            raise AuthenticationFailed(
                "identity_header_from_untrusted_peer", ONLY_FROM_THE_EDGE, spoofing=True
            )
        if peer.rewritten:
            raise AuthenticationFailed(
                "peer_address_from_forwarded_header", ONLY_FROM_THE_EDGE, spoofing=True
            )


def _bearer_token(request: Request) -> str | None:
    headers: list[tuple[bytes, bytes]] = request.scope["headers"]
    values = [value for name, value in headers if name == b"authorization"]
    if not values:
        return None
    if len(values) > 1:
        raise AuthenticationFailed(
            "duplicate_authorization_header", "Send one Authorization header."
        )
    scheme, _, token = values[0].decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("not_a_bearer_token", "Use the Bearer scheme.", token_error=True)
    return token.strip()
