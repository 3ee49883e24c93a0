"""The shipped appliance configuration and the app agree.

These tests read edge/ (CLI and Terraform) and config/production.env. Rename a header,
a port or a separator on one side only and a test here fails, naming both sides.
"""

from __future__ import annotations

import functools

import pytest

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.authorization.roles import RoleMap
from {{ cookiecutter.package_name }}.services import edge_header_rules
from {{ cookiecutter.package_name }}.settings import Settings

from .appliance_config import (
    PROJECT_ROOT,
    FortiOSConfig,
    NetScalerConfig,
    fortios_problems,
    netscaler_problems,
)
from .edge_profile import PRODUCTION_ENV, cli_files, load_profile, read_settings_file
from .shipped_edge import REFUSED, ShippedEdge
from .terraform_facts import cli_facts, terraform_facts

pytestmark = pytest.mark.anyio

APPLIANCE = Settings.model_fields["edge_appliance"].default
PARSER = FortiOSConfig if APPLIANCE == "fortigate" else NetScalerConfig


@functools.cache
def production() -> tuple[Settings, dict]:
    written = read_settings_file(PRODUCTION_ENV)
    values = {name.lower(): value for name, (value, _) in written.items()}
    values["role_map_file"] = PROJECT_ROOT / values["role_map_file"]
    return Settings(**values), written


def where_set(written: dict, name: str) -> str:
    return f"{name} ({written[name][1]})" if name in written else f"{name} (default)"


@pytest.fixture(scope="module")
def profile():
    return load_profile(APPLIANCE)


@pytest.mark.parametrize("path", cli_files(APPLIANCE), ids=lambda path: path.name)
def test_each_cli_file_parses_on_its_own(path):
    PARSER([path])


def test_every_name_the_cli_uses_is_defined_and_every_policy_is_used():
    config = PARSER(cli_files(APPLIANCE))
    problems = fortios_problems(config) if APPLIANCE == "fortigate" else netscaler_problems(config)

    assert not problems, "\n".join(problems)


def test_doors_match_the_identity_source(profile):
    settings, written = production()
    expected = {"web"} if settings.accepts_edge_headers else set()
    expected |= {"api"} if settings.accepts_bearer_tokens else set()

    assert set(profile.doors) == expected, (
        f"{where_set(written, 'IDENTITY_SOURCE')} needs doors {sorted(expected)}, "
        f"edge/ configures {sorted(profile.doors)}"
    )


def test_signed_in_door_inserts_the_headers_the_app_reads(profile):
    settings, written = production()
    rules = edge_header_rules(settings)
    for door in profile.doors.values():
        if not door.signs_in:
            continue
        inserted = {kind: (header, where) for header, (kind, where) in door.inserts.items()}
        for kind, setting, expected in (
            ("user", "EDGE_USER_HEADER", rules.user_header),
            ("groups", "EDGE_GROUPS_HEADER", rules.groups_header),
        ):
            header, where = inserted.get(kind, (None, door.where))
            assert header == expected, (
                f"{where}: the {door.name} door inserts the {kind} as {header!r}, "
                f"but {where_set(written, setting)} says {expected!r}"
            )


def test_groups_separator_matches_where_the_appliance_fixes_it(profile):
    settings, written = production()
    if profile.groups_separator is None:
        pytest.skip("FortiGate does not document its separator: pinned by the lab check")
    separator, where = profile.groups_separator

    assert edge_header_rules(settings).separator == separator, (
        f"{where}: the appliance joins groups with {separator!r}, but "
        f"{where_set(written, 'EDGE_GROUPS_SEPARATOR')} expects "
        f"{edge_header_rules(settings).separator!r}"
    )


def test_every_door_keeps_client_identity_headers_from_the_app(profile):
    settings, written = production()
    rules = edge_header_rules(settings)
    for door in profile.doors.values():
        handled = door.strips.keys() | door.refuses.keys()
        for header, setting in (
            (rules.user_header, "EDGE_USER_HEADER"),
            (rules.groups_header, "EDGE_GROUPS_HEADER"),
        ):
            assert header in handled, (
                f"{door.where}: the {door.name} door neither strips nor refuses a client's "
                f"{header!r} ({where_set(written, setting)}); it strips {sorted(door.strips)} "
                f"and refuses {sorted(door.refuses)}"
            )


def test_signed_in_doors_check_the_device_exactly_when_the_settings_say(profile):
    settings, written = production()
    required = settings.edge_device_posture == "required"
    signed_in = [door for door in profile.doors.values() if door.signs_in]
    assert signed_in or not required, (
        f"{where_set(written, 'EDGE_DEVICE_POSTURE')} is 'required', but edge/ has no door "
        "that signs users in, where the device would be checked"
    )
    for door in profile.doors.values():
        checks = door.device_check is not None
        if door.signs_in:
            assert checks == required, (
                f"{door.device_check or door.where}: the {door.name} door "
                f"{'checks' if checks else 'does not check'} the device before sign-in, but "
                f"{where_set(written, 'EDGE_DEVICE_POSTURE')} is "
                f"{settings.edge_device_posture!r}"
            )
        else:
            assert not checks, f"{door.device_check}: the {door.name} door signs nobody in"


def test_request_id_reaches_the_app_only_from_the_appliance(profile):
    settings, written = production()
    header = settings.edge_request_id_header.lower()
    setting = where_set(written, "EDGE_REQUEST_ID_HEADER")
    for door in profile.doors.values():
        assert header in door.strips.keys() | door.refuses.keys(), (
            f"{door.where}: the {door.name} door lets a client's {header!r} ({setting}) "
            f"through; it strips {sorted(door.strips)} and refuses {sorted(door.refuses)}"
        )
        if door.request_id is not None:
            assert door.request_id.header == header, (
                f"{door.request_id.where}: the {door.name} door inserts its request id as "
                f"{door.request_id.header!r}, but {setting} reads {header!r}"
            )
            assert door.request_id.logged is not None, (
                f"{door.request_id.where}: the {door.name} door inserts a request id that "
                "no log line of the appliance carries"
            )


def test_every_door_forwards_to_the_port_the_app_listens_on(profile):
    settings, written = production()
    for door in profile.doors.values():
        assert door.backend is not None, f"{door.where}: the {door.name} door has no backend"
        _, port, where = door.backend
        assert port == settings.port, (
            f"{where}: the {door.name} door forwards to port {port}, "
            f"but {where_set(written, 'PORT')} is {settings.port}"
        )


def test_groups_the_edge_admits_are_mapped_in_the_role_map(profile):
    settings, written = production()
    role_map = RoleMap.load(settings.role_map_file)
    for group, where in profile.admitted_groups.items():
        assert group in role_map.groups, (
            f"{where}: the edge admits group {group!r}, which "
            f"{where_set(written, 'ROLE_MAP_FILE')} does not map to any role"
        )


def test_terraform_describes_the_same_objects_as_the_cli():
    cli, terraform = cli_facts(APPLIANCE), terraform_facts(APPLIANCE)
    differences = [
        f"{fact}: CLI {cli.get(fact, ('missing', '-'))[0]!r} ({cli.get(fact, ('', '-'))[1]}) "
        "vs Terraform "
        f"{terraform.get(fact, ('missing', '-'))[0]!r} ({terraform.get(fact, ('', '-'))[1]})"
        for fact in sorted(cli.keys() | terraform.keys())
        if cli.get(fact, (None,))[0] != terraform.get(fact, (None,))[0]
    ]

    assert not differences, "\n".join(differences)


@pytest.fixture
def shipped_edge(profile, idp):
    settings, _ = production()
    settings = Settings(
        **(
            settings.model_dump()
            | {"idp": idp.idp, "oidc_issuer": idp.issuer, "oidc_audience": (idp.audience,)}
        )
    )
    return ShippedEdge(create_app(settings, jwks_transport=idp.transport()), profile, settings)


def needs_door(name: str):
    settings, _ = production()
    present = settings.accepts_edge_headers if name == "web" else settings.accepts_bearer_tokens
    return pytest.mark.skipif(not present, reason=f"IDENTITY_SOURCE has no {name} door")


@needs_door("web")
async def test_signed_in_user_through_the_web_door_gets_the_mapped_role(shipped_edge):
    role_map = RoleMap.load(production()[0].role_map_file)
    group, roles = next((g, r) for g, r in role_map.groups.items() if r)

    response = await shipped_edge.send("web", "GET", "/v1/me", user="alice", groups=[group])

    assert response.status_code == 200, response.text
    assert set(response.json()["roles"]) == set(roles)


@needs_door("web")
async def test_client_identity_header_at_the_web_door_never_reaches_the_app(shipped_edge):
    rules = shipped_edge.profile.doors["web"]
    client_copy = {header: "admin" for header in rules.strips.keys() | rules.refuses.keys()}

    response = await shipped_edge.send(
        "web", "GET", "/v1/me", user="alice", groups=[], headers=client_copy
    )

    reached_as_alice = response != REFUSED and response.status_code == 200
    assert response == REFUSED or (reached_as_alice and response.json()["subject"] == "alice")


@needs_door("api")
async def test_bearer_token_passes_the_api_door_untouched(shipped_edge, idp):
    token = idp.token(groups=["readers"])

    response = await shipped_edge.send(
        "api", "GET", "/v1/me", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["auth_source"] == "bearer_token"


@needs_door("api")
async def test_client_identity_header_at_the_api_door_never_reaches_the_app(shipped_edge, idp):
    settings, _ = production()
    rules = edge_header_rules(settings)
    token = idp.token()
    headers = {"Authorization": f"Bearer {token}", rules.user_header: "admin"}

    response = await shipped_edge.send("api", "GET", "/v1/me", headers=headers)

    reached_with_token = response != REFUSED and response.status_code == 200
    assert response == REFUSED or (
        reached_with_token and response.json()["auth_source"] == "bearer_token"
    )


@pytest.mark.parametrize("door", ["web", "api"])
async def test_request_id_in_the_audit_line_is_the_one_the_edge_inserted(
    shipped_edge, idp, audit_lines, door
):
    if door not in shipped_edge.profile.doors:
        pytest.skip(f"IDENTITY_SOURCE ships no {door} door")
    credentials = (
        {"user": "alice", "groups": []}
        if door == "web"
        else {"headers": {"Authorization": f"Bearer {idp.token()}"}}
    )

    response = await shipped_edge.send(door, "GET", "/v1/me", **credentials)

    inserted = shipped_edge.last_request_id
    if shipped_edge.profile.doors[door].request_id is None:
        assert audit_lines[-1]["request_id_source"] == "app"
    else:
        assert (audit_lines[-1]["request_id"], audit_lines[-1]["request_id_source"]) == (
            inserted,
            "edge",
        )
    assert response.headers["x-request-id"] == audit_lines[-1]["request_id"]


@pytest.mark.parametrize("door", ["web", "api"])
async def test_client_request_id_at_every_door_never_becomes_the_audited_id(
    shipped_edge, idp, audit_lines, door
):
    if door not in shipped_edge.profile.doors:
        pytest.skip(f"IDENTITY_SOURCE ships no {door} door")
    chosen = {production()[0].edge_request_id_header: "chosen-by-client"}
    credentials = (
        {"user": "alice", "groups": [], "headers": chosen}
        if door == "web"
        else {"headers": chosen | {"Authorization": f"Bearer {idp.token()}"}}
    )

    response = await shipped_edge.send(door, "GET", "/v1/me", **credentials)

    assert response == REFUSED or audit_lines[-1]["request_id"] != "chosen-by-client"
