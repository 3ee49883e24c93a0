"""Bearer tokens are verified locally against the IdP's keys and rules.

Each way to forge or misuse a token is a row of the attack corpus
(tests/evidence/test_attack_corpus.py); this file holds what valid tokens get and the
refusals that are not attacks.
"""

from __future__ import annotations

import time

import pytest

from ...support.fake_idp import ISSUERS

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


async def test_token_expired_within_leeway_is_accepted(make_service, idp):
    # PyJWT reads the real clock, so the margin is wide: the longest leeway the settings
    # allow and a token one second past exp; only a two-minute stall could push it out.
    service = make_service(identity_source="bearer_token", oidc_leeway_seconds=120)
    now = int(time.time())
    token = idp.token(idp.claims(iat=now - 600, exp=now - 1))

    assert (await service.get_as(token)).status_code == 200


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


async def test_configured_claim_rule_replaces_the_presets_access_token_marker(service_for):
    """An RFC 9068 provider that does not set typ: at+jwt, told apart by client_id instead."""
    service, idp = service_for(
        "generic_oidc", identity_source="bearer_token", oidc_required_claim="client_id"
    )
    claims = idp.claims()
    without_client = {name: value for name, value in claims.items() if name != "client_id"}

    accepted = await service.get_as(idp.token(claims, headers={"typ": "JWT"}))
    refused = await service.get_as(idp.token(without_client, headers={"typ": "at+jwt"}))

    assert accepted.status_code == 200, accepted.text
    assert_invalid_token(refused)


async def test_configured_claim_value_must_match(service_for):
    service, idp = service_for(
        "generic_oidc", identity_source="bearer_token", oidc_required_claim="token_use=access"
    )

    assert (await service.get_as(idp.token(token_use="access"))).status_code == 200
    assert_invalid_token(await service.get_as(idp.token(token_use="id")))


@pytest.mark.parametrize("idp_name", IDPS)
async def test_allowed_client_ids_are_read_from_the_presets_client_claim(idp_name, service_for):
    service, idp = service_for(idp_name, identity_source="bearer_token")
    client = {"okta": "cid", "entra_id": "azp", "keycloak": "azp", "auth0": "azp"}.get(
        idp_name, "client_id"
    )
    token = idp.token()
    named = idp.claims()[client]
    service_allowing, _ = service_for(
        idp_name, identity_source="bearer_token", oidc_client_ids=f"other,{named}"
    )
    service_refusing, _ = service_for(
        idp_name, identity_source="bearer_token", oidc_client_ids="other"
    )

    assert (await service.get_as(token)).status_code == 200
    assert (await service_allowing.get_as(token)).status_code == 200
    assert_invalid_token(await service_refusing.get_as(token))


async def test_token_without_the_subject_claim_is_refused(bearer_service, idp):
    claims = idp.claims()
    claims.pop("oid" if idp.idp == "entra_id" else "sub")

    assert_invalid_token(await bearer_service.get_as(idp.token(claims)))


async def test_entra_group_overage_is_403_not_an_empty_group_list(make_service, idp):
    service = make_service(identity_source="bearer_token", oidc_group_claims="groups")
    claims = idp.claims() | {"_claim_names": {"groups": "src1"}}

    response = await service.get_as(idp.token(claims))

    assert response.status_code == 403
