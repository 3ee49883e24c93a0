"""The one start-up assembly point: every collaborator, built once from the settings.

Routes and dependencies receive the result typed (``ServicesDep`` in api/deps.py);
nothing reads the environment or builds a collaborator per request.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
from fastapi import FastAPI

from . import PROJECT_SLUG, __version__
from .audit_shipping import SyslogShipper, audit_logger, tls_context
from .authorization.roles import RoleMap
from .identity.authenticate import Authenticator
from .identity.edge import APPLIANCE_DEFAULTS, EdgeHeaderReader, EdgeHeaderRules
from .identity.idp import PRESETS, AccessTokenMarker
from .identity.keys import SigningKeys
from .identity.tokens import TokenRules, TokenVerifier
from .orders import OrderStore
from .peer import EdgeNetworks
from .settings import Settings, SettingsError


@dataclass
class Services:
    settings: Settings
    edge_networks: EdgeNetworks
    edge_rules: EdgeHeaderRules
    authenticator: Authenticator
    role_map: RoleMap
    tokens: TokenVerifier | None
    idp_http: httpx.AsyncClient | None
    audit_syslog: SyslogShipper | None = None
    orders: OrderStore = field(default_factory=OrderStore)

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        """Fetch the IdP's keys before the first request and start shipping audit lines;
        at the end, close the IdP client and send what is left to syslog."""
        if self.tokens is not None:
            await self.tokens.keys.refresh()
        if self.audit_syslog is not None:
            self.audit_syslog.start()
            audit_logger().addHandler(self.audit_syslog)
        yield
        if self.audit_syslog is not None:
            audit_logger().removeHandler(self.audit_syslog)
            await asyncio.to_thread(self.audit_syslog.close)
        if self.idp_http is not None:
            await self.idp_http.aclose()


def build_services(
    settings: Settings, jwks_transport: httpx.AsyncBaseTransport | None = None
) -> Services:
    """Raise SettingsError (naming the setting or role-map entry) if anything is unusable."""
    role_map = RoleMap.load(settings.role_map_file)
    edge_networks = EdgeNetworks(settings.trusted_edge_networks)
    edge_rules = edge_header_rules(settings)
    http, tokens = None, None
    if settings.accepts_bearer_tokens:
        http = idp_http_client(settings, jwks_transport)
        tokens = token_verifier(settings, http)
    authenticator = Authenticator(
        edge_networks=edge_networks,
        edge_headers=EdgeHeaderReader(edge_rules),
        accept_edge_headers=settings.accepts_edge_headers,
        tokens=tokens,
    )
    return Services(
        settings,
        edge_networks,
        edge_rules,
        authenticator,
        role_map,
        tokens,
        http,
        audit_syslog_shipper(settings),
    )


def audit_syslog_shipper(settings: Settings) -> SyslogShipper | None:
    """The syslog copy of the audit lines, when AUDIT_SYSLOG_ADDRESS names a receiver."""
    receiver = settings.audit_syslog_receiver
    if receiver is None:
        return None
    ca_file = settings.audit_syslog_ca_file
    try:
        tls = tls_context(ca_file) if ca_file else None
    except ValueError as exc:
        raise SettingsError(f"AUDIT_SYSLOG_CA_FILE: {exc}") from None
    return SyslogShipper(
        *receiver,
        tls=tls,
        queue_size=settings.audit_syslog_queue_size,
        timeout=settings.audit_syslog_timeout_seconds,
    )


def edge_header_rules(settings: Settings) -> EdgeHeaderRules:
    user, groups, separator = APPLIANCE_DEFAULTS[settings.edge_appliance]
    rules = EdgeHeaderRules(
        user_header=(settings.edge_user_header or user).lower(),
        groups_header=(settings.edge_groups_header or groups).lower(),
        separator=settings.edge_groups_separator or separator,
        base64=settings.edge_headers_base64,
        strip_domain=settings.edge_user_strip_domain,
        lowercase=settings.edge_user_lowercase,
        max_groups=settings.edge_max_groups,
        max_header_bytes=settings.edge_max_header_bytes,
    )
    if rules.user_header == rules.groups_header:
        raise SettingsError("EDGE_USER_HEADER and EDGE_GROUPS_HEADER must differ")
    return rules


def token_rules(settings: Settings) -> TokenRules:
    """The IdP preset's rules, as the settings adjust them."""
    preset = PRESETS[settings.idp]
    if preset.issuer_rule and not preset.issuer_rule[0](settings.oidc_issuer):
        raise SettingsError(f"OIDC_ISSUER {settings.oidc_issuer!r} {preset.issuer_rule[1]}")
    if preset.client_ids_required and not settings.oidc_client_ids:
        raise SettingsError(
            f"OIDC_CLIENT_IDS is required for IDP={settings.idp!r}: list the client ids "
            f"({' or '.join(preset.client_claims)} claim) allowed to call this API"
        )
    marker = preset.access_token_marker
    if settings.oidc_required_header_typ or settings.oidc_required_claim:
        marker = AccessTokenMarker.configured(
            settings.oidc_required_header_typ, settings.oidc_required_claim
        )
    return TokenRules(
        issuer=settings.oidc_issuer,
        audiences=settings.oidc_audience,
        audience_claim=preset.audience_claim,
        algorithms=settings.oidc_algorithms,
        leeway=settings.oidc_leeway_seconds,
        max_lifetime=settings.oidc_max_token_lifetime_seconds,
        max_bytes=settings.oidc_max_token_bytes,
        subject_claim=settings.oidc_subject_claim or preset.subject_claim,
        display_name_claims=preset.display_name_claims,
        group_claims=settings.oidc_group_claims or preset.group_claims,
        scope_claim=preset.scope_claim,
        access_token_marker=marker,
        client_claims=preset.client_claims,
        client_ids=frozenset(settings.oidc_client_ids),
    )


def token_verifier(settings: Settings, http: httpx.AsyncClient) -> TokenVerifier:
    """The verifier the app uses: the preset's rules and key location, as settings adjust them."""
    preset = PRESETS[settings.idp]
    rules = token_rules(settings)
    keys = SigningKeys(
        issuer=settings.oidc_issuer,
        jwks_url=settings.oidc_jwks_url
        or (preset.jwks_url(settings.oidc_issuer) if preset.jwks_url else None),
        algorithms=settings.oidc_algorithms,
        http=http,
        ttl=settings.jwks_cache_ttl_seconds,
        cooldown=settings.jwks_refresh_cooldown_seconds,
        timeout=settings.jwks_fetch_timeout_seconds,
    )
    return TokenVerifier(rules, keys, settings.token_cache_size)


def idp_http_client(
    settings: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The one HTTP client for the IdP's discovery document and keys."""
    return httpx.AsyncClient(
        transport=transport,
        timeout=settings.jwks_fetch_timeout_seconds,
        headers={"User-Agent": f"{PROJECT_SLUG}/{__version__}", "Accept": "application/json"},
    )
