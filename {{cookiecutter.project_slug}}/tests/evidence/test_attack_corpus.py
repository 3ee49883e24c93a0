"""The attack corpus: each known way in, sent as a real request into the real app.

Every row is a small function that sends one attack. Its decorator states the
answer and the audit reason that proves *its* defence fired, not some other one.
Rows run with the identity source they attack switched on; rows aimed at one
source run again with that source switched off, where the answer must be 401.
docs/security.md lists the same rows, and a test below keeps the two in step.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx
import jwt
import pytest

from ..support.edge_simulator import EDGE_ADDRESS, OUTSIDER_ADDRESS
from ..support.fake_idp import FakeIdp, ec_key, rsa_key
from ..support.forged_tokens import (
    b64url,
    b64url_decode,
    hmac_signed,
    public_jwk,
    public_pem,
    unsigned,
)
from ..support.project import PROJECT_ROOT
from ..support.raw_asgi import raw_request

if TYPE_CHECKING:
    from ..conftest import Service

pytestmark = pytest.mark.anyio

EDGE, TOKEN, BOTH = "edge_headers", "bearer_token", "both"
SWITCHED_OFF = {EDGE: TOKEN, TOKEN: EDGE}
KID = "rsa-1"  # the kid the fake IdP publishes
PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance", "request_id"}
SECURITY_DOC = PROJECT_ROOT / "docs" / "security.md"


class Target:
    """The app under attack, its fake IdP, and the ways a request reaches the app."""

    def __init__(self, service: Service, idp: FakeIdp) -> None:
        self.service = service
        self.idp = idp
        self.rules = service.edge.rules

    def identity(self, user: str, groups: list[str] = ()) -> dict[str, str]:
        """Identity headers exactly as the edge would write them."""
        return self.service.edge.identity_headers(user, list(groups))

    async def from_edge(self, headers, *, path="/v1/me", method="GET", **kwargs) -> httpx.Response:
        return await self.service.edge.client.request(method, path, headers=headers, **kwargs)

    async def from_outsider(self, headers, *, path="/v1/me") -> httpx.Response:
        async with self.service.client(OUTSIDER_ADDRESS) as client:
            return await client.get(path, headers=headers)

    async def send_token(self, token: str, *, path="/v1/me") -> httpx.Response:
        return await self.from_outsider({"Authorization": f"Bearer {token}"}, path=path)

    async def raw(self, headers: list[tuple[bytes, bytes]], *, peer=EDGE_ADDRESS) -> httpx.Response:
        return await raw_request(self.service.app, peer=peer, headers=headers)


@dataclass(frozen=True)
class Attack:
    id: str
    source: str
    status: int
    reason: str
    send: Callable[[Target], Awaitable[httpx.Response]]
    spoofing: bool = False
    idp: str | None = None
    settings: dict = field(default_factory=dict)


ATTACKS: list[Attack] = []


def attack(source: str, status: int, reason: str, *, spoofing=False, idp=None, **settings):
    """Register the decorated function as a corpus row; its name, hyphenated, is the id."""

    def register(send):
        row_id = send.__name__.replace("_", "-")
        ATTACKS.append(Attack(row_id, source, status, reason, send, spoofing, idp, settings))
        return send

    return register


def now() -> int:
    return int(time.time())


# Bearer tokens --------------------------------------------------------------------------


@attack(TOKEN, 401, "algorithm_not_allowed")
async def alg_none(target):
    return await target.send_token(unsigned({"alg": "none", "kid": KID}, target.idp.claims()))


@attack(TOKEN, 401, "algorithm_not_allowed")
async def hs256_with_rsa_public_key(target):
    header = {"alg": "HS256", "typ": "JWT", "kid": KID}
    token = hmac_signed(header, target.idp.claims(), public_pem(rsa_key(KID)))
    return await target.send_token(token)


@attack(TOKEN, 401, "algorithm_not_allowed")
async def es256_not_in_allow_list(target):
    return await target.send_token(target.idp.token(key=ec_key("attacker"), algorithm="ES256"))


@attack(TOKEN, 401, "algorithm_not_allowed")
async def ps256_not_in_allow_list(target):
    return await target.send_token(target.idp.token(key=rsa_key("attacker"), algorithm="PS256"))


@attack(TOKEN, 401, "algorithm_not_allowed", oidc_algorithms="ES256")
async def rs256_where_only_es256_is_allowed(target):
    target.idp.signing_keys = {"ec-1": ec_key("ec-1")}
    return await target.send_token(target.idp.token(kid="ec-1", key=rsa_key("attacker")))


@attack(TOKEN, 401, "algorithm_key_mismatch", oidc_algorithms="RS256,PS256")
async def ps256_against_an_rs256_key(target):
    return await target.send_token(target.idp.token(algorithm="PS256"))


@attack(TOKEN, 401, "algorithm_key_mismatch", oidc_algorithms="RS256,ES256")
async def es256_against_an_rs256_key(target):
    return await target.send_token(target.idp.token(key=ec_key("attacker"), algorithm="ES256"))


@attack(TOKEN, 401, "algorithm_key_mismatch", oidc_algorithms="RS256,PS256,ES256")
async def es256_against_an_rsa_key_without_alg(target):
    target.idp.publish_alg = False
    return await target.send_token(target.idp.token(key=ec_key("attacker"), algorithm="ES256"))


@attack(TOKEN, 401, "algorithm_key_mismatch", oidc_algorithms="ES256,RS256,PS256")
async def ps256_against_an_ec_key_without_alg(target):
    target.idp.publish_alg = False
    target.idp.signing_keys = {"ec-1": ec_key("ec-1")}
    token = target.idp.token(kid="ec-1", key=rsa_key("attacker"), algorithm="PS256")
    return await target.send_token(token)


@attack(TOKEN, 401, "bad_signature")
async def signed_by_an_attacker_key(target):
    return await target.send_token(target.idp.token(key=rsa_key("attacker")))


@attack(TOKEN, 401, "missing_kid")
async def missing_kid(target):
    header = target.idp.access_token_header()
    token = jwt.encode(target.idp.claims(), rsa_key(KID), algorithm="RS256", headers=header)
    return await target.send_token(token)


@attack(TOKEN, 401, "unknown_kid")
async def unknown_kid(target):
    return await target.send_token(target.idp.token(kid="attacker-1", key=rsa_key("attacker")))


@attack(TOKEN, 401, "unknown_kid")
async def kid_path_traversal(target):
    token = target.idp.token(kid="../../etc/passwd", key=rsa_key("attacker"))
    return await target.send_token(token)


@attack(TOKEN, 401, "unknown_kid")
async def kid_dev_null(target):
    return await target.send_token(target.idp.token(kid="/dev/null", key=rsa_key("attacker")))


@attack(TOKEN, 401, "key_source_header")
async def jku_to_attacker_keys(target):
    headers = {"jku": "https://attacker.test/jwks.json"}
    return await target.send_token(target.idp.token(key=rsa_key("attacker"), headers=headers))


@attack(TOKEN, 401, "key_source_header")
async def x5u_to_attacker_certificate(target):
    headers = {"x5u": "https://attacker.test/cert.pem"}
    return await target.send_token(target.idp.token(key=rsa_key("attacker"), headers=headers))


@attack(TOKEN, 401, "key_source_header")
async def embedded_jwk_attacker_key(target):
    headers = {"jwk": public_jwk(rsa_key("attacker"), KID)}
    return await target.send_token(target.idp.token(key=rsa_key("attacker"), headers=headers))


@attack(TOKEN, 401, "unsupported_critical_header")
async def unknown_crit_header(target):
    headers = {"crit": ["exp-policy"], "exp-policy": 1}
    return await target.send_token(target.idp.token(headers=headers))


@attack(TOKEN, 401, "token_expired")
async def expired(target):
    t = now()
    return await target.send_token(target.idp.token(iat=t - 3600, nbf=t - 3600, exp=t - 120))


@attack(TOKEN, 401, "token_not_yet_valid")
async def nbf_in_the_future(target):
    t = now()
    return await target.send_token(target.idp.token(nbf=t + 300, exp=t + 900))


@attack(TOKEN, 401, "token_not_yet_valid")
async def iat_in_the_future(target):
    t = now()
    return await target.send_token(target.idp.token(iat=t + 300, exp=t + 900))


async def send_token_without(target, *names: str, headers: dict | None = None):
    claims = target.idp.claims()
    for name in names:
        del claims[name]
    return await target.send_token(target.idp.token(claims, headers=headers))


@attack(TOKEN, 401, "missing_claim_exp")
async def no_exp(target):
    return await send_token_without(target, "exp")


@attack(TOKEN, 401, "missing_claim_iat")
async def no_iat(target):
    return await send_token_without(target, "iat")


@attack(TOKEN, 401, "missing_claim_iss")
async def no_iss(target):
    return await send_token_without(target, "iss")


@attack(TOKEN, 401, "lifetime_too_long")
async def lifetime_above_maximum(target):
    t = now()
    return await target.send_token(target.idp.token(iat=t, exp=t + 2 * 86_400))


@attack(TOKEN, 401, "wrong_issuer")
async def issuer_sharing_a_prefix(target):
    return await target.send_token(target.idp.token(iss=target.idp.issuer + "attacker"))


@attack(TOKEN, 401, "wrong_issuer")
async def issuer_cut_short(target):
    return await target.send_token(target.idp.token(iss=target.idp.issuer[:-1]))


@attack(TOKEN, 401, "wrong_issuer")
async def issuer_with_another_trailing_slash(target):
    issuer = target.idp.issuer
    other = issuer.removesuffix("/") if issuer.endswith("/") else issuer + "/"
    return await target.send_token(target.idp.token(iss=other))


@attack(TOKEN, 401, "wrong_audience")
async def audience_list_without_ours(target):
    others = ["another-api", "https://idp.test/userinfo"]
    name = "client_id" if target.idp.idp == "aws_cognito" else "aud"
    return await target.send_token(target.idp.token(**{name: others}))


@attack(TOKEN, 401, "wrong_token_type", idp="aws_cognito")
async def cognito_id_token(target):
    return await target.send_token(target.idp.token(token_use="id"))


@attack(TOKEN, 401, "wrong_token_type", idp="keycloak")
async def keycloak_id_token(target):
    return await target.send_token(target.idp.token(typ="ID"))


@attack(TOKEN, 401, "wrong_token_type", idp="okta")
async def okta_id_token(target):
    return await send_token_without(target, "cid", "scp")


@attack(TOKEN, 401, "wrong_token_type", idp="entra_id")
async def entra_id_id_token(target):
    return await send_token_without(target, "azp", "scp")


@attack(TOKEN, 401, "wrong_token_type", idp="auth0")
async def auth0_id_token(target):
    return await send_token_without(target, "azp", "scope")


@attack(TOKEN, 401, "wrong_token_type", idp="ping")
async def ping_id_token(target):
    return await send_token_without(target, "client_id", "scope")


@attack(TOKEN, 401, "wrong_token_type", idp="generic_oidc")
async def generic_oidc_id_token(target):
    return await send_token_without(target, "client_id", "scope", headers={"typ": "JWT"})


@attack(TOKEN, 401, "client_not_allowed", idp="keycloak")
async def keycloak_token_for_another_client(target):
    return await target.send_token(target.idp.token(azp="some-other-client"))


@attack(TOKEN, 401, "bad_signature")
async def signature_stripped(target):
    return await target.send_token(target.idp.token().rsplit(".", 1)[0] + ".")


@attack(TOKEN, 401, "bad_signature")
async def signature_truncated(target):
    signing_input, _, signature = target.idp.token().rpartition(".")
    return await target.send_token(f"{signing_input}.{b64url(b64url_decode(signature)[:-16])}")


@attack(TOKEN, 401, "malformed_token")
async def header_not_base64(target):
    return await target.send_token("!!!." + target.idp.token().split(".", 1)[1])


@attack(TOKEN, 401, "malformed_token")
async def payload_not_json(target):
    header = {"kid": KID, **target.idp.access_token_header()}
    signed = jwt.api_jws.encode(b"not json", rsa_key(KID), "RS256", headers=header)
    return await target.send_token(signed)


@attack(TOKEN, 401, "malformed_token")
async def jwe_instead_of_jws(target):
    header = b64url(b'{"alg":"RSA-OAEP","enc":"A256GCM","kid":"rsa-1"}')
    return await target.send_token(f"{header}.a2V5.aXY.Y2lwaGVy.dGFn")


@attack(TOKEN, 401, "malformed_token")
async def opaque_access_token(target):
    """A reference token (or any non-JWT string): nothing to verify locally."""
    return await target.send_token("00Dx0000000AbCd!AQ4AQFakeOpaqueTokenValue")


@attack(TOKEN, 401, "malformed_token")
async def json_serialization_around_a_compact_token(target):
    """python-jwt CVE-2022-39227: a JSON body smuggling forged claims past the signature."""
    header, _, signature = target.idp.token(groups=["readers"]).split(".")
    forged = b64url(b'{"sub":"mallory","groups":["admins"]}')
    token = json.dumps({f"{header}.{forged}.": "", "protected": header, "signature": signature})
    return await target.send_token(token)


@attack(TOKEN, 401, "header_too_large")
async def deeply_nested_token_header(target):
    """Nesting deep enough to exhaust the JSON parser's recursion, still under the size limit."""
    return await target.send_token(f"{b64url(b'[' * 3000 + b']' * 3000)}.e30.c2ln")


@attack(TOKEN, 401, "token_too_large")
async def token_over_size_limit(target):
    groups = [f"group-{n:04}" for n in range(900)]
    return await target.send_token(target.idp.token(groups=groups))


@attack(TOKEN, 401, "unknown_kid")
async def key_rotated_out(target):
    signed_before_rotation = target.idp.token()
    target.idp.rotate("rsa-2")
    return await target.send_token(signed_before_rotation)


@attack(TOKEN, 401, "duplicate_authorization_header")
async def duplicate_authorization_header(target):
    forged = target.idp.token(key=rsa_key("attacker"), groups=["admins"])
    headers = [
        ("Authorization", f"Bearer {target.idp.token()}"),
        ("Authorization", f"Bearer {forged}"),
    ]
    return await target.from_outsider(headers)


# Edge headers ---------------------------------------------------------------------------


@attack(EDGE, 401, "identity_header_from_untrusted_peer", spoofing=True)
async def identity_headers_from_untrusted_peer(target):
    return await target.from_outsider(target.identity("alice", ["admins"]))


@attack(EDGE, 401, "identity_header_from_untrusted_peer", spoofing=True)
async def groups_header_alone_from_untrusted_peer(target):
    return await target.from_outsider({target.rules.groups_header: "admins"})


@attack(EDGE, 401, "identity_header_from_untrusted_peer", spoofing=True)
async def x_forwarded_for_naming_the_edge(target):
    headers = target.identity("alice", ["admins"]) | {"X-Forwarded-For": EDGE_ADDRESS}
    return await target.from_outsider(headers)


@attack(EDGE, 401, "peer_address_from_forwarded_header", spoofing=True)
async def peer_rewritten_from_x_forwarded_for(target):
    """What the app sees behind uvicorn with proxy headers on: the peer is the header's value."""
    headers = target.identity("alice", ["admins"]) | {"X-Forwarded-For": EDGE_ADDRESS}
    return await target.from_edge(headers)


@attack(EDGE, 401, "peer_address_from_forwarded_header", spoofing=True)
async def peer_rewritten_from_x_forwarded_for_with_a_port(target):
    """uvicorn drops the port of a hop when it rewrites the peer, so the guard must too."""
    headers = target.identity("alice", ["admins"]) | {"X-Forwarded-For": f"{EDGE_ADDRESS}:1"}
    return await target.from_edge(headers)


@attack(EDGE, 401, "duplicate_identity_header")
async def duplicate_user_header(target):
    user = target.rules.user_header
    return await target.from_edge([(user, "mallory"), (user, "alice")])


@attack(EDGE, 401, "duplicate_identity_header")
async def duplicate_groups_header(target):
    edge_headers = target.identity("alice", ["readers"])
    headers = [*edge_headers.items(), (target.rules.groups_header, "admins")]
    return await target.from_edge(headers)


@attack(EDGE, 401, "duplicate_identity_header")
async def case_variant_beside_the_real_header(target):
    user = target.rules.user_header.encode()
    return await target.raw([(user.upper(), b"mallory"), (user, b"alice")])


@attack(EDGE, 401, "identity_header_from_untrusted_peer", spoofing=True)
async def case_variant_from_untrusted_peer(target):
    user = target.rules.user_header.encode()
    return await target.raw([(user.title(), b"alice")], peer=OUTSIDER_ADDRESS)


@attack(EDGE, 401, "identity_header_variant", spoofing=True)
async def underscore_user_header(target):
    return await target.from_edge({target.rules.user_header.replace("-", "_"): "alice"})


@attack(EDGE, 401, "identity_header_variant", spoofing=True)
async def underscore_groups_header_beside_the_real_ones(target):
    variant = target.rules.groups_header.replace("-", "_")
    return await target.from_edge(target.identity("alice", ["readers"]) | {variant: "admins"})


@attack(EDGE, 401, "control_character_in_identity_header")
async def cr_in_identity_header(target):
    return await target.from_edge([(target.rules.user_header, b"alice\rX-Injected: 1")])


@attack(EDGE, 401, "control_character_in_identity_header")
async def lf_in_identity_header(target):
    rules = target.rules
    headers = [(rules.user_header, b"alice"), (rules.groups_header, b"readers\nX-Admin: yes")]
    return await target.from_edge(headers)


@attack(EDGE, 401, "control_character_in_identity_header")
async def nul_in_identity_header(target):
    return await target.from_edge([(target.rules.user_header, b"admin\x00alice")])


@attack(EDGE, 401, "undecodable_identity_header")
async def non_utf8_identity_header(target):
    return await target.from_edge([(target.rules.user_header, b"al\xe9ce")])


@attack(EDGE, 401, "empty_user")
async def empty_user(target):
    return await target.from_edge(target.identity("", ["admins"]))


@attack(EDGE, 401, "empty_user")
async def whitespace_only_user(target):
    return await target.from_edge(target.identity("   ", ["admins"]))


@attack(EDGE, 401, "empty_user", edge_user_strip_domain=True)
async def blank_user_after_domain_stripping(target):
    return await target.from_edge(target.identity("CORP\\ @corp.example", ["admins"]))


@attack(EDGE, 401, "missing_user_header")
async def user_header_dropped_by_a_hop_by_hop_header(target):
    """A proxy honoured the client's `Connection: <user header>` and dropped the edge's user."""
    rules = target.rules
    return await target.from_edge({"Connection": rules.user_header, rules.groups_header: "admins"})


@attack(EDGE, 431, "identity_header_too_large")
async def oversized_groups_header(target):
    groups = [f"group-{n:04}" for n in range(900)]
    return await target.from_edge(target.identity("alice", groups))


@attack(EDGE, 431, "too_many_groups")
async def too_many_groups(target):
    return await target.from_edge(target.identity("alice", [f"g{n}" for n in range(201)]))


@attack(EDGE, 403, "missing_role:admin", edge_groups_separator=";")
async def separator_inside_a_group_name(target):
    """One IdP group literally named `users,admins`, sent by an edge that joins with `;`."""
    headers = target.identity("mallory", ["users,admins"])
    return await target.from_edge(headers, path="/v1/admin/security")


@attack(EDGE, 401, "undecodable_identity_header", edge_headers_base64=True)
async def base64_that_does_not_decode(target):
    return await target.from_edge({target.rules.user_header: "!!not-base64"})


# Both sources at once -------------------------------------------------------------------


@attack(BOTH, 401, "ambiguous_credentials")
async def headers_and_token_naming_different_subjects(target):
    token = target.idp.token(subject="bob", groups=["readers"])
    headers = target.identity("alice", ["admins"]) | {"Authorization": f"Bearer {token}"}
    return await target.from_edge(headers, path="/v1/admin/security")


@attack(BOTH, 401, "identity_header_from_untrusted_peer", spoofing=True)
async def spoofed_headers_beside_a_valid_token(target):
    token = target.idp.token(groups=["readers"])
    headers = target.identity("alice", ["admins"]) | {"Authorization": f"Bearer {token}"}
    return await target.from_outsider(headers, path="/v1/admin/security")


@attack(BOTH, 401, "identity_header_from_untrusted_peer", spoofing=True)
async def spoofed_headers_beside_basic_authorization(target):
    headers = target.identity("alice", ["admins"]) | {"Authorization": "Basic eA=="}
    return await target.from_outsider(headers)


@attack(BOTH, 401, "identity_header_from_untrusted_peer", spoofing=True)
async def spoofed_headers_beside_a_bare_bearer(target):
    return await target.from_outsider(
        target.identity("alice", ["admins"]) | {"Authorization": "Bearer"}
    )


@attack(BOTH, 401, "identity_header_from_untrusted_peer", spoofing=True)
async def spoofed_headers_beside_two_authorization_headers(target):
    headers = [
        *target.identity("alice", ["admins"]).items(),
        ("Authorization", "Bearer a"),
        ("Authorization", "Bearer b"),
    ]
    return await target.from_outsider(headers)


# Authorization --------------------------------------------------------------------------


@attack(EDGE, 403, "missing_permission:orders:read")
async def unknown_group(target):
    return await target.from_edge(target.identity("mallory", ["strangers"]), path="/v1/orders")


@attack(EDGE, 403, "missing_role:admin")
async def group_differing_in_case(target):
    headers = target.identity("mallory", ["ADMINS"])
    return await target.from_edge(headers, path="/v1/admin/security")


@attack(EDGE, 403, "missing_role:admin")
async def group_with_surrounding_whitespace(target):
    headers = target.identity("mallory", ["readers", " admins"])
    return await target.from_edge(headers, path="/v1/admin/security")


@attack(TOKEN, 403, "missing_role:admin")
async def role_name_sent_as_a_group(target):
    token = target.idp.token(groups=["admin"])
    return await target.send_token(token, path="/v1/admin/security")


@attack(EDGE, 403, "missing_permission:orders:write")
async def probe_for_the_missing_permission(target):
    order = {"item": "pen", "quantity": 1}
    headers = target.identity("rita", ["readers"])
    return await target.from_edge(headers, method="POST", path="/v1/orders", json=order)


# The specifications ---------------------------------------------------------------------


@pytest.fixture
def target_for(make_service, service_for, idp) -> Callable[[Attack, str], Target]:
    def build(attack: Attack, identity_source: str) -> Target:
        if attack.idp:
            service, fake = service_for(
                attack.idp, identity_source=identity_source, **attack.settings
            )
            return Target(service, fake)
        return Target(make_service(identity_source=identity_source, **attack.settings), idp)

    return build


def assert_refused(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert set(response.json()) == PROBLEM_FIELDS
    assert response.json()["status"] == status
    assert ("www-authenticate" in response.headers) is (status == 401)


def assert_reason_not_revealed(response: httpx.Response, reason: str) -> None:
    code, _, missing = reason.partition(":")
    assert code not in response.text
    assert not missing or missing not in response.json()["detail"]


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda attack: attack.id)
async def test_attack_is_refused_by_its_own_defence(attack, target_for, audit_lines):
    response = await attack.send(target_for(attack, attack.source))

    assert_refused(response, attack.status)
    assert_reason_not_revealed(response, attack.reason)
    assert audit_lines[-1]["reason"] == attack.reason
    assert audit_lines[-1]["spoofing"] is attack.spoofing
    assert audit_lines[-1]["decision"] == "deny"


AIMED_AT_ONE_SOURCE = [attack for attack in ATTACKS if attack.source in SWITCHED_OFF]


@pytest.mark.parametrize("attack", AIMED_AT_ONE_SOURCE, ids=lambda attack: attack.id)
async def test_attack_is_refused_with_its_identity_source_switched_off(attack, target_for):
    response = await attack.send(target_for(attack, SWITCHED_OFF[attack.source]))

    assert_refused(response, 401)


def test_every_row_has_its_own_name():
    ids = [attack.id for attack in ATTACKS]

    assert len(ids) == len(set(ids))


def documented_rows(markdown: str) -> list[tuple[str, str]]:
    """(row id, answer) from the tables under the "Attack corpus" heading."""
    section = markdown.split("\n## Attack corpus\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            rows.append((cells[0].strip("`"), cells[2]))
    return rows


def test_security_doc_lists_exactly_the_corpus_rows_with_their_answers():
    documented = documented_rows(SECURITY_DOC.read_text(encoding="utf-8"))

    assert [row for row, _ in documented] == [attack.id for attack in ATTACKS]
    assert dict(documented) == {attack.id: str(attack.status) for attack in ATTACKS}
