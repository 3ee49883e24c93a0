"""Properties that hold for every input, checked on generated examples (hypothesis).

The profile in conftest.py makes runs repeatable and keeps hypothesis from writing
an example database into the project; each test sets its own example budget.
"""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package_name }}.authorization.roles import RoleMap
from {{ cookiecutter.package_name }}.identity.edge import (
    EdgeHeaderRules,
    find_identity_headers,
    normalize_user,
    parse_edge_identity,
    single_values,
)
from {{ cookiecutter.package_name }}.identity.errors import AuthenticationFailed, IdentityHeaderTooLarge
from {{ cookiecutter.package_name }}.identity.principal import Identity

from ..support.edge_simulator import EDGE_ADDRESS
from ..support.raw_asgi import raw_request

USER, GROUPS = "x-user", "x-groups"
SEPARATORS = [",", ";", "|", " "]

# Text an edge might send: mostly plain characters, with the pieces the parsers look for.
PIECES = ["WinNT://", "winnt://", "\\", "/", "@", " ", "\t", ",", ";", "|", "CORP", "alice", "İ"]
name_like = st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=8).map("".join)
printable = st.characters(
    exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"), include_characters=" "
)


def header_rules(**overrides) -> EdgeHeaderRules:
    values = {
        "user_header": USER,
        "groups_header": GROUPS,
        "separator": ",",
        "base64": False,
        "strip_domain": False,
        "lowercase": False,
        "max_groups": 20,
        "max_header_bytes": 512,
    }
    return EdgeHeaderRules(**(values | overrides))


rule_sets = st.builds(
    header_rules,
    separator=st.sampled_from(SEPARATORS),
    base64=st.booleans(),
    strip_domain=st.booleans(),
    lowercase=st.booleans(),
    max_groups=st.integers(1, 5),
)
NAME_VARIANTS = [USER.upper(), USER.replace("-", "_"), GROUPS.replace("-", "_").upper()]
OTHER_NAMES = ["authorization", "x-forwarded-for", "x-request-id"]
header_names = st.sampled_from([USER, GROUPS, *NAME_VARIANTS, *OTHER_NAMES]).map(
    str.encode
) | st.binary(max_size=12)
header_values = st.one_of(
    st.binary(max_size=600),
    name_like.map(str.encode),
    name_like.map(lambda text: base64.b64encode(text.encode())),
)


def edge_identity(raw_headers: list[tuple[bytes, bytes]], rules: EdgeHeaderRules):
    """The edge path as authenticate() runs it, minus the peer check."""
    found = find_identity_headers(raw_headers, rules)
    if not found:
        return None
    return parse_edge_identity(*single_values(found, rules), rules)


@settings(max_examples=150)
@given(raw_headers=st.lists(st.tuples(header_names, header_values), max_size=5), rules=rule_sets)
def test_any_header_bytes_give_a_clean_identity_or_a_refusal(raw_headers, rules):
    try:
        identity = edge_identity(raw_headers, rules)
    except AuthenticationFailed:
        return

    assert identity is None or isinstance(identity, Identity)
    if identity is not None:
        assert identity.subject == identity.subject.strip() != ""
        assert identity.subject.isprintable()
        assert len(identity.groups) <= rules.max_groups
        assert all(group and rules.separator not in group for group in identity.groups)
        assert all(group.isprintable() for group in identity.groups)


@st.composite
def honest_edge_requests(draw):
    """Rules, a user and groups, and the headers an edge following those rules sends."""
    rules = dataclasses.replace(draw(rule_sets), max_header_bytes=8192)
    user = draw(name_like.filter(str.isprintable))
    group = st.text(printable, min_size=1, max_size=12).filter(lambda g: rules.separator not in g)
    groups = draw(st.lists(group, max_size=rules.max_groups + 2))
    values = [user.encode(), rules.separator.join(groups).encode()]
    if rules.base64:
        values = [base64.b64encode(value) for value in values]
    return rules, user, groups, [(USER.encode(), values[0]), (GROUPS.encode(), values[1])]


@settings(max_examples=100)
@given(honest_edge_requests())
def test_what_an_honest_edge_sends_is_read_back_exactly(request):
    """Or refused as a whole: a user that is blank once normalised, too many groups."""
    rules, user, groups, raw_headers = request
    expected_user = normalize_user(user, strip_domain=rules.strip_domain, lowercase=rules.lowercase)
    if not expected_user or len(groups) > rules.max_groups:
        refusal = IdentityHeaderTooLarge if expected_user else AuthenticationFailed
        with pytest.raises(refusal):
            edge_identity(raw_headers, rules)
        return

    identity = edge_identity(raw_headers, rules)

    assert identity.subject == expected_user
    assert identity.groups == tuple(groups)


@settings(max_examples=300)
@given(raw=name_like | st.text(), strip_domain=st.booleans(), lowercase=st.booleans())
def test_normalising_a_user_name_twice_changes_nothing(raw, strip_domain, lowercase):
    once = normalize_user(raw, strip_domain=strip_domain, lowercase=lowercase)

    assert normalize_user(once, strip_domain=strip_domain, lowercase=lowercase) == once
    assert once == once.strip()
    if strip_domain:
        assert "\\" not in once
        assert "@" not in once


ROLE_NAMES = st.sampled_from(["reader", "writer", "admin", "ops.viewer", "audit_log", "x-1"])
PERMISSIONS = st.sampled_from(["orders:read", "orders:write", "admin:read", "audit.log:read"])
GROUP_NAMES = (
    (st.sampled_from(["admins", "Orders-Readers", "CN=Ops,OU=Groups", "Şef"]) | name_like)
    .map(str.strip)
    .filter(bool)
)


@st.composite
def maps_and_claimed_groups(draw):
    """A valid role map, and groups a caller claims: mapped names, near misses and anything."""
    roles = draw(st.dictionaries(ROLE_NAMES, st.lists(PERMISSIONS, max_size=3), min_size=1))
    granted = st.lists(st.sampled_from(sorted(roles)), min_size=1, max_size=3)
    groups = draw(st.dictionaries(GROUP_NAMES, granted, min_size=1, max_size=5))
    data = {"roles": {name: {"permissions": p} for name, p in roles.items()}, "groups": groups}
    role_map = RoleMap.from_dict(data, source="generated")
    mapped = st.sampled_from(sorted(groups))
    near_miss = mapped.flatmap(
        lambda g: st.sampled_from([g.upper(), g.lower(), f" {g}", f"{g} ", g[:-1], g + "s"])
    )
    claimed = draw(st.lists(mapped | near_miss | GROUP_NAMES, max_size=8))
    return role_map, claimed


@settings(max_examples=100)
@given(maps_and_claimed_groups())
def test_roles_and_permissions_come_only_from_exactly_mapped_groups(case):
    role_map, claimed = case

    grant = role_map.resolve(claimed)

    exact = [group for group in claimed if group in role_map.groups]
    assert grant.roles == {role for group in exact for role in role_map.groups[group]}
    assert grant.permissions == {p for role in grant.roles for p in role_map.roles[role]}
    assert grant == role_map.resolve(exact)


@pytest.fixture
def app_behind_the_edge(make_service):
    service = make_service(identity_source="both", edge_user_header=USER, edge_groups_header=GROUPS)
    return service.app


# One app serves every example, as a running one serves every request.
@pytest.mark.anyio
@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw_headers=st.lists(st.tuples(header_names, header_values), max_size=4))
async def test_any_header_bytes_from_the_edge_get_an_answer_never_an_error(
    app_behind_the_edge, raw_headers
):
    response = await raw_request(app_behind_the_edge, peer=EDGE_ADDRESS, headers=raw_headers)

    assert response.status_code in (200, 401, 403, 431)


def b64url(raw: bytes) -> bytes:
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


# JSON an attacker can put in a token's header or payload: odd types, huge numbers,
# unicode, nesting deeper than any parser's recursion limit, and the fields that matter.
json_leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
json_values = st.recursive(
    json_leaves | st.integers(min_value=10**30, max_value=10**40),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)
# Opening brackets only, 2,500 to 5,500 deep: past the recursion limit even while hypothesis
# runs a test (it adds 2,000 frames to the usual 1,000), and within the default
# OIDC_MAX_TOKEN_BYTES, so the token reaches the header parser.
deeply_nested = st.integers(2500, 5500).map(lambda depth: "[" * depth)
token_fields = st.sampled_from(
    ["alg", "kid", "typ", "crit", "jku", "x5u", "iss", "aud", "exp", "sub"]
)
field_values = (
    st.sampled_from(["RS256", "none", "HS256", "ES256", "rsa-1", "JWT", ""]) | json_values
)
json_objects = st.dictionaries(token_fields | st.text(max_size=5), field_values, max_size=6)


@st.composite
def token_segments(draw) -> bytes:
    """One header or payload segment: JSON-ish, deeply nested, or any bytes."""
    kind = draw(st.sampled_from(["object", "any json", "nested", "bytes"]))
    if kind == "object":
        text = json.dumps(draw(json_objects))
    elif kind == "any json":
        text = json.dumps(draw(json_values))
    elif kind == "nested":
        text = draw(st.sampled_from(['{"alg":"RS256","kid":%s}', "%s"])) % draw(deeply_nested)
    else:
        return b64url(draw(st.binary(max_size=64)))
    return b64url(text.encode())


bearer_tokens = st.builds(
    lambda header, payload, signature: b".".join([header, payload, signature]),
    token_segments(),
    token_segments(),
    st.binary(max_size=300).map(b64url),
)


@pytest.mark.anyio
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=bearer_tokens)
async def test_any_structured_bearer_token_is_refused_never_an_error(app_behind_the_edge, token):
    """Keys are reachable, so nothing but 401 is right for a token the IdP never signed."""
    response = await raw_request(
        app_behind_the_edge, peer="127.0.0.1", headers=[(b"authorization", b"Bearer " + token)]
    )

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
