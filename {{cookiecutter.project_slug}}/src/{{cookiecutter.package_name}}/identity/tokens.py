"""Local verification of IdP access tokens (JWS compact form) with PyJWT.

The algorithm comes from the allow-list and the key, never from the token alone;
the key comes from the IdP's key set by ``kid``, never from ``jku``/``x5u``/``jwk``.
Issuer is matched exactly; audience, expiry, not-before, issued-at, lifetime and
the IdP's token-type marker are all checked before a token is trusted.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from .errors import AuthenticationFailed
from .idp import AccessTokenMarker, as_strings, claim_values
from .keys import SigningKeys
from .principal import Identity
from .token_cache import VerifiedTokenCache

KEY_SOURCE_HEADERS = ("jku", "x5u", "jwk", "x5c")
INVALID = "The bearer token is not valid."
# A JOSE header holds a few short fields (alg, kid, typ); refusing a longer one before
# decoding keeps the JSON parser away from deeply nested input.
MAX_HEADER_SEGMENT_BYTES = 2048


def _refuse(reason: str, detail: str = INVALID) -> AuthenticationFailed:
    return AuthenticationFailed(reason, detail, token_error=True)


@dataclass(frozen=True, slots=True)
class TokenRules:
    issuer: str
    audiences: tuple[str, ...]
    audience_claim: str
    algorithms: tuple[str, ...]
    leeway: int
    max_lifetime: int
    max_bytes: int
    subject_claim: str
    display_name_claims: tuple[str, ...]
    group_claims: tuple[str, ...]
    scope_claim: str
    access_token_marker: AccessTokenMarker
    client_claims: tuple[str, ...]
    client_ids: frozenset[str]


class TokenVerifier:
    def __init__(self, rules: TokenRules, keys: SigningKeys, cache_size: int) -> None:
        self.rules = rules
        self.keys = keys
        self.cache: VerifiedTokenCache[Identity] = VerifiedTokenCache(cache_size)

    async def verify(self, token: str) -> Identity:
        rules = self.rules
        if len(token) > rules.max_bytes:
            raise _refuse("token_too_large")
        digest = self.cache.digest(token)
        cached = self.cache.get(digest, self.keys.keys)
        if cached is not None:
            self.keys.keep_fresh()
            return cached
        header = read_header(token)
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in rules.algorithms:
            raise _refuse("algorithm_not_allowed")
        if "crit" in header:
            raise _refuse("unsupported_critical_header")
        if any(name in header for name in KEY_SOURCE_HEADERS):
            raise _refuse("key_source_header")
        if not rules.access_token_marker.header_matches(header):
            raise _refuse("wrong_token_type")
        kid = header.get("kid")
        if not isinstance(kid, str) or not 0 < len(kid) <= 256:
            raise _refuse("missing_kid")
        verifiers = await self.keys.get(kid)
        if verifiers is None:
            raise _refuse("unknown_kid")
        key = verifiers.get(algorithm)
        if key is None:
            raise _refuse("algorithm_key_mismatch")
        claims = self._decode(token, key, algorithm)
        identity = self._checked(claims)
        self.cache.put(digest, identity, kid, int(claims["exp"]))
        return identity

    def _decode(self, token: str, key: jwt.PyJWK, algorithm: str) -> dict[str, Any]:
        rules = self.rules
        by_aud = rules.audience_claim == "aud"
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=rules.audiences if by_aud else None,
                issuer=rules.issuer,
                leeway=rules.leeway,
                options={
                    "require": ["exp", "iat", "iss", *(["aud"] if by_aud else [])],
                    "verify_aud": by_aud,
                },
            )
        except jwt.ExpiredSignatureError:
            raise _refuse("token_expired", "The bearer token has expired.") from None
        except jwt.ImmatureSignatureError:
            raise _refuse("token_not_yet_valid") from None
        except jwt.InvalidIssuerError:
            raise _refuse("wrong_issuer") from None
        except jwt.InvalidAudienceError:
            raise _refuse("wrong_audience") from None
        except jwt.MissingRequiredClaimError as exc:
            raise _refuse(f"missing_claim_{exc.claim}") from None
        except jwt.InvalidSignatureError:
            raise _refuse("bad_signature") from None
        except jwt.InvalidTokenError:
            raise _refuse("malformed_token") from None

    def _checked(self, claims: dict[str, Any]) -> Identity:
        """Claims PyJWT has verified: exp and iat read as integers, iss is the issuer."""
        rules = self.rules
        if int(claims["exp"]) - int(claims["iat"]) > rules.max_lifetime:
            raise _refuse("lifetime_too_long")
        # The marker first: an ID token (Cognito's names its client in aud, not client_id)
        # is refused as what it is rather than as a token for another audience.
        if not rules.access_token_marker.claims_match(claims):
            raise _refuse("wrong_token_type")
        by_client_id = rules.audience_claim != "aud"
        if by_client_id and claims.get(rules.audience_claim) not in rules.audiences:
            raise _refuse("wrong_audience")
        if rules.client_ids and _client(claims, rules.client_claims) not in rules.client_ids:
            raise _refuse("client_not_allowed")
        subject = claims.get(rules.subject_claim)
        if not isinstance(subject, str) or not subject:
            raise _refuse("missing_subject")
        display_name = next(
            (
                claims[name]
                for name in rules.display_name_claims
                if isinstance(claims.get(name), str) and claims[name]
            ),
            subject,
        )
        groups = tuple(
            group for path in rules.group_claims for group in as_strings(claim_values(claims, path))
        )
        overage_names = claims.get("_claim_names")
        overage = isinstance(overage_names, dict) and any(
            path.split(".")[0] in overage_names for path in rules.group_claims
        )
        return Identity(
            subject=subject,
            display_name=display_name,
            groups=groups,
            source="bearer_token",
            issuer=claims["iss"],
            scopes=frozenset(as_strings(claims.get(rules.scope_claim), split_spaces=True)),
            groups_overage=overage,
        )


def read_header(token: str) -> dict[str, object]:
    """Decode the JOSE header of a compact JWS, refusing anything else (JWE, JSON form)."""
    if token.count(".") != 2:
        raise _refuse("malformed_token")
    segment = token.partition(".")[0]
    if len(segment) > MAX_HEADER_SEGMENT_BYTES:
        raise _refuse("header_too_large")
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError, RecursionError):
        raise _refuse("malformed_token") from None
    if not isinstance(header, dict):
        raise _refuse("malformed_token")
    return header


def _client(claims: Mapping[str, object], names: tuple[str, ...]) -> object:
    """The requesting client: the first of the preset's client claims the token carries."""
    return next((claims[name] for name in names if name in claims), None)
