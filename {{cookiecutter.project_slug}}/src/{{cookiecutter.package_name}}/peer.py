"""Who is at the other end of the connection, and who the edge says it forwards for.

One set of rules for authentication (identity headers count only from the edge), the
audit line (the client behind the edge) and the lab route. The peer is the address the
server reports for the socket (uvicorn runs without proxy headers), never a header's
value. X-Forwarded-For is read once per request, each hop as an address.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from ipaddress import IPv4Address, IPv6Address

from starlette.types import Scope

from .settings import Network

Address = IPv4Address | IPv6Address
ADDRESS_CACHE = 1024
# '[' + IPv6 with an IPv4 tail and a zone + ']:' + port, with room to spare.
MAX_HOP_CHARACTERS = 100


@dataclass(frozen=True, slots=True)
class Peer:
    address: str | None
    from_edge: bool
    client: str | None
    """The nearest forwarded hop that is not the edge itself; the peer when not from the edge."""
    rewritten: bool
    """The peer is among the forwarded hops: a server took it from the header, so it proves
    nothing. A proxy appends the address it received the request from, never its own."""


class EdgeNetworks:
    """TRUSTED_EDGE_NETWORKS; membership is cached per address."""

    def __init__(self, networks: tuple[Network, ...]) -> None:
        self.networks = networks
        self.contains = lru_cache(maxsize=1024)(self._contains)

    def peer(self, scope: Scope) -> Peer:
        """The request's peer, worked out once and kept in the request's state."""
        state = scope.setdefault("state", {})
        peer: Peer | None = state.get("peer")
        if peer is None:
            peer = state["peer"] = self._read_peer(scope)
        return peer

    def _contains(self, host: str | None) -> bool:
        return self._holds(_address(host or ""))

    def _holds(self, address: Address | None) -> bool:
        return address is not None and any(address in network for network in self.networks)

    def _read_peer(self, scope: Scope) -> Peer:
        client = scope.get("client")
        address = client[0] if client else None
        if not self.contains(address):
            # Whatever it says it forwards for counts for nothing: the header is not read.
            return Peer(address, False, address, False)
        hops = _forwarded_hops(scope["headers"])
        peer_address = _address(address or "") if hops else None
        rewritten = peer_address is not None and peer_address in (hop for _, hop in hops)
        behind = next(
            (text[:64] for text, hop in reversed(hops) if text and not self._holds(hop)),
            address,
        )
        return Peer(address, True, behind, rewritten)


def _forwarded_hops(headers: list[tuple[bytes, bytes]]) -> list[tuple[str, Address | None]]:
    """Every X-Forwarded-For hop, in order, as written and as an address (None if none)."""
    texts = [
        hop.strip()
        for name, value in headers
        if name == b"x-forwarded-for"
        for hop in value.decode("latin-1").split(",")
    ]
    return [(text, _address(text)) for text in texts]


def _address(hop: str) -> Address | None:
    """The address in a hop, without brackets or port; None when it holds none.

    Remembered per distinct text, as a busy edge sends the same few addresses again and
    again; text longer than any address with a port is refused first, so what a client
    writes into the header cannot fill the memory.
    """
    return None if len(hop) > MAX_HOP_CHARACTERS else _parsed_address(hop)


@lru_cache(maxsize=ADDRESS_CACHE)
def _parsed_address(hop: str) -> Address | None:
    hop = hop.strip()
    if hop.startswith("["):
        hop = hop[1:].partition("]")[0]
    elif hop.count(":") == 1:
        hop = hop.partition(":")[0]
    try:
        return ipaddress.ip_address(hop)
    except ValueError:
        return None
