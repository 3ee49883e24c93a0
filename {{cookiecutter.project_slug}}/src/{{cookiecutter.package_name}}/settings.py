"""Service settings, read once from the environment at start-up.

Every setting is an environment variable of the same name in upper case
(``TRUSTED_EDGE_NETWORKS``, ``OIDC_ISSUER``, ...). List settings take
comma-separated values. A bad value stops start-up with a message naming it.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

IdentitySource = Literal["both", "edge_headers", "bearer_token"]
EdgeAppliance = Literal["fortigate", "citrix_adc"]
IdpName = Literal["okta", "entra_id", "keycloak", "aws_cognito", "auth0", "ping", "generic_oidc"]
Environment = Literal["dev", "staging", "prod"]
DevicePosture = Literal["off", "required"]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
HEADER_NAME = re.compile(r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$")
SYSLOG_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)$")
CLAIM_RULE = re.compile(r"^[^=\s]+(=[^=\s]+)?$")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
CommaList = Annotated[tuple[str, ...], NoDecode]


class SettingsError(Exception):
    """Raised when the environment holds an unusable setting."""


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return value


def require_safe_url(name: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return url
    raise ValueError(
        f"{name} must be an https:// URL (plain http only on loopback: "
        f"{', '.join(sorted(LOOPBACK_HOSTS))}), got {url!r}"
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    environment: Environment = "prod"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65_535)
    identity_source: IdentitySource = "{{ cookiecutter.identity_source }}"
    role_map_file: Path = Path("config/roles.toml")
    lab_header_echo: bool = False

    edge_appliance: EdgeAppliance = "{{ cookiecutter.edge_appliance }}"
    trusted_edge_networks: Annotated[tuple[Network, ...], NoDecode] = ()
    edge_user_header: str | None = None
    edge_groups_header: str | None = None
    edge_groups_separator: str | None = None
    edge_headers_base64: bool = False
    edge_user_strip_domain: bool = False
    edge_user_lowercase: bool = False
    edge_request_id_header: str = "X-Request-ID"
    edge_device_posture: DevicePosture = "{{ cookiecutter.device_posture }}"
    edge_max_groups: int = Field(default=200, ge=1, le=10_000)
    edge_max_header_bytes: int = Field(default=8192, ge=256, le=65_536)

    idp: IdpName = "{{ cookiecutter.idp }}"
    oidc_issuer: str = ""
    oidc_audience: CommaList = ()
    oidc_jwks_url: str = ""
    oidc_algorithms: CommaList = ("RS256",)
    oidc_group_claims: CommaList = ()
    oidc_subject_claim: str = ""
    oidc_required_header_typ: str = ""
    oidc_required_claim: str = ""
    oidc_client_ids: CommaList = ()
    oidc_leeway_seconds: int = Field(default=30, ge=0, le=120)
    oidc_max_token_lifetime_seconds: int = Field(default=86_400, ge=60, le=7 * 86_400)
    oidc_max_token_bytes: int = Field(default=8192, ge=1024, le=65_536)
    token_cache_size: int = Field(default=10_000, ge=0, le=1_000_000)
    jwks_cache_ttl_seconds: int = Field(default=3600, ge=60, le=86_400)
    jwks_refresh_cooldown_seconds: int = Field(default=30, ge=1, le=3600)
    jwks_fetch_timeout_seconds: float = Field(default=3.0, gt=0, le=30)

    audit_syslog_address: str = ""
    audit_syslog_ca_file: Path | None = None
    audit_syslog_queue_size: int = Field(default=10_000, ge=1, le=1_000_000)
    audit_syslog_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    @property
    def accepts_edge_headers(self) -> bool:
        return self.identity_source in ("both", "edge_headers")

    @property
    def accepts_bearer_tokens(self) -> bool:
        return self.identity_source in ("both", "bearer_token")

    @property
    def audit_syslog_receiver(self) -> tuple[str, int] | None:
        """AUDIT_SYSLOG_ADDRESS as host and port; None when audit lines go to stdout only."""
        if not self.audit_syslog_address:
            return None
        host, _, port = self.audit_syslog_address.rpartition(":")
        return host.strip("[]"), int(port)

    @field_validator("trusted_edge_networks", mode="before")
    @classmethod
    def _parse_networks(cls, value: object) -> object:
        value = _split_commas(value)
        networks = []
        for item in value if isinstance(value, (tuple, list)) else ():
            try:
                network = ipaddress.ip_network(item, strict=True)
            except ValueError as exc:
                raise ValueError(f"{item!r} is not a network in CIDR form ({exc})") from None
            if network.prefixlen == 0:
                raise ValueError(f"{item!r} trusts every address; list the edge's networks")
            networks.append(network)
        return tuple(networks) if isinstance(value, (tuple, list)) else value

    @field_validator(
        "oidc_audience", "oidc_algorithms", "oidc_group_claims", "oidc_client_ids", mode="before"
    )
    @classmethod
    def _parse_lists(cls, value: object) -> object:
        return _split_commas(value)

    @field_validator("oidc_algorithms")
    @classmethod
    def _only_asymmetric(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one algorithm is required")
        refused = [alg for alg in value if alg not in ASYMMETRIC_ALGORITHMS]
        if refused:
            raise ValueError(
                f"{refused} not allowed; use public-key algorithms only: "
                + ", ".join(sorted(ASYMMETRIC_ALGORITHMS))
            )
        return value

    @field_validator("oidc_required_claim")
    @classmethod
    def _claim_rule(cls, value: str) -> str:
        if value and not CLAIM_RULE.match(value):
            raise ValueError(f"{value!r} must be a claim name, or name=value, without spaces")
        return value

    @field_validator("edge_user_header", "edge_groups_header", "edge_request_id_header")
    @classmethod
    def _header_name(cls, value: str | None) -> str | None:
        if value is not None and not HEADER_NAME.match(value):
            raise ValueError(f"{value!r} is not a header name of letters, digits and hyphens")
        return value

    @field_validator("edge_groups_separator")
    @classmethod
    def _separator(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or not value.isprintable()):
            raise ValueError(f"{value!r} must be printable and not only whitespace")
        return value

    @field_validator("audit_syslog_address")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if value and not (SYSLOG_HOST.match(host) and port.isdigit() and 1 <= int(port) <= 65_535):
            raise ValueError(f"{value!r} must be host:port ([address]:port for IPv6)")
        return value

    @field_validator("audit_syslog_ca_file")
    @classmethod
    def _readable_ca_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{str(value)!r} is not a file (the CA bundle for syslog over TLS)")
        return value

    @model_validator(mode="after")
    def _no_lab_routes_in_production(self) -> Settings:
        if self.lab_header_echo and self.environment == "prod":
            raise ValueError("LAB_HEADER_ECHO is refused when ENVIRONMENT is 'prod'")
        return self

    @model_validator(mode="after")
    def _bearer_settings_complete(self) -> Settings:
        if not self.accepts_bearer_tokens:
            return self
        if not self.oidc_issuer:
            raise ValueError(
                f"OIDC_ISSUER is required when IDENTITY_SOURCE is {self.identity_source!r}"
            )
        if not self.oidc_audience:
            raise ValueError(
                f"OIDC_AUDIENCE is required when IDENTITY_SOURCE is {self.identity_source!r}"
            )
        require_safe_url("OIDC_ISSUER", self.oidc_issuer)
        if self.oidc_jwks_url:
            require_safe_url("OIDC_JWKS_URL", self.oidc_jwks_url)
        return self


def load_settings() -> Settings:
    """Read the settings, or raise SettingsError naming every bad variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = "_".join(str(part) for part in error["loc"][:1]).upper()
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{name}: {message}" if name else message)
        raise SettingsError("Invalid settings: " + "; ".join(problems)) from None
