"""The one place that decides who the caller is.

A request is authenticated by exactly one source. When identity headers and a
bearer token arrive together the request is refused: the edge sends headers only
on signed-in paths and passes tokens only on API paths, so both at once means a
misrouted or forged request, and mixing one source's identity with the other's
privileges must never happen.
"""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Address, IPv6Address, ip_address

from starlette.requests import Request

from .edge import (
    EdgeHeaderRules,
    TrustedNetworks,
    find_identity_headers,
    parse_edge_identity,
    single_values,
)
from .errors import AuthenticationFailed, PermissionDenied
from .principal import Principal
from .roles import RoleMap
from .tokens import TokenVerifier

EDGE_PRINCIPAL_CACHE = 1024


class Authenticator:
    def __init__(
        self,
        *,
        edge_rules: EdgeHeaderRules,
        accept_edge_headers: bool,
        trusted_networks: TrustedNetworks,
        verifier: TokenVerifier | None,
        role_map: RoleMap,
    ) -> None:
        self.edge_rules = edge_rules
        self.accept_edge_headers = accept_edge_headers
        self.trusted_networks = trusted_networks
        self.verifier = verifier
        self.role_map = role_map
        # The same header values always give the same principal: remember recent ones.
        # Refusals raise, so they are never remembered.
        self._edge_principal = lru_cache(maxsize=EDGE_PRINCIPAL_CACHE)(self._principal_from_headers)

    async def authenticate(self, request: Request) -> Principal:
        found = find_identity_headers(request.scope["headers"], self.edge_rules)
        if found:
            self._check_edge_peer(request)
            if self.verifier and self._bearer_token(request) is not None:
                raise AuthenticationFailed(
                    "ambiguous_credentials",
                    "Send either edge identity headers or a bearer token, not both.",
                )
            return self._from_edge(found)
        token = self._bearer_token(request) if self.verifier else None
        if token is not None:
            return await self._from_token(token)
        raise AuthenticationFailed("missing_credentials", "Authentication is required.")

    def _check_edge_peer(self, request: Request) -> None:
        peer = request.client.host if request.client else None
        if not self.accept_edge_headers or not self.trusted_networks.contains(peer):
            raise AuthenticationFailed(
                "identity_header_from_untrusted_peer",
                "Identity headers are accepted only from the edge.",
                spoofing=True,
            )
        if _peer_came_from_forwarded_header(request, peer):
            raise AuthenticationFailed(
                "peer_address_from_forwarded_header",
                "Identity headers are accepted only from the edge.",
                spoofing=True,
            )

    def _from_edge(self, found: dict[str, list[bytes]]) -> Principal:
        return self._edge_principal(*single_values(found, self.edge_rules))

    def _principal_from_headers(self, user_raw: bytes, groups_raw: bytes | None) -> Principal:
        identity = parse_edge_identity(user_raw, groups_raw, self.edge_rules)
        grant = self.role_map.resolve(identity.groups)
        return Principal(
            subject=identity.user,
            display_name=identity.user,
            groups=frozenset(identity.groups),
            roles=grant.roles,
            permissions=grant.permissions,
            auth_source="edge_headers",
        )

    async def _from_token(self, token: str) -> Principal:
        verified = await self.verifier.verify(token)
        if verified.groups_overage:
            raise PermissionDenied(
                "groups_overage",
                "The IdP left out your groups because there are too many; "
                "ask for an app role instead.",
            )
        grant = self.role_map.resolve(verified.groups)
        return Principal(
            subject=verified.subject,
            display_name=verified.display_name,
            groups=frozenset(verified.groups),
            roles=grant.roles,
            permissions=grant.permissions,
            auth_source="bearer_token",
            issuer=verified.issuer,
            scopes=verified.scopes,
        )

    @staticmethod
    def _bearer_token(request: Request) -> str | None:
        values = _raw_values(request, b"authorization")
        if not values:
            return None
        if len(values) > 1:
            raise AuthenticationFailed(
                "duplicate_authorization_header", "Send one Authorization header."
            )
        scheme, _, token = values[0].decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed(
                "not_a_bearer_token", "Use the Bearer scheme.", token_error=True
            )
        return token.strip()


def _peer_came_from_forwarded_header(request: Request, peer: str | None) -> bool:
    """True when the server took the peer address from X-Forwarded-For.

    A proxy appends the address it received the request from, never its own, so
    the socket peer is not among the hops. If it is, the server rewrote the peer
    from a header (uvicorn without --no-proxy-headers), and it proves nothing.
    """
    peer_address = _hop_address(peer or "")
    hops = b",".join(_raw_values(request, b"x-forwarded-for")).decode("latin-1").split(",")
    return peer_address is not None and peer_address in map(_hop_address, hops)


def _hop_address(hop: str) -> IPv4Address | IPv6Address | None:
    """The address in one X-Forwarded-For hop, without brackets or port; None if it is none."""
    hop = hop.strip()
    if hop.startswith("["):
        hop = hop[1:].partition("]")[0]
    elif hop.count(":") == 1:
        hop = hop.partition(":")[0]
    try:
        return ip_address(hop)
    except ValueError:
        return None


def _raw_values(request: Request, name: bytes) -> list:
    """Values of one header straight from the ASGI scope (names arrive lower-case)."""
    return [value for key, value in request.scope["headers"] if key == name]
