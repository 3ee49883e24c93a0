"""Bearer tokens are verified locally against the IdP's keys and rules.

Each way to forge or misuse a token is a row of the attack corpus (test_attack_corpus.py);
this file holds what valid tokens get and the refusals that are not attacks.
"""

from __future__ import annotations

import time

import pytest

from .support.fake_idp import ISSUERS

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


async def test_expired_token_tells_the_caller_it_expired(bearer_service, idp):
    now = int(time.time())
    token = idp.token(idp.claims(iat=now - 3600, nbf=now - 3600, exp=now - 60))

    response = await bearer_service.get_as(token)

    assert_invalid_token(response)
    assert response.json()["detail"] == "The bearer token has expired."


async def test_token_expired_within_leeway_is_accepted(bearer_service, idp):
    now = int(time.time())
    token = idp.token(idp.claims(iat=now - 600, exp=now - 10))

    assert (await bearer_service.get_as(token)).status_code == 200


async def test_audience_list_containing_ours_is_accepted(bearer_service, idp):
    claims = idp.claims()
    if idp.idp != "aws_cognito":
        claims["aud"] = [idp.audience, "https://idp.test/userinfo"]

    assert (await bearer_service.get_as(idp.token(claims))).status_code == 200


async def test_non_bearer_authorization_scheme_is_refused(bearer_service):
    async with bearer_service.client() as client:
        response = await client.get("/v1/me", headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"})

    assert response.status_code == 401


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
