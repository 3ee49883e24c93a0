"""What differs between identity providers when verifying their access tokens.

Sources: each IdP's token reference (see docs/security.md). Where a preset cannot
know a value (claim names chosen by an admin), a setting overrides it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def _suffix(path: str) -> Callable[[str], str]:
    return lambda issuer: issuer.rstrip("/") + path


def _entra_jwks(issuer: str) -> str:
    return issuer.removesuffix("/v2.0") + "/discovery/v2.0/keys"


@dataclass(frozen=True, slots=True)
class IdpPreset:
    jwks_url: Callable[[str], str] | None  # None: read jwks_uri from OIDC discovery
    group_claims: tuple[str, ...]
    subject_claim: str = "sub"
    display_name_claims: tuple[str, ...] = ()
    scope_claim: str = "scope"
    audience_claim: str = "aud"  # "client_id": Cognito access tokens carry no aud
    token_type: tuple[str, str] | None = None  # (claim, value) that marks an access token
    issuer_rule: tuple[Callable[[str], bool], str] | None = None


PRESETS: dict[str, IdpPreset] = {
    "okta": IdpPreset(
        jwks_url=_suffix("/v1/keys"),
        group_claims=("groups",),
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
        display_name_claims=("preferred_username", "name"),
        token_type=("typ", "Bearer"),
    ),
    "aws_cognito": IdpPreset(
        jwks_url=_suffix("/.well-known/jwks.json"),
        group_claims=("cognito:groups",),
        display_name_claims=("username",),
        audience_claim="client_id",
        token_type=("token_use", "access"),
    ),
    "auth0": IdpPreset(
        jwks_url=_suffix("/.well-known/jwks.json"),
        group_claims=("permissions",),
        display_name_claims=("name", "email"),
        issuer_rule=(
            lambda issuer: issuer.endswith("/"),
            "must end with '/' exactly as Auth0 issues it (https://{tenant}.auth0.com/)",
        ),
    ),
    "ping": IdpPreset(jwks_url=None, group_claims=("groups",)),
    "generic_oidc": IdpPreset(jwks_url=None, group_claims=("groups", "roles")),
}


def claim_values(claims: dict, path: str) -> object:
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
