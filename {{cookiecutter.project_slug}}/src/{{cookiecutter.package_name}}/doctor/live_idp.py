"""The settings held against the live IdP: transport, discovery, the key set, the role map."""

from __future__ import annotations

from ..authorization.roles import RoleMap, RoleMapError
from ..identity.idp import PRESETS
from ..identity.keys import (
    DISCOVERY_PATH,
    KeyFetchError,
    SigningKeys,
    describe_keys,
    issuer_mismatch,
)
from ..settings import Settings
from .report import Report


def check_transport(settings: Settings, report: Report) -> None:
    """Settings already refuse plain http off loopback; say where it is in use."""
    for name, url in (
        ("OIDC_ISSUER", settings.oidc_issuer),
        ("OIDC_JWKS_URL", settings.oidc_jwks_url),
    ):
        if url.startswith("http://"):
            report.note(
                "transport",
                f"{name} {url!r} is plain http, accepted only because the host is loopback; "
                "anywhere else it must be https://",
            )
        elif url:
            report.ok("transport", f"{name} is https")


async def check_discovery(settings: Settings, keys: SigningKeys, report: Report) -> None:
    url = settings.oidc_issuer.rstrip("/") + DISCOVERY_PATH
    fixed_key_url = PRESETS[settings.idp].jwks_url is not None or bool(settings.oidc_jwks_url)
    try:
        document = await keys.fetch_json(url)
    except KeyFetchError as exc:
        if fixed_key_url:
            report.note("discovery", f"{exc}; keys are read from {keys.jwks_url} without it")
        else:
            report.fail("discovery", str(exc), fix="OIDC_ISSUER must be the issuer's exact URL")
        return
    named = document.get("issuer")
    if named != settings.oidc_issuer:
        report.fail(
            "issuer",
            issuer_mismatch(settings.oidc_issuer, named),
            fix=f"set OIDC_ISSUER={named}" if isinstance(named, str) else "",
        )
        return
    report.ok("discovery", f"{url} names issuer {named!r}, as OIDC_ISSUER does")
    published_at = document.get("jwks_uri")
    if fixed_key_url and published_at != keys.jwks_url:
        report.note(
            "discovery",
            f"the IdP publishes keys at {published_at!r}; the app reads {keys.jwks_url!r} "
            "(OIDC_JWKS_URL or the preset's location)",
        )


async def check_keys(settings: Settings, keys: SigningKeys, report: Report) -> None:
    await keys.refresh()
    if not keys.keys:
        report.fail("keys", keys.problem or "no signing key could be fetched")
        return
    usable = "; ".join(f"{kid} ({', '.join(algs)})" for kid, algs in keys.keys.items())
    report.ok("keys", f"{keys.jwks_url}: usable for OIDC_ALGORITHMS: {usable}")
    try:
        published = (await keys.fetch_json(str(keys.jwks_url))).get("keys")
    except KeyFetchError as exc:
        report.note("keys", f"could not list the keys the app does not use: {exc}")
        return
    unused = [
        jwk
        for jwk in (published if isinstance(published, list) else ())
        if isinstance(jwk, dict) and jwk.get("kid") not in keys.keys
    ]
    if unused:
        report.note(
            "keys",
            f"not used: {describe_keys(unused)} (encryption keys, keys without a kid, or "
            f"algorithms outside OIDC_ALGORITHMS={','.join(settings.oidc_algorithms)})",
        )


def check_role_map(settings: Settings, report: Report) -> RoleMap | None:
    try:
        role_map = RoleMap.load(settings.role_map_file)
    except RoleMapError as exc:
        report.fail("role map", str(exc))
        return None
    granting = sorted(group for group, roles in role_map.groups.items() if roles)
    if granting:
        report.ok("role map", f"{role_map.source}: {len(granting)} group(s) grant roles")
    else:
        report.note("role map", f"{role_map.source}: no group grants a role; every caller gets 403")
    return role_map
