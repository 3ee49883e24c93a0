"""A token explained claim by claim: what the app expects, what the token holds, what fixes it.

The explanation reads the token without trusting it; the verdict comes from the app's
own verifier, so the doctor and the service cannot disagree about it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping

from ..authorization.roles import RoleMap
from ..identity.errors import AuthenticationFailed, SigningKeysUnavailable
from ..identity.idp import as_strings, claim_values
from ..identity.keys import likely_slip
from ..identity.tokens import TokenRules, TokenVerifier, read_header
from .report import Report

AUDIENCE_FIXES = {
    "okta": "put the custom authorization server's audience in OIDC_AUDIENCE",
    "entra_id": "request a scope of the API's app registration; OIDC_AUDIENCE is its client id",
    "keycloak": "add an Audience mapper naming this API to the client scope the caller "
    "requests (docs/idp-setup.md)",
    "aws_cognito": "OIDC_AUDIENCE holds the app client ids the token's client_id may name",
    "auth0": "request the token with audience=<the API identifier>, as OIDC_AUDIENCE lists it",
    "ping": "grant the caller a scope of the API's resource; OIDC_AUDIENCE lists its audience",
    "generic_oidc": "request the token with resource=<the API's audience> (RFC 8707), "
    "as OIDC_AUDIENCE lists it",
}
WRONG_KIND_FIX = (
    "send an access token, not an ID token (docs/security.md, 'How ID tokens are refused'); "
    "if your IdP marks access tokens otherwise, set OIDC_REQUIRED_HEADER_TYP or OIDC_REQUIRED_CLAIM"
)
VERDICT_FIXES = {
    "bad_signature": "the token was changed after signing, or another key with this kid signed it",
    "malformed_token": "send the IdP's JWT access token as it was issued",
    "key_source_header": "the token names its own key (jku, x5u, jwk, x5c); the app never uses one",
    "unsupported_critical_header": "the token has a 'crit' header the app does not implement",
}


async def explain_token(
    token: str,
    idp: str,
    verifier: TokenVerifier,
    role_map: RoleMap | None,
    report: Report,
    now: float,
) -> None:
    rules = verifier.rules
    if len(token) > rules.max_bytes:
        report.fail(
            "size",
            f"{len(token)} bytes; OIDC_MAX_TOKEN_BYTES is {rules.max_bytes}",
            fix="raise OIDC_MAX_TOKEN_BYTES, or have the IdP leave large claims out",
        )
    try:
        header, claims = read_header(token), _read_claims(token)
    except (AuthenticationFailed, ValueError):
        report.fail(
            "format",
            "not a signed JWT (base64url header.claims.signature, JSON inside)",
            fix="send the IdP's access token in JWT format; opaque tokens are not verifiable here",
        )
        return
    _explain_header(header, verifier, report)
    _explain_issuer_and_audience(claims, idp, rules, report)
    _explain_times(claims, rules, report, now)
    _explain_kind_and_client(claims, rules, report)
    _explain_groups(claims, rules, role_map, report)
    await _verdict(token, verifier, report)


def _read_claims(token: str) -> dict[str, object]:
    segment = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, RecursionError) as exc:
        raise ValueError("claims are not base64url JSON") from exc
    if not isinstance(claims, dict):
        raise ValueError("claims are not a JSON object")
    return claims


def _explain_header(header: Mapping[str, object], verifier: TokenVerifier, report: Report) -> None:
    rules, keys = verifier.rules, verifier.keys
    alg, kid = header.get("alg"), header.get("kid")
    if alg in rules.algorithms:
        report.ok("alg", f"{alg!r} is in OIDC_ALGORITHMS")
    else:
        report.fail(
            "alg",
            f"{alg!r}; OIDC_ALGORITHMS is {','.join(rules.algorithms)}",
            fix=f"if the IdP signs with {alg} on purpose (public-key algorithms only), "
            "add it to OIDC_ALGORITHMS",
        )
    verifiers = keys.keys.get(kid) if isinstance(kid, str) else None
    if verifiers is None:
        report.fail(
            "kid",
            f"{kid!r} is not among the usable keys at {keys.jwks_url}",
            fix="the token comes from another IdP or tenant, or its key is withdrawn",
        )
    elif alg not in verifiers:
        report.fail("kid", f"key {kid!r} verifies {', '.join(verifiers)}, not {alg!r}")
    else:
        report.ok("kid", f"{kid!r} is published and verifies {alg}")
    marker = rules.access_token_marker
    if marker.header_typ and not marker.header_matches(header):
        report.fail(
            "token type",
            f"header typ {header.get('typ')!r}; the app requires {marker.header_typ!r}",
            fix=WRONG_KIND_FIX,
        )


def _explain_issuer_and_audience(
    claims: Mapping[str, object], idp: str, rules: TokenRules, report: Report
) -> None:
    issuer = claims.get("iss")
    if issuer == rules.issuer:
        report.ok("iss", f"{issuer!r}, as OIDC_ISSUER")
    else:
        slip = likely_slip(rules.issuer, issuer) if isinstance(issuer, str) else ""
        report.fail(
            "iss",
            f"expected {rules.issuer!r} (OIDC_ISSUER); found {issuer!r}"
            + (f" ({slip})" if slip else ""),
            fix="set OIDC_ISSUER to the issuer the IdP writes into its tokens",
        )
    name = rules.audience_claim
    found = claims.get(name)
    if set(as_strings(found)) & set(rules.audiences):
        report.ok(name, f"{found!r} names an audience in OIDC_AUDIENCE")
    else:
        report.fail(
            name,
            f"expected one of {list(rules.audiences)} (OIDC_AUDIENCE); found {found!r}",
            fix=AUDIENCE_FIXES[idp],
        )


def _explain_times(
    claims: Mapping[str, object], rules: TokenRules, report: Report, now: float
) -> None:
    exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        report.fail("exp, iat", f"exp={exp!r}, iat={iat!r}: both must be numbers")
        return
    if exp + rules.leeway <= now:
        report.fail(
            "exp",
            f"expired {int(now - exp)} s ago (OIDC_LEEWAY_SECONDS={rules.leeway})",
            fix="get a fresh token; if it should be valid, compare this clock with the IdP's",
        )
    else:
        report.ok("exp", f"valid for {int(exp - now)} s more")
    for name, value in (("iat", iat), ("nbf", nbf)):
        if isinstance(value, int | float) and value > now + rules.leeway:
            report.fail(
                name,
                f"{int(value - now)} s in the future (OIDC_LEEWAY_SECONDS={rules.leeway})",
                fix="the IdP's clock and this machine's differ: keep both in sync (NTP)",
            )
    if exp - iat > rules.max_lifetime:
        report.fail(
            "lifetime",
            f"{int(exp - iat)} s; OIDC_MAX_TOKEN_LIFETIME_SECONDS is {rules.max_lifetime}",
            fix="shorten the access-token lifetime at the IdP, or raise the setting",
        )


def _explain_kind_and_client(
    claims: Mapping[str, object], rules: TokenRules, report: Report
) -> None:
    marker = rules.access_token_marker
    if marker.claims:
        found = ", ".join(f"{name}={claims.get(name)!r}" for name in marker.claims)
        if marker.claims_match(claims):
            report.ok("token type", f"{found}: an access token ({marker.describe()})")
        else:
            report.fail(
                "token type",
                f"the app requires {marker.describe()}; found {found}",
                fix=WRONG_KIND_FIX,
            )
    if rules.client_ids:
        name = next((n for n in rules.client_claims if n in claims), rules.client_claims[0])
        client = claims.get(name)
        if client in rules.client_ids:
            report.ok("client", f"{name}={client!r} is in OIDC_CLIENT_IDS")
        else:
            report.fail(
                "client",
                f"{name}={client!r}; OIDC_CLIENT_IDS is {','.join(sorted(rules.client_ids))}",
                fix="add the calling client's id to OIDC_CLIENT_IDS if it may call this API",
            )
    subject = claims.get(rules.subject_claim)
    if isinstance(subject, str) and subject:
        report.ok("subject", f"{rules.subject_claim}={subject!r}")
    else:
        report.fail(
            "subject",
            f"claim {rules.subject_claim!r} is missing or empty",
            fix="have the IdP include it, or set OIDC_SUBJECT_CLAIM to the user id's claim",
        )


def _explain_groups(
    claims: Mapping[str, object], rules: TokenRules, role_map: RoleMap | None, report: Report
) -> None:
    paths = ", ".join(rules.group_claims)
    groups = [g for path in rules.group_claims for g in as_strings(claim_values(claims, path))]
    if not groups:
        report.note(
            "groups",
            f"none in {paths}; the caller gets no role",
            fix="have the IdP put groups or roles into the access token, or set OIDC_GROUP_CLAIMS",
        )
        return
    roles = sorted(role_map.resolve(groups).roles) if role_map else []
    report.note(
        "groups",
        f"{paths}: {groups}; roles from the role map: {roles or 'none (no group is mapped)'}",
    )


async def _verdict(token: str, verifier: TokenVerifier, report: Report) -> None:
    try:
        verified = await verifier.verify(token)
    except AuthenticationFailed as exc:
        report.fail("verdict", f"refused ({exc.reason})", fix=VERDICT_FIXES.get(exc.reason, ""))
    except SigningKeysUnavailable:
        report.fail("verdict", "no signing key could be had: see 'keys' above")
    else:
        report.ok("verdict", f"accepted: subject {verified.subject!r}")
