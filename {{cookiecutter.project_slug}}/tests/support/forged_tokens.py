"""Tokens an attacker builds by hand, where PyJWT would refuse to build them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from cryptography.hazmat.primitives import serialization
from jwt.algorithms import RSAAlgorithm


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_input(header: dict, claims: dict) -> str:
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"


def unsigned(header: dict, claims: dict) -> str:
    """A JWS with an empty signature, as `alg: none` tokens are sent."""
    return signing_input(header, claims) + "."


def hmac_signed(header: dict, claims: dict, secret: bytes) -> str:
    """HS256 over the token with `secret`: with a public key as the secret, the
    classic algorithm-confusion forgery (PyJWT refuses to sign it)."""
    body = signing_input(header, claims)
    return body + "." + b64url(hmac.new(secret, body.encode(), hashlib.sha256).digest())


def public_pem(private_key) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_jwk(private_key, kid: str) -> dict:
    return RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True) | {"kid": kid}
