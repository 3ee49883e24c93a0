"""The IdP's signing keys, fetched asynchronously and cached.

- Keys are looked up by ``kid`` in memory; the request path does no I/O while the
  cache is fresh. A stale cache is refreshed in the background.
- An unknown ``kid`` triggers at most one fetch per cooldown window, and concurrent
  requests share that one fetch, so a flood of random kids cannot hammer the IdP.
- A failed fetch keeps the last good keys. With no key at all the caller gets 503.
- Keys come only from the configured URL (or the issuer's discovery document),
  never from anything the token names.
- A key may verify only the allowed algorithms of its own type: the one its ``alg``
  names, or, where it names none (RFC 7517 makes ``alg`` optional), each allowed
  algorithm of its key type and curve.
- Why a fetch failed is kept in ``problem``, worded for the operator who must fix it:
  /readyz shows it and it is logged at ERROR.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import urlsplit

import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWTError

from ..settings import require_safe_url
from .errors import SigningKeysUnavailable

logger = logging.getLogger(__name__)

MAX_JWKS_BYTES = 1_048_576
EC_CURVES = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
DISCOVERY_PATH = "/.well-known/openid-configuration"

KeyVerifiers = dict[str, PyJWK]
"""One published key, ready to verify each algorithm it may: algorithm -> key."""


class KeyFetchError(Exception):
    pass


class SigningKeys:
    def __init__(
        self,
        *,
        issuer: str,
        jwks_url: str | None,
        algorithms: tuple[str, ...],
        http: httpx.AsyncClient,
        ttl: float,
        cooldown: float,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer
        self.jwks_url = jwks_url
        self.algorithms = algorithms
        self.http = http
        self.ttl = ttl
        self.cooldown = cooldown
        self.timeout = timeout
        self.clock = clock
        self.keys: dict[str, KeyVerifiers] = {}
        self.problem = ""
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._inflight: asyncio.Task[None] | None = None

    async def get(self, kid: str) -> KeyVerifiers | None:
        """The key for ``kid``, or None when the IdP does not publish it.

        Raises SigningKeysUnavailable when the IdP could not be asked: with no keys at
        all, or while its last fetch failed, an unknown kid may be a rotated key as well
        as a forged one, so the caller is told to retry rather than that the token is bad.
        """
        key = self.keys.get(kid)
        if key is not None:
            self.keep_fresh()
            return key
        await self.refresh()
        key = self.keys.get(kid)
        if key is None and (not self.keys or self.problem):
            raise SigningKeysUnavailable(self.retry_after())
        return key

    def keep_fresh(self) -> None:
        """Start a background refresh when the keys are older than the TTL; never waits."""
        if self._is_stale():
            self._start_refresh()

    async def ready(self) -> bool:
        if not self.keys:
            await self.refresh()
        return bool(self.keys)

    async def refresh(self) -> None:
        """Fetch the key set unless a fetch is running (then join it) or cooling down."""
        task = self._start_refresh()
        if task is not None:
            await asyncio.shield(task)

    def retry_after(self) -> int:
        if self._attempted_at is None:
            return 1
        return max(1, round(self.cooldown - (self.clock() - self._attempted_at)))

    def _is_stale(self) -> bool:
        return self._fetched_at is None or self.clock() - self._fetched_at > self.ttl

    def _start_refresh(self) -> asyncio.Task[None] | None:
        # A task reads done the moment it ends; a done-callback clearing it would run a
        # turn of the loop later, and a request in that turn would join the ended fetch.
        if self._inflight is not None and not self._inflight.done():
            return self._inflight
        now = self.clock()
        if self._attempted_at is not None and now - self._attempted_at < self.cooldown:
            return None
        self._attempted_at = now
        self._inflight = asyncio.create_task(self._fetch())
        return self._inflight

    async def _fetch(self) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                url = self.jwks_url or await self._discover_jwks_url()
                keys = self._usable_keys(url, await self.fetch_json(url))
        except KeyFetchError as exc:
            self.problem = str(exc)
        except TimeoutError:
            self.problem = (
                f"the IdP did not answer within {self.timeout:g} s (JWKS_FETCH_TIMEOUT_SECONDS)"
            )
        else:
            self.keys, self.problem = keys, ""
            self._fetched_at = self.clock()
            return
        logger.error(
            "Signing keys could not be fetched (%d cached keys kept): %s",
            len(self.keys),
            self.problem,
        )

    async def _discover_jwks_url(self) -> str:
        document = await self.fetch_json(self.issuer.rstrip("/") + DISCOVERY_PATH)
        if document.get("issuer") != self.issuer:
            raise KeyFetchError(issuer_mismatch(self.issuer, document.get("issuer")))
        jwks_uri = document.get("jwks_uri")
        try:
            jwks_url = require_safe_url("jwks_uri", jwks_uri if isinstance(jwks_uri, str) else "")
        except ValueError as exc:
            raise KeyFetchError(f"discovery: {exc}") from None
        self.jwks_url = jwks_url
        return jwks_url

    async def fetch_json(self, url: str) -> dict[str, object]:
        """A JSON object from the IdP, size-capped; KeyFetchError says what went wrong."""
        body = bytearray()
        try:
            async with self.http.stream("GET", url) as response:
                if response.status_code != 200:
                    raise KeyFetchError(f"{url} answered {response.status_code}{_hint_for(url)}")
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_JWKS_BYTES:
                        raise KeyFetchError(f"{url} answered more than {MAX_JWKS_BYTES} bytes")
        except httpx.TimeoutException:
            raise KeyFetchError(
                f"{url} did not answer within {self.timeout:g} s (JWKS_FETCH_TIMEOUT_SECONDS)"
            ) from None
        except httpx.HTTPError as exc:
            raise KeyFetchError(
                f"cannot fetch {url} ({type(exc).__name__}: {exc}); "
                "is the IdP up and reachable from here?"
            ) from None
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            raise KeyFetchError(f"{url} did not answer JSON") from None
        if not isinstance(document, dict):
            raise KeyFetchError(f"{url} did not answer a JSON object")
        return document

    def _usable_keys(self, url: str, jwks: Mapping[str, object]) -> dict[str, KeyVerifiers]:
        keys: dict[str, KeyVerifiers] = {}
        published = jwks.get("keys")
        if not isinstance(published, list):
            raise KeyFetchError(f"the key set at {url} has no list of keys")
        for jwk in published:
            if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig":
                continue
            kid = jwk.get("kid")
            verifiers = self._verifiers(jwk)
            if isinstance(kid, str) and verifiers:
                keys[kid] = verifiers
        if not keys:
            raise KeyFetchError(
                f"the key set at {url} holds no signing key for OIDC_ALGORITHMS="
                f"{','.join(self.algorithms)}; it publishes {describe_keys(published)}"
            )
        return keys

    def _verifiers(self, jwk: dict[str, object]) -> KeyVerifiers:
        verifiers: KeyVerifiers = {}
        for algorithm in self.algorithms:
            if algorithm in algorithms_for_key(jwk):
                try:
                    verifiers[algorithm] = PyJWK(jwk, algorithm)
                except (PyJWTError, ValueError, TypeError):
                    continue
        return verifiers


def algorithms_for_key(jwk: Mapping[str, object]) -> frozenset[str]:
    """What a published key may verify: its own ``alg``, else every algorithm of its type."""
    if "alg" in jwk:
        alg = jwk["alg"]
        return frozenset({alg}) if isinstance(alg, str) else frozenset()
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "RSA":
        return RSA_ALGORITHMS
    # A crv that is no string (a list, say) is no curve: looking it up would raise.
    if kty == "EC" and isinstance(crv, str) and crv in EC_CURVES:
        return frozenset({EC_CURVES[crv]})
    if kty == "OKP" and crv in ("Ed25519", "Ed448"):
        return frozenset({"EdDSA"})
    return frozenset()


def describe_keys(published: Iterable[object]) -> str:
    """A key set in a few words for an operator: each key's type, curve and alg."""
    seen = [
        "/".join(str(jwk[field]) for field in ("kty", "crv", "alg", "use") if field in jwk)
        for jwk in published
        if isinstance(jwk, dict)
    ]
    return ", ".join(seen) or "no keys"


def issuer_mismatch(configured: str, named: object) -> str:
    """Discovery names another issuer: both side by side, and the likely slip."""
    message = f"discovery names issuer {named!r}; OIDC_ISSUER is {configured!r}"
    slip = likely_slip(configured, named) if isinstance(named, str) else ""
    return message + (f" ({slip})" if slip else "") + "; OIDC_ISSUER must be exactly the former"


def likely_slip(configured: str, named: str) -> str:
    """The usual reason two spellings of one issuer differ, as a short question."""
    if configured.rstrip("/") == named.rstrip("/"):
        return "trailing slash?"
    if configured.lower() == named.lower():
        return "letter case?"
    ours, theirs = urlsplit(configured), urlsplit(named)
    if ours.scheme != theirs.scheme:
        return f"{theirs.scheme}:// where the setting says {ours.scheme}://?"
    if ours.netloc != theirs.netloc:
        return (
            f"the IdP calls itself {theirs.netloc!r}, the setting says {ours.netloc!r}; "
            "tokens carry the IdP's own name"
        )
    return "another realm, tenant or path?"


def _hint_for(url: str) -> str:
    if url.endswith(DISCOVERY_PATH):
        return (
            "; OIDC_ISSUER must be the issuer's exact URL, or set OIDC_JWKS_URL "
            "where the IdP serves no discovery document"
        )
    return "; is OIDC_JWKS_URL (or the preset's key URL for OIDC_ISSUER) right?"
