"""The IdP's signing keys, fetched asynchronously and cached.

- Keys are looked up by ``kid`` in memory; the request path does no I/O while the
  cache is fresh. A stale cache is refreshed in the background.
- An unknown ``kid`` triggers at most one fetch per cooldown window, and concurrent
  requests share that one fetch, so a flood of random kids cannot hammer the IdP.
- A failed fetch keeps the last good keys. With no key at all the caller gets 503.
- Keys come only from the configured URL (or the issuer's discovery document),
  never from anything the token names.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable

import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWTError

from ..settings import require_safe_url
from .errors import SigningKeysUnavailable

logger = logging.getLogger(__name__)

MAX_JWKS_BYTES = 1_048_576
EC_CURVES = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}


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
        self.keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._inflight: asyncio.Task[None] | None = None

    async def get(self, kid: str) -> PyJWK | None:
        """The key for ``kid``, or None when the IdP does not publish it."""
        key = self.keys.get(kid)
        if key is not None:
            self.keep_fresh()
            return key
        await self.refresh()
        key = self.keys.get(kid)
        if key is None and not self.keys:
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
        if self._inflight is not None:
            return self._inflight
        now = self.clock()
        if self._attempted_at is not None and now - self._attempted_at < self.cooldown:
            return None
        self._attempted_at = now
        self._inflight = asyncio.create_task(self._fetch())
        self._inflight.add_done_callback(self._fetch_done)
        return self._inflight

    def _fetch_done(self, task: asyncio.Task[None]) -> None:
        self._inflight = None

    async def _fetch(self) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                url = self.jwks_url or await self._discover_jwks_url()
                keys = self._usable_keys(await self._get_json(url))
        except (KeyFetchError, httpx.HTTPError, TimeoutError) as exc:
            logger.warning("JWKS fetch failed, keeping %d cached keys: %r", len(self.keys), exc)
            return
        self.keys = keys
        self._fetched_at = self.clock()

    async def _discover_jwks_url(self) -> str:
        document = await self._get_json(
            self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        )
        if document.get("issuer") != self.issuer:
            raise KeyFetchError(f"discovery names issuer {document.get('issuer')!r}")
        jwks_uri = document.get("jwks_uri")
        try:
            require_safe_url("jwks_uri", jwks_uri if isinstance(jwks_uri, str) else "")
        except ValueError as exc:
            raise KeyFetchError(f"discovery: {exc}") from None
        self.jwks_url = jwks_uri
        return jwks_uri

    async def _get_json(self, url: str) -> dict:
        body = bytearray()
        async with self.http.stream("GET", url) as response:
            if response.status_code != 200:
                raise KeyFetchError(f"{url} answered {response.status_code}")
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_JWKS_BYTES:
                    raise KeyFetchError(f"{url} answered more than {MAX_JWKS_BYTES} bytes")
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            raise KeyFetchError(f"{url} did not answer JSON") from None
        if not isinstance(document, dict):
            raise KeyFetchError(f"{url} did not answer a JSON object")
        return document

    def _usable_keys(self, jwks: dict) -> dict[str, PyJWK]:
        keys = {}
        published = jwks.get("keys")
        if not isinstance(published, list):
            raise KeyFetchError("the key set has no list of keys")
        for jwk in published:
            if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig":
                continue
            kid, algorithm = jwk.get("kid"), self._algorithm_for(jwk)
            if not isinstance(kid, str) or algorithm not in self.algorithms:
                continue
            try:
                keys[kid] = PyJWK(jwk, algorithm)
            except (PyJWTError, ValueError, TypeError):
                continue
        if not keys:
            raise KeyFetchError("the key set holds no usable signing key")
        return keys

    def _algorithm_for(self, jwk: dict) -> str | None:
        """A key's algorithm: its own ``alg``, else the allowed one its type implies."""
        if "alg" in jwk:
            return jwk["alg"]
        kty = jwk.get("kty")
        if kty == "EC":
            return EC_CURVES.get(jwk.get("crv"))
        if kty == "OKP":
            return "EdDSA"
        if kty == "RSA":
            return next((a for a in self.algorithms if a[:2] in ("RS", "PS")), None)
        return None
