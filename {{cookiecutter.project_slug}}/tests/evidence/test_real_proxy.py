"""A real proxy in front: nginx, configured from the shipped edge/ files, before the app.

The app runs as deployed (``python -m``, production settings from config/production.env,
trusting only the proxy's address 127.0.0.2); nginx listens on 127.0.0.1 and connects
to the app from 127.0.0.2. Clients connect from 127.0.0.1, either through nginx or
straight to the app. See tests/evidence/nginx_edge.py for how sign-in is simulated.
Skipped, saying so, where nginx is not installed; cases for a door this project's
IDENTITY_SOURCE does not ship are skipped too.

What this proves, and what it does not: nginx is rendered from the same parsed edge
profile the expectations come from, so these tests show that the app and the shipped
config's header facts (which headers are stripped, refused and inserted) behave together
over real sockets: identity trusted by TCP peer address, X-Forwarded-For appended and
read only from the trusted peer, the proxy connecting from its own address
(``proxy_bind``), and the request id: where the appliance inserts its own, the id in the
app's audit line is the one in the proxy's own log line, and a client's copy never
becomes the audited id, through the proxy or straight to the app. They do not show that
a FortiGate or NetScaler behaves as the profile says; that is what the lab checks in
docs/security.md are for. nginx also drops request
headers with underscores in their names by default (``underscores_in_headers off``), so
underscore variants of the identity headers never reach the app through it; the app's
own refusal of them is tested without a proxy.
"""

from __future__ import annotations

import base64

import httpx
import pytest

from {{ cookiecutter.package_name }}.authorization.roles import RoleMap
from {{ cookiecutter.package_name }}.services import edge_header_rules
from {{ cookiecutter.package_name }}.settings import Settings

from ..edge.edge_profile import PRODUCTION_ENV, load_profile, settings_in
from ..support.deployed_app import DeployedApp
from ..support.fake_idp import FakeIdp
from ..support.jwks_server import JwksServer
from ..support.project import PROJECT_ROOT
from .nginx_edge import (
    EDGE_ADDRESS,
    LAB_GROUPS_HEADER,
    LAB_USER_HEADER,
    NGINX_MISSING,
    NginxEdge,
    find_nginx,
)

pytestmark = pytest.mark.real_proxy

CLIENT_ADDRESS = "127.0.0.1"
FORGED_CLIENT = "198.51.100.23"
PRODUCTION = settings_in(PRODUCTION_ENV)
SETTINGS = Settings(**{name.lower(): value for name, value in PRODUCTION.items()})
PROFILE = load_profile(SETTINGS.edge_appliance)
ROLE_MAP = RoleMap.load(PROJECT_ROOT / SETTINGS.role_map_file)
REFUSED = None


def needs_door(name: str):
    return pytest.mark.skipif(
        name not in PROFILE.doors,
        reason=f"IDENTITY_SOURCE={SETTINGS.identity_source} ships no {name} door",
    )


def group_granting(wanted: str, unwanted: str = "") -> str:
    """A group from the shipped role map whose permissions include `wanted`, not `unwanted`."""
    for group in ROLE_MAP.groups:
        granted = ROLE_MAP.resolve([group]).permissions
        if wanted in granted and unwanted not in granted:
            return group
    raise LookupError(f"{ROLE_MAP.source} maps no group to {wanted!r} without {unwanted!r}")


READER = group_granting("orders:read", unwanted="orders:write")
WRITER = group_granting("orders:write")


@pytest.fixture(scope="module")
def idp() -> FakeIdp:
    return FakeIdp(SETTINGS.idp)


@pytest.fixture(scope="module")
def app(idp, tmp_path_factory):
    key_server = JwksServer(idp)
    key_server.start()
    deployed = DeployedApp(
        PRODUCTION
        | {
            "TRUSTED_EDGE_NETWORKS": f"{EDGE_ADDRESS}/32",
            "OIDC_ISSUER": idp.issuer,
            "OIDC_AUDIENCE": idp.audience,
            "OIDC_JWKS_URL": key_server.url,
        },
        tmp_path_factory.mktemp("app") / "stdout.log",
    )
    try:
        deployed.start()
        yield deployed
    finally:
        deployed.stop()
        key_server.stop()


@pytest.fixture(scope="module")
def edge(app, tmp_path_factory):
    nginx = find_nginx()
    if nginx is None:
        pytest.skip(NGINX_MISSING)
    proxy = NginxEdge(nginx, PROFILE, app.port, tmp_path_factory.mktemp("nginx"))
    try:
        proxy.start()
        yield proxy
    finally:
        proxy.stop()


def send(url: str, method: str, path: str, **kwargs) -> httpx.Response | None:
    """One request from 127.0.0.1; None when the other side closes without answering."""
    transport = httpx.HTTPTransport(local_address=CLIENT_ADDRESS)
    with httpx.Client(transport=transport, base_url=url) as client:
        try:
            return client.request(method, path, **kwargs)
        except httpx.RemoteProtocolError:
            return REFUSED


def signed_in(user: str, groups: list[str]) -> dict[str, str]:
    """The lab headers telling nginx who signed in, valued as the appliance inserts them."""
    fixed = PROFILE.groups_separator
    separator = fixed[0] if fixed else edge_header_rules(SETTINGS).separator
    values = {LAB_USER_HEADER: user, LAB_GROUPS_HEADER: separator.join(groups)}
    if SETTINGS.edge_headers_base64:
        values = {name: base64.b64encode(value.encode()).decode() for name, value in values.items()}
    return values


def client_identity_headers(user: str, group: str) -> dict[str, str]:
    rules = edge_header_rules(SETTINGS)
    return {rules.user_header: user, rules.groups_header: group}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@needs_door("web")
def test_signed_in_user_through_the_web_door_gets_the_mapped_roles(edge):
    response = send(edge.url("web"), "GET", "/v1/me", headers=signed_in("alice", [READER]))

    assert response.status_code == 200, response.text
    assert response.json()["subject"] == "alice"
    assert response.json()["auth_source"] == "edge_headers"
    assert set(response.json()["roles"]) == ROLE_MAP.resolve([READER]).roles


@needs_door("web")
def test_orders_through_the_web_door_are_allowed_or_forbidden_by_group(edge):
    order = {"item": "widget", "quantity": 1}
    by_writer = send(
        edge.url("web"), "POST", "/v1/orders", json=order, headers=signed_in("wanda", [WRITER])
    )
    by_reader = send(
        edge.url("web"), "POST", "/v1/orders", json=order, headers=signed_in("rita", [READER])
    )
    read_by_reader = send(edge.url("web"), "GET", "/v1/orders", headers=signed_in("rita", [READER]))

    assert by_writer.status_code == 201, by_writer.text
    assert by_writer.json()["created_by"] == "wanda"
    assert by_reader.status_code == 403
    assert by_reader.headers["content-type"] == "application/problem+json"
    assert read_by_reader.status_code == 200


@needs_door("web")
def test_client_copies_of_identity_headers_at_the_web_door_never_reach_the_app(edge):
    door = PROFILE.doors["web"]
    forged = client_identity_headers("admin", WRITER)

    response = send(edge.url("web"), "GET", "/v1/me", headers=signed_in("alice", []) | forged)

    if door.refuses.keys() & {name.lower() for name in forged}:
        assert response is REFUSED
    else:
        assert response.status_code == 200, response.text
        assert (response.json()["subject"], response.json()["roles"]) == ("alice", [])


@needs_door("api")
def test_bearer_token_passes_the_api_door_untouched(edge, idp):
    token = idp.token(groups=[READER])

    me = send(edge.url("api"), "GET", "/v1/me", headers=bearer(token))
    write = send(
        edge.url("api"),
        "POST",
        "/v1/orders",
        json={"item": "x", "quantity": 1},
        headers=bearer(token),
    )

    assert me.status_code == 200, me.text
    assert me.json()["auth_source"] == "bearer_token"
    assert set(me.json()["roles"]) == ROLE_MAP.resolve([READER]).roles
    assert write.status_code == 403


@needs_door("api")
def test_client_identity_headers_at_the_api_door_never_reach_the_app(edge, app):
    door = PROFILE.doors["api"]
    forged = client_identity_headers("admin", WRITER)

    response = send(edge.url("api"), "GET", "/v1/me", headers=forged)

    if door.refuses.keys() & {name.lower() for name in forged}:
        assert response is REFUSED
    else:
        assert response.status_code == 401
        assert app.audit_line(response.headers["x-request-id"])["reason"] == "missing_credentials"


def test_identity_headers_straight_to_the_app_are_refused_and_audited_as_spoofing(app):
    response = send(app.url, "GET", "/v1/me", headers=client_identity_headers("admin", WRITER))

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    audit = app.audit_line(response.headers["x-request-id"])
    assert (audit["peer"], audit["spoofing"]) == (CLIENT_ADDRESS, True)
    assert audit["reason"] == "identity_header_from_untrusted_peer"


def test_x_forwarded_for_naming_the_proxy_does_not_make_a_client_the_proxy(app):
    headers = client_identity_headers("admin", WRITER) | {"X-Forwarded-For": EDGE_ADDRESS}

    response = send(app.url, "GET", "/v1/me", headers=headers)

    assert response.status_code == 401
    audit = app.audit_line(response.headers["x-request-id"])
    assert (audit["peer"], audit["client"], audit["spoofing"]) == (
        CLIENT_ADDRESS,
        CLIENT_ADDRESS,
        True,
    )


@pytest.mark.parametrize("door", ["web", "api"])
def test_forged_x_forwarded_for_through_the_proxy_changes_neither_decision_nor_client(
    door, edge, app, idp
):
    if door not in PROFILE.doors:
        pytest.skip(f"IDENTITY_SOURCE={SETTINGS.identity_source} ships no {door} door")
    credentials = signed_in("alice", [READER]) if door == "web" else bearer(idp.token())

    honest = send(edge.url(door), "GET", "/v1/me", headers=credentials)
    forged = send(
        edge.url(door), "GET", "/v1/me", headers=credentials | {"X-Forwarded-For": FORGED_CLIENT}
    )

    assert honest.status_code == forged.status_code == 200
    assert honest.json() == forged.json()
    audit = app.audit_line(forged.headers["x-request-id"])
    assert (audit["peer"], audit["client"]) == (EDGE_ADDRESS, CLIENT_ADDRESS)


@needs_door("web")
def test_x_forwarded_for_naming_the_proxy_sent_through_the_proxy_fails_closed(edge, app):
    """Fails closed: the TCP peer among the hops is what a peer rewritten from the header
    (uvicorn's proxy headers switched on by mistake) looks like, so the app refuses."""
    headers = signed_in("alice", [READER]) | {"X-Forwarded-For": EDGE_ADDRESS}

    response = send(edge.url("web"), "GET", "/v1/me", headers=headers)

    audit = app.audit_line(response.headers["x-request-id"])
    assert response.status_code == 401
    assert (audit["reason"], audit["spoofing"]) == ("peer_address_from_forwarded_header", True)


def door_credentials(door: str, idp) -> dict[str, str]:
    return signed_in("alice", [READER]) if door == "web" else bearer(idp.token(groups=[READER]))


@pytest.mark.parametrize("door", ["web", "api"])
def test_request_id_in_the_audit_line_is_the_one_in_the_edges_own_log_line(door, edge, app, idp):
    if door not in PROFILE.doors:
        pytest.skip(f"IDENTITY_SOURCE={SETTINGS.identity_source} ships no {door} door")

    response = send(edge.url(door), "GET", "/v1/me", headers=door_credentials(door, idp))

    audit = app.audit_line(response.headers["x-request-id"])
    if PROFILE.doors[door].request_id is None:
        # FortiGate documents no id of its own to insert: the app makes one.
        assert audit["request_id_source"] == "app"
    else:
        edge_line = edge.log_line(audit["request_id"])
        assert audit["request_id_source"] == "edge"
        assert (edge_line["url"], audit["path"]) == ("/v1/me", "/v1/me")
        assert audit["subject"] is not None


@pytest.mark.parametrize("door", ["web", "api"])
def test_request_id_a_client_sends_through_the_edge_never_reaches_the_audit(door, edge, app, idp):
    if door not in PROFILE.doors:
        pytest.skip(f"IDENTITY_SOURCE={SETTINGS.identity_source} ships no {door} door")
    chosen = {SETTINGS.edge_request_id_header: "chosen-by-client"}

    response = send(edge.url(door), "GET", "/v1/me", headers=door_credentials(door, idp) | chosen)

    if SETTINGS.edge_request_id_header.lower() in PROFILE.doors[door].refuses:
        assert response is REFUSED
    else:
        assert response.status_code == 200, response.text
        assert app.audit_line(response.headers["x-request-id"])["request_id"] != "chosen-by-client"


def test_request_id_a_client_sends_straight_to_the_app_never_reaches_the_audit(app):
    chosen = {SETTINGS.edge_request_id_header: "chosen-by-client"}

    response = send(app.url, "GET", "/healthz", headers=chosen)

    audit = app.audit_line(response.headers["x-request-id"])
    assert (audit["peer"], audit["request_id_source"]) == (CLIENT_ADDRESS, "app")
    assert audit["request_id"] != "chosen-by-client"
