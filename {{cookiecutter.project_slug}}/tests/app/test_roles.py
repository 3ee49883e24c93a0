"""The role map: validated at start-up, exact matches only, deny by default."""

from __future__ import annotations

import pytest

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.authorization.roles import RoleMap, RoleMapError
from {{ cookiecutter.package_name }}.settings import SettingsError

from ..support.project import PROJECT_ROOT

SHIPPED_ROLE_MAPS = sorted((PROJECT_ROOT / "config").glob("roles*.toml"))

ROLES = {
    "reader": {"permissions": ["orders:read"]},
    "writer": {"permissions": ["orders:read", "orders:write"]},
}


def role_map(groups: dict) -> RoleMap:
    return RoleMap.from_dict({"roles": ROLES, "groups": groups}, source="test")


@pytest.mark.parametrize("path", SHIPPED_ROLE_MAPS, ids=lambda path: path.name)
def test_every_shipped_role_map_is_valid_and_grants_every_role(path):
    loaded = RoleMap.load(path)

    granted = {role for roles in loaded.groups.values() for role in roles}
    assert loaded.roles
    assert granted == set(loaded.roles)


def test_a_role_map_ships():
    assert SHIPPED_ROLE_MAPS


def test_unknown_groups_give_no_roles():
    assert role_map({"readers": ["reader"]}).resolve(["strangers", "guests"]).roles == frozenset()


@pytest.mark.parametrize("group", ["Readers", "READERS", "readers ", " readers", "reader"])
def test_groups_differing_in_case_or_whitespace_do_not_match(group):
    grant = role_map({"readers": ["reader"]}).resolve([group])

    assert grant.roles == frozenset()
    assert grant.permissions == frozenset()


def test_roles_from_several_groups_are_combined():
    grant = role_map({"readers": ["reader"], "writers": ["writer"]}).resolve(["readers", "writers"])

    assert grant.roles == {"reader", "writer"}
    assert grant.permissions == {"orders:read", "orders:write"}


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"roles": ROLES, "groups": {"admins": ["root"]}}, "role 'root' is not defined"),
        ({"roles": {"Bad Name": {"permissions": []}}}, "[roles.Bad Name]"),
        ({"roles": {"r": {"permissions": ["orders"]}}}, "'orders' must look like"),
        ({"roles": {"r": {"permissions": ["orders:*"]}}}, "'orders:*' must look like"),
        ({"roles": {"r": {"permissions": "orders:read"}}}, "'permissions' must be a list"),
        ({"roles": {"r": {"grants": ["orders:read"]}}}, "only 'description' and 'permissions'"),
        ({"roles": ROLES, "groups": {" admins": ["reader"]}}, "[groups] ' admins'"),
        ({"roles": ROLES, "groups": {"admins": "reader"}}, "must be a list of role names"),
        ({"roles": ROLES, "users": {}}, "users: unknown table"),
        ({"roles": ["reader"]}, "[roles]: must be a table"),
        ({"roles": ROLES, "groups": ["readers"]}, "[groups]: must be a table"),
    ],
)
def test_bad_role_map_entries_are_named(data, named):
    with pytest.raises(RoleMapError) as error:
        RoleMap.from_dict(data, source="roles.toml")

    assert named in str(error.value)
    assert str(error.value).startswith("roles.toml: ")


def test_bad_role_map_stops_the_app_at_start_up(make_settings, tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text('[roles.reader]\npermissions = ["orders:read"]\n[groups]\n"x" = ["ghost"]\n')

    with pytest.raises(SettingsError, match="role 'ghost' is not defined"):
        create_app(make_settings(role_map_file=path))


def test_missing_role_map_file_stops_the_app(make_settings, tmp_path):
    with pytest.raises(SettingsError, match="cannot read the role map"):
        create_app(make_settings(role_map_file=tmp_path / "absent.toml"))


def test_invalid_toml_stops_the_app(make_settings, tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text("[roles\n")

    with pytest.raises(SettingsError, match="not valid TOML"):
        create_app(make_settings(role_map_file=path))
