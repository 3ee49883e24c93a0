"""Identity headers injected by the edge appliance.

The headers are honoured only when the TCP peer is in the trusted edge networks.
Any identity header from another peer is a spoofing attempt and is refused, never
ignored. Names, separator and encoding are settings whose defaults follow the
chosen appliance; public sources do not pin FortiGate's value format, so check it
in the lab (docs/security.md) and adjust the settings, not the code.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from functools import lru_cache

from .errors import AuthenticationFailed, IdentityHeaderTooLarge
from .principal import Identity

EDGE_IDENTITY_CACHE = 1024

APPLIANCE_DEFAULTS = {
    # FortiOS web-proxy profile built-ins (header-x-authenticated-user/-groups); the
    # separator FortiGate uses is not documented: pin it in the lab.
    "fortigate": ("X-Authenticated-User", "X-Authenticated-Groups", ","),
    # NetScaler rewrite actions insert whatever we name; AAA.USER.ATTRIBUTE joins a
    # multi-valued SAML attribute with ",".
    "citrix_adc": ("X-Edge-User", "X-Edge-Groups", ","),
}


@dataclass(frozen=True, slots=True)
class EdgeHeaderRules:
    user_header: str
    groups_header: str
    separator: str
    base64: bool
    strip_domain: bool
    lowercase: bool
    max_groups: int
    max_header_bytes: int


class EdgeHeaderReader:
    """Identity headers, as the edge wrote them, into an Identity.

    The caller has checked that the peer is the edge. The same header values always
    read the same, so recent ones are remembered; refusals raise and are not.
    """

    def __init__(self, rules: EdgeHeaderRules) -> None:
        self.rules = rules
        self._parse = lru_cache(maxsize=EDGE_IDENTITY_CACHE)(parse_edge_identity)

    def find(self, raw_headers: list[tuple[bytes, bytes]]) -> dict[str, list[bytes]]:
        return find_identity_headers(raw_headers, self.rules)

    def read(self, found: dict[str, list[bytes]]) -> Identity:
        user_raw, groups_raw = single_values(found, self.rules)
        return self._parse(user_raw, groups_raw, self.rules)


def normalize_user(raw: str, *, strip_domain: bool, lowercase: bool) -> str:
    """Bring ``WinNT://DOMAIN/user``, ``DOMAIN\\user`` and ``user@domain`` to one form.

    ``WinNT://DOMAIN/user`` becomes ``DOMAIN\\user``; with ``strip_domain`` only the
    bare user name is kept. Applying it twice gives the same result as once.
    """
    user = _unwrap_winnt(raw.strip())
    # Repeat until nothing changes: ``CORP\\WinNT://D/u`` hides a second domain. Each pass
    # only shortens the name, so the loop ends.
    while strip_domain and (bare := _bare_user(user)) != user:
        user = bare
    return user.lower() if lowercase else user


def _unwrap_winnt(user: str) -> str:
    if user[:8].lower() != "winnt://":
        return user
    domain, _, name = user[8:].partition("/")
    return (f"{domain}\\{name}" if name else domain).strip()


def _bare_user(user: str) -> str:
    return _unwrap_winnt(user.rpartition("\\")[2].partition("@")[0].strip())


def find_identity_headers(
    raw_headers: list[tuple[bytes, bytes]], rules: EdgeHeaderRules
) -> dict[str, list[bytes]]:
    """Collect every identity header, refusing underscore spellings of their names."""
    wanted = (rules.user_header.encode(), rules.groups_header.encode())
    found: dict[str, list[bytes]] = {}
    for name, value in raw_headers:
        spelled = name.lower().replace(b"_", b"-")
        if spelled not in wanted:
            continue
        if b"_" in name:
            raise AuthenticationFailed(
                "identity_header_variant",
                "Identity headers must use their exact names.",
                spoofing=True,
            )
        found.setdefault(spelled.decode(), []).append(value)
    return found


def single_values(
    found: dict[str, list[bytes]], rules: EdgeHeaderRules
) -> tuple[bytes, bytes | None]:
    """The raw user and groups values, refusing duplicates and a missing user."""
    for values in found.values():
        if len(values) > 1:
            raise AuthenticationFailed(
                "duplicate_identity_header", "Each identity header may appear only once."
            )
    user_values = found.get(rules.user_header)
    if not user_values:
        raise AuthenticationFailed("missing_user_header", "The edge sent no user.")
    group_values = found.get(rules.groups_header)
    return user_values[0], group_values[0] if group_values else None


def parse_edge_identity(
    user_raw: bytes, groups_raw: bytes | None, rules: EdgeHeaderRules
) -> Identity:
    """Decode and normalise the values of identity headers from a trusted edge peer."""
    user = normalize_user(
        _decode(user_raw, rules),
        strip_domain=rules.strip_domain,
        lowercase=rules.lowercase,
    )
    if not user:
        raise AuthenticationFailed("empty_user", "The edge sent an empty user.")
    groups = _split_groups(_decode(groups_raw, rules), rules) if groups_raw is not None else ()
    return Identity(subject=user, display_name=user, groups=groups, source="edge_headers")


def _decode(raw: bytes, rules: EdgeHeaderRules) -> str:
    if len(raw) > rules.max_header_bytes:
        raise IdentityHeaderTooLarge(
            "identity_header_too_large", "An identity header is larger than allowed."
        )
    try:
        if rules.base64:
            raw = base64.b64decode(raw, validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationFailed(
            "undecodable_identity_header", "An identity header could not be decoded."
        ) from None
    if not text.isprintable():
        raise AuthenticationFailed(
            "control_character_in_identity_header",
            "An identity header contains control characters.",
        )
    return text


def _split_groups(text: str, rules: EdgeHeaderRules) -> tuple[str, ...]:
    groups = tuple(group for group in text.split(rules.separator) if group)
    if len(groups) > rules.max_groups:
        raise IdentityHeaderTooLarge(
            "too_many_groups", "The groups header lists more groups than allowed."
        )
    return groups
