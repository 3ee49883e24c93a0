"""A stand-in identity provider: real keys, a JWKS over a mock transport, and tokens
shaped like each IdP's access tokens (claim names as the IdPs document them)."""

from __future__ import annotations

import asyncio
import time
from functools import cache

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUERS = {
    "okta": "https://idp.test/oauth2/default",
    "entra_id": "https://idp.test/00000000-0000-0000-0000-00000000beef/v2.0",
    "keycloak": "https://idp.test/realms/orders",
    "aws_cognito": "https://idp.test/eu-west-1_TEST",
    "auth0": "https://idp.test/",
    "ping": "https://idp.test/env-1/as",
    "generic_oidc": "https://idp.test",
}
JWKS_PATHS = {
    "okta": "/oauth2/default/v1/keys",
    "entra_id": "/00000000-0000-0000-0000-00000000beef/discovery/v2.0/keys",
    "keycloak": "/realms/orders/protocol/openid-connect/certs",
    "aws_cognito": "/eu-west-1_TEST/.well-known/jwks.json",
    "auth0": "/.well-known/jwks.json",
    "ping": "/env-1/as/jwks",
    "generic_oidc": "/keys",
}
AUDIENCE = "orders-api"
# The requesting client each shape names (see shaped_claims); Keycloak requires an allow-list.
CLIENT_IDS = {"keycloak": "orders-web"}
# RFC 9068 marks access tokens in the JOSE header; the generic preset requires it.
ACCESS_TOKEN_HEADERS = {"generic_oidc": {"typ": "at+jwt"}}


@cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def ec_key(name: str) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def shaped_claims(idp: str, subject: str, groups: list[str]) -> dict:
    """The claims each IdP puts in an access token for our API."""
    if idp == "okta":
        return {"sub": subject, "uid": "00u1", "cid": "0oa1", "scp": ["orders"], "groups": groups}
    if idp == "entra_id":
        return {
            "oid": subject,
            "tid": "00000000-0000-0000-0000-00000000beef",
            "sub": "pairwise-subject",
            "azp": "client-app",
            "ver": "2.0",
            "scp": "Orders.Read Orders.Write",
            "name": "Test User",
            "roles": groups,
        }
    if idp == "keycloak":
        return {
            "sub": subject,
            "typ": "Bearer",
            "azp": "orders-web",
            "scope": "openid profile",
            "preferred_username": "test.user",
            "realm_access": {"roles": groups},
            "resource_access": {"account": {"roles": ["view-profile"]}},
        }
    if idp == "aws_cognito":
        return {
            "sub": subject,
            "token_use": "access",
            "client_id": AUDIENCE,
            "username": "test.user",
            "scope": "orders/read",
            "cognito:groups": groups,
        }
    if idp == "auth0":
        return {
            "sub": f"auth0|{subject}",
            "azp": "client-app",
            "scope": "read",
            "permissions": groups,
        }
    return {"sub": subject, "client_id": "client-app", "scope": "orders", "groups": groups}


class FakeIdp:
    def __init__(self, idp: str) -> None:
        self.idp = idp
        self.issuer = ISSUERS[idp]
        self.jwks_path = JWKS_PATHS[idp]
        self.audience = AUDIENCE
        self.signing_keys: dict[str, object] = {"rsa-1": rsa_key("rsa-1")}
        self.publish_alg = True  # False: keys without "alg", as RFC 7517 allows
        self.up = True
        self.delay = 0.0
        self.jwks_hits = 0

    def jwks(self) -> dict:
        keys = []
        for kid, private_key in self.signing_keys.items():
            public = private_key.public_key()
            if isinstance(public, rsa.RSAPublicKey):
                jwk = RSAAlgorithm.to_jwk(public, as_dict=True) | {"alg": "RS256"}
            else:
                jwk = ECAlgorithm.to_jwk(public, as_dict=True) | {"alg": "ES256"}
            if not self.publish_alg:
                del jwk["alg"]
            keys.append(jwk | {"kid": kid, "use": "sig"})
        return {"keys": keys}

    def rotate(self, new_kid: str) -> None:
        """Publish a new key and withdraw the old ones."""
        self.signing_keys = {new_kid: rsa_key(new_kid)}

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if self.delay:
            await asyncio.sleep(self.delay)
        if not self.up:
            raise httpx.ConnectError("identity provider unreachable", request=request)
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(
                200, json={"issuer": self.issuer, "jwks_uri": f"https://idp.test{self.jwks_path}"}
            )
        if request.url.path == self.jwks_path:
            self.jwks_hits += 1
            return httpx.Response(200, json=self.jwks())
        return httpx.Response(404)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def claims(self, *, subject: str = "user-1", groups: list[str] | None = None, **extra) -> dict:
        now = int(time.time())
        claims = {"iss": self.issuer, "iat": now, "nbf": now, "exp": now + 600}
        if self.idp != "aws_cognito":
            claims["aud"] = self.audience
        claims |= shaped_claims(self.idp, subject, groups or [])
        return claims | extra

    def token(
        self,
        claims: dict | None = None,
        *,
        kid: str = "rsa-1",
        key: object | None = None,
        algorithm: str = "RS256",
        headers: dict | None = None,
        **claim_args,
    ) -> str:
        payload = claims if claims is not None else self.claims(**claim_args)
        signing_key = key if key is not None else self.signing_keys.get(kid) or rsa_key(kid)
        header = {"kid": kid, **self.access_token_header(), **(headers or {})}
        return jwt.encode(payload, signing_key, algorithm=algorithm, headers=header)

    def access_token_header(self) -> dict:
        """The JOSE header fields this IdP's access tokens carry beside alg and kid."""
        return ACCESS_TOKEN_HEADERS.get(self.idp, {})
