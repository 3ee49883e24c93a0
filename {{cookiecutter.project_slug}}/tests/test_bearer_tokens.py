"""Bearer tokens are verified locally against the IdP's keys and rules."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from .support.fake_idp import ISSUERS, ec_key, rsa_key

pytestmark = pytest.mark.anyio

IDPS = sorted(ISSUERS)


@pytest.fixture
def bearer_service(make_service):
    return make_service(identity_source="bearer_token")


def assert_invalid_token(response) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


@pytest.mark.parametrize("idp_name", IDPS)
async def test_each_idps_access_token_shape_is_accepted_with_its_roles(idp_name, service_for):
    service, idp = service_for(idp_name, identity_source="bearer_token")
    response = await service.get_as(idp.token(subject="user-42", groups=["writers"]))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["subject"].endswith("user-42")
    assert body["auth_source"] == "bearer_token"
    assert body["issuer"] == idp.issuer
    assert body["roles"] == ["orders-writer"]


async def test_expired_token_is_refused(bearer_service, idp):
    now = int(time.time())
    token = idp.token(idp.claims(iat=now - 3600, nbf=now - 3600, exp=now - 60))

    response = await bearer_service.get_as(token)

    assert_invalid_token(response)
    assert response.json()["detail"] == "The bearer token has expired."


async def test_token_expired_within_leeway_is_accepted(bearer_service, idp):
    now = int(time.time())
    token = idp.token(idp.claims(iat=now - 600, exp=now - 10))

    assert (await bearer_service.get_as(token)).status_code == 200


@pytest.mark.parametrize("claim", ["nbf", "iat"])
async def test_token_not_yet_valid_is_refused(bearer_service, idp, claim):
    now = int(time.time())
    token = idp.token(idp.claims(**{claim: now + 300}, exp=now + 900))

    assert_invalid_token(await bearer_service.get_as(token))


@pytest.mark.parametrize("claim", ["exp", "iat", "iss"])
async def test_token_missing_a_required_claim_is_refused(bearer_service, idp, claim):
    claims = idp.claims()
    del claims[claim]

    assert_invalid_token(await bearer_service.get_as(idp.token(claims)))


async def test_token_living_longer_than_the_maximum_is_refused(make_service, idp):
    service = make_service(identity_source="bearer_token", oidc_max_token_lifetime_seconds=3600)
    now = int(time.time())
    token = idp.token(idp.claims(iat=now, exp=now + 7200))

    assert_invalid_token(await service.get_as(token))


@pytest.mark.parametrize("issuer", ["prefix", "suffix", "trailing_slash"])
async def test_issuer_must_match_exactly(bearer_service, idp, issuer):
    wrong = {
        "prefix": idp.issuer + "-evil",
        "suffix": idp.issuer[:-1],
        "trailing_slash": idp.issuer.rstrip("/") if idp.issuer.endswith("/") else idp.issuer + "/",
    }[issuer]

    assert_invalid_token(await bearer_service.get_as(idp.token(idp.claims(iss=wrong))))


async def test_wrong_audience_is_refused(bearer_service, idp):
    claims = idp.claims()
    if idp.idp == "aws_cognito":
        claims["client_id"] = "another-client"
    else:
        claims["aud"] = ["another-api", "https://idp.test/userinfo"]

    assert_invalid_token(await bearer_service.get_as(idp.token(claims)))


async def test_audience_list_containing_ours_is_accepted(bearer_service, idp):
    claims = idp.claims()
    if idp.idp != "aws_cognito":
        claims["aud"] = [idp.audience, "https://idp.test/userinfo"]

    assert (await bearer_service.get_as(idp.token(claims))).status_code == 200


def unsigned(header: dict, claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


async def test_alg_none_is_refused(bearer_service, idp):
    token = unsigned({"alg": "none", "typ": "JWT", "kid": "rsa-1"}, idp.claims())

    assert_invalid_token(await bearer_service.get_as(token))


async def test_hs256_signed_with_the_public_key_is_refused(bearer_service, idp):
    public_pem = (
        rsa_key("rsa-1")
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}
    body = unsigned(header, idp.claims()).rstrip(".")
    signature = hmac.new(public_pem, body.encode(), hashlib.sha256).digest()
    token = body + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()

    assert_invalid_token(await bearer_service.get_as(token))


async def test_algorithm_outside_the_allow_list_is_refused(bearer_service, idp):
    token = idp.token(key=ec_key("ec-1"), algorithm="ES256")

    assert_invalid_token(await bearer_service.get_as(token))


async def test_token_algorithm_must_match_the_keys_algorithm(make_service, idp):
    service = make_service(identity_source="bearer_token", oidc_algorithms="RS256,PS256")
    token = idp.token(algorithm="PS256")

    assert_invalid_token(await service.get_as(token))


async def test_token_without_kid_is_refused(bearer_service, idp):
    token = jwt.encode(idp.claims(), rsa_key("rsa-1"), algorithm="RS256")

    assert_invalid_token(await bearer_service.get_as(token))


async def test_token_with_unknown_kid_is_refused(bearer_service, idp):
    token = idp.token(kid="not-published")

    assert_invalid_token(await bearer_service.get_as(token))


@pytest.mark.parametrize("header", ["jku", "x5u", "jwk"])
async def test_key_source_headers_are_refused(bearer_service, idp, header):
    value = {"kty": "oct", "k": "AAAA"} if header == "jwk" else "https://attacker.test/keys"

    assert_invalid_token(await bearer_service.get_as(idp.token(headers={header: value})))


async def test_unknown_critical_header_is_refused(bearer_service, idp):
    token = idp.token(headers={"crit": ["exp-policy"], "exp-policy": 1})

    assert_invalid_token(await bearer_service.get_as(token))


async def test_signature_from_another_key_is_refused(bearer_service, idp):
    token = idp.token(key=rsa_key("attacker"))

    assert_invalid_token(await bearer_service.get_as(token))


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda t: t.rsplit(".", 1)[0] + ".", id="signature_stripped"),
        pytest.param(lambda t: t[:-10], id="signature_truncated"),
        pytest.param(lambda t: "!!!." + t.split(".", 1)[1], id="header_not_base64"),
        pytest.param(
            lambda t: t.split(".")[0] + ".bm90IGpzb24." + t.split(".")[2], id="payload_not_json"
        ),
        pytest.param(lambda t: t + ".extra.segments", id="five_segments"),
        pytest.param(lambda t: "not-a-token", id="no_segments"),
    ],
)
async def test_malformed_tokens_are_refused(bearer_service, idp, mangle):
    assert_invalid_token(await bearer_service.get_as(mangle(idp.token())))


async def test_token_over_the_size_limit_is_refused(make_service, idp):
    service = make_service(identity_source="bearer_token", oidc_max_token_bytes=1024)
    token = idp.token(groups=["g" * 40] * 40)

    assert_invalid_token(await service.get_as(token))


async def test_non_bearer_authorization_scheme_is_refused(bearer_service):
    async with bearer_service.client() as client:
        response = await client.get("/v1/me", headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"})

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("idp_name", "claim", "value"), [("keycloak", "typ", "ID"), ("aws_cognito", "token_use", "id")]
)
async def test_id_token_is_refused_where_the_idp_marks_token_types(
    service_for, idp_name, claim, value
):
    service, idp = service_for(idp_name, identity_source="bearer_token")

    assert_invalid_token(await service.get_as(idp.token(idp.claims(**{claim: value}))))


async def test_required_header_typ_refuses_other_token_types(make_service, idp):
    service = make_service(identity_source="bearer_token", oidc_required_header_typ="at+jwt")

    assert_invalid_token(await service.get_as(idp.token(headers={"typ": "JWT"})))
    ok = await service.get_as(idp.token(headers={"typ": "at+jwt"}))
    assert ok.status_code == 200


async def test_token_without_the_subject_claim_is_refused(bearer_service, idp):
    claims = idp.claims()
    claims.pop("oid" if idp.idp == "entra_id" else "sub")

    assert_invalid_token(await bearer_service.get_as(idp.token(claims)))


async def test_entra_group_overage_is_403_not_an_empty_group_list(make_service, idp):
    service = make_service(identity_source="bearer_token", oidc_group_claims="groups")
    claims = idp.claims() | {"_claim_names": {"groups": "src1"}}

    response = await service.get_as(idp.token(claims))

    assert response.status_code == 403
