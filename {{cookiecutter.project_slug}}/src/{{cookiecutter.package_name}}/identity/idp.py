"""What differs between identity providers when verifying their access tokens.

Sources: each IdP's token reference (see docs/security.md). Where a preset cannot
know a value (claim names chosen by an admin), a setting overrides it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass


def _suffix(path: str) -> Callable[[str], str]:
    return lambda issuer: issuer.rstrip("/") + path


def _entra_jwks(issuer: str) -> str:
    return issuer.removesuffix("/v2.0") + "/discovery/v2.0/keys"


@dataclass(frozen=True, slots=True)
class AccessTokenMarker:
    """What an IdP's access tokens carry and its ID tokens do not.

    An ID token is signed by the same keys and may name this API as its audience, so
    without a marker it would pass as an access token. ``header_typ`` is the JOSE
    ``typ`` (RFC 9068: ``at+jwt``); otherwise one of ``claims`` must hold a non-empty
    string, and one of ``values`` when any are given.
    """

    header_typ: str = ""
    claims: tuple[str, ...] = ()
    values: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = [f"JOSE header typ '{self.header_typ}'"] if self.header_typ else []
        if self.claims:
            names = " or ".join(f"'{name}'" for name in self.claims)
            wanted = " or ".join(f"'{value}'" for value in self.values)
            parts.append(f"claim {names} " + (f"equal to {wanted}" if wanted else "present"))
        return " and ".join(parts)

    def header_matches(self, header: Mapping[str, object]) -> bool:
        """RFC 9068 allows the media-type spelling ``application/at+jwt`` too."""
        if not self.header_typ:
            return True
        typ = str(header.get("typ", "")).lower()
        return typ in (self.header_typ.lower(), f"application/{self.header_typ.lower()}")

    def claims_match(self, claims: Mapping[str, object]) -> bool:
        if not self.claims:
            return True
        found = [claims.get(name) for name in self.claims]
        present = [value for value in found if isinstance(value, str) and value]
        return bool(present) and (not self.values or any(v in self.values for v in present))

    @classmethod
    def configured(cls, header_typ: str, claim_rule: str) -> AccessTokenMarker:
        """The marker OIDC_REQUIRED_HEADER_TYP and OIDC_REQUIRED_CLAIM (``name[=value]``) set."""
        name, _, value = claim_rule.partition("=")
        return cls(header_typ, (name,) if name else (), (value,) if value else ())


@dataclass(frozen=True, slots=True)
class IdpPreset:
    jwks_url: Callable[[str], str] | None  # None: read jwks_uri from OIDC discovery
    group_claims: tuple[str, ...]
    access_token_marker: AccessTokenMarker
    client_claims: tuple[str, ...]  # the requesting client, for OIDC_CLIENT_IDS
    subject_claim: str = "sub"
    display_name_claims: tuple[str, ...] = ()
    scope_claim: str = "scope"
    audience_claim: str = "aud"  # "client_id": Cognito access tokens carry no aud
    issuer_rule: tuple[Callable[[str], bool], str] | None = None
    client_ids_required: bool = False


PRESETS: dict[str, IdpPreset] = {
    "okta": IdpPreset(
        jwks_url=_suffix("/v1/keys"),
        group_claims=("groups",),
        access_token_marker=AccessTokenMarker(claims=("cid",)),
        client_claims=("cid",),
        display_name_claims=("sub",),
        scope_claim="scp",
        issuer_rule=(
            lambda issuer: "/oauth2/" in issuer,
            "must be a custom authorization server (https://{domain}/oauth2/{id}); "
            "org authorization server tokens are meant for Okta only",
        ),
    ),
    "entra_id": IdpPreset(
        jwks_url=_entra_jwks,
        group_claims=("roles", "groups"),
        access_token_marker=AccessTokenMarker(claims=("azp",)),
        client_claims=("azp",),
        subject_claim="oid",
        display_name_claims=("name", "preferred_username"),
        scope_claim="scp",
        issuer_rule=(
            lambda issuer: issuer.endswith("/v2.0"),
            "must be the v2.0 issuer https://login.microsoftonline.com/{tenant-id}/v2.0 "
            "(set requestedAccessTokenVersion to 2 in the app registration)",
        ),
    ),
    "keycloak": IdpPreset(
        jwks_url=_suffix("/protocol/openid-connect/certs"),
        group_claims=("realm_access.roles",),
        access_token_marker=AccessTokenMarker(claims=("typ",), values=("Bearer",)),
        client_claims=("azp",),
        display_name_claims=("preferred_username", "name"),
        client_ids_required=True,
    ),
    "aws_cognito": IdpPreset(
        jwks_url=_suffix("/.well-known/jwks.json"),
        group_claims=("cognito:groups",),
        access_token_marker=AccessTokenMarker(claims=("token_use",), values=("access",)),
        client_claims=("client_id",),
        display_name_claims=("username",),
        audience_claim="client_id",
    ),
    "auth0": IdpPreset(
        jwks_url=_suffix("/.well-known/jwks.json"),
        group_claims=("permissions",),
        # azp in the default "Auth0" token profile, client_id in the RFC 9068 profile.
        access_token_marker=AccessTokenMarker(claims=("azp", "client_id")),
        client_claims=("azp", "client_id"),
        display_name_claims=("name", "email"),
        issuer_rule=(
            lambda issuer: issuer.endswith("/"),
            "must end with '/' exactly as Auth0 issues it (https://{tenant}.auth0.com/)",
        ),
    ),
    "ping": IdpPreset(
        jwks_url=None,
        group_claims=("groups",),
        access_token_marker=AccessTokenMarker(claims=("client_id",)),
        client_claims=("client_id",),
    ),
    "generic_oidc": IdpPreset(
        jwks_url=None,
        group_claims=("groups", "roles"),
        access_token_marker=AccessTokenMarker(header_typ="at+jwt"),
        client_claims=("client_id",),
    ),
}


def claim_values(claims: Mapping[str, object], path: str) -> object:
    """Read a claim by exact name first, then as a dotted path.

    Claim names may themselves hold dots, colons or URLs (``cognito:groups``,
    ``https://example.com/roles``, ``resource_access.my.api.roles``), so every split
    point is tried rather than splitting on every dot.
    """
    if path in claims:
        return claims[path]
    start = 0
    while (dot := path.find(".", start)) != -1:
        head = claims.get(path[:dot])
        if isinstance(head, dict):
            found = claim_values(head, path[dot + 1 :])
            if found is not None:
                return found
        start = dot + 1
    return None


def as_strings(value: object, *, split_spaces: bool = False) -> tuple[str, ...]:
    """A claim as a tuple of strings: a list as is, a string as one item (or split)."""
    if isinstance(value, str):
        return tuple(value.split()) if split_spaces else (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()
