"""What the shipped appliance configuration does to a request, read from edge/.

An EdgeProfile lists the appliance's doors (the signed-in web door and the API door),
and for each: the backend it forwards to, the identity headers it inserts, the client
headers it strips or refuses, the request id header it inserts (and whether its own log
line carries the same id), and whether it checks the device before sign-in. The contract
tests (through shipped_edge.py) and the real-proxy evidence use it, so the app is tested
against the configuration that will really be pasted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..support.project import PROJECT_ROOT
from .appliance_config import Entry, FortiOSConfig, NetScalerConfig, Table, Where

EDGE_DIRS = {"fortigate": "edge/fortigate", "citrix_adc": "edge/citrix-adc"}


@dataclass
class Door:
    name: str
    signs_in: bool
    where: Where
    backend: tuple[str, int, Where] | None = None
    inserts: dict[str, tuple[str, Where]] = field(default_factory=dict)  # header -> user|groups
    strips: dict[str, Where] = field(default_factory=dict)
    refuses: dict[str, Where] = field(default_factory=dict)
    request_id: RequestId | None = None
    device_check: Where | None = None  # where the door checks the device before sign-in


@dataclass
class RequestId:
    """The header a door inserts with the appliance's own id for the request."""

    header: str
    where: Where
    logged: Where | None = None  # the appliance log line that carries the same id


@dataclass
class EdgeProfile:
    appliance: str
    doors: dict[str, Door]
    groups_separator: tuple[str, Where] | None = None  # None: the config does not fix it
    admitted_groups: dict[str, Where] = field(default_factory=dict)


def edge_dir(appliance: str) -> Path:
    return PROJECT_ROOT / EDGE_DIRS[appliance]


def cli_files(appliance: str) -> list[Path]:
    return sorted(edge_dir(appliance).glob("*.conf"))


def load_profile(appliance: str) -> EdgeProfile:
    if appliance == "fortigate":
        return fortigate_profile(FortiOSConfig(cli_files(appliance)))
    return netscaler_profile(NetScalerConfig(cli_files(appliance)))


PRODUCTION_ENV = PROJECT_ROOT / "config" / "production.env"


def settings_in(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of an env file, as a dict."""
    return {name: value for name, (value, _) in read_settings_file(path).items()}


def read_settings_file(path: Path) -> dict[str, tuple[str, Where]]:
    """KEY=VALUE lines of an env file, each with where it was set."""
    values = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = (value.strip(), Where(path, number))
    return values


# --- FortiGate -----------------------------------------------------------------------

BUILT_IN_HEADERS = {
    "header-x-authenticated-user": ("x-authenticated-user", "user"),
    "header-x-authenticated-groups": ("x-authenticated-groups", "groups"),
}


def fortigate_profile(config: FortiOSConfig) -> EdgeProfile:
    doors: dict[str, Door] = {}
    admitted: dict[str, Where] = {}
    proxies = config.table("firewall access-proxy").entries
    profiles = config.table("web-proxy profile").entries
    groups = config.table("user group").entries
    for policy in config.table("firewall proxy-policy").entries.values():
        group_names = policy.settings["groups"].values if "groups" in policy.settings else []
        door = Door(
            "web" if group_names else "api",
            signs_in=bool(group_names),
            where=policy.where,
        )
        proxy = proxies.get(policy.get("access-proxy"))
        door.device_check = _fortigate_device_check(policy, proxy)
        for gateway in proxy.tables["api-gateway"].entries.values() if proxy else ():
            for server in gateway.tables.get("realservers", _empty()).entries.values():
                door.backend = (
                    server.get("ip"),
                    int(server.get("port")),
                    server.settings["port"].where,
                )
        profile = profiles.get(policy.get("webproxy-profile"))
        if profile:
            for switch, (header, kind) in BUILT_IN_HEADERS.items():
                setting = profile.settings.get(switch)
                if setting and setting.value == "add":
                    door.inserts[header] = (kind, setting.where)
                elif setting and setting.value == "remove":
                    door.strips[header] = setting.where
            for custom in profile.tables.get("headers", _empty()).entries.values():
                if custom.get("action") == "remove-from-request":
                    door.strips[custom.get("name").lower()] = custom.where
        for name in group_names:
            for match in groups[name].tables.get("match", _empty()).entries.values():
                admitted[match.get("group-name")] = match.settings["group-name"].where
        doors[door.name] = door
    return EdgeProfile("fortigate", doors, None, admitted)


def _fortigate_device_check(policy: Entry, proxy: Entry | None) -> Where | None:
    """Devices are checked when the policy requires EMS tags and the door asks each device
    for its FortiClient certificate, refusing one without."""
    tag = policy.settings.get("ztna-ems-tag")
    asks = proxy is not None and proxy.get("client-cert") == "enable"
    refuses_none = proxy is not None and proxy.get("empty-cert-action") == "block"
    return tag.where if tag and tag.values and asks and refuses_none else None


def _empty() -> Table:
    return Table("", Where(Path("-"), 0))


# --- Citrix ADC ----------------------------------------------------------------------

HEADER_EXISTS = re.compile(r'HTTP\.REQ\.HEADER\("([^"]+)"\)\.EXISTS')
ATTRIBUTE = re.compile(r'^AAA\.USER\.ATTRIBUTE\("[^"]+"\)$')
TRANSACTION_ID = "HTTP.REQ.TXID"


def netscaler_profile(config: NetScalerConfig) -> EdgeProfile:
    doors: dict[str, Door] = {}
    separator = None
    rewrite_actions = config.added("rewrite action")
    rewrite_policies = config.added("rewrite policy")
    responder_policies = config.added("responder policy")
    members = {bind.name: bind for bind in config.find("bind", "serviceGroup")}
    for vserver in config.find("add", "lb vserver"):
        signs_in = vserver.option("Authentication").upper() == "ON"
        door = Door("web" if signs_in else "api", signs_in, vserver.where)
        for bind in config.find("bind", "lb vserver"):
            if bind.name != vserver.name:
                continue
            if len(bind.args) > 1 and bind.args[1] in members:
                member = members[bind.args[1]]
                door.backend = (member.args[1], int(member.args[2]), member.where)
            policy = bind.option("policyName")
            if policy in responder_policies and responder_policies[policy].args[2:3] == ["RESET"]:
                for header in HEADER_EXISTS.findall(responder_policies[policy].args[1]):
                    door.refuses[header.lower()] = responder_policies[policy].where
            if policy in rewrite_policies:
                action = rewrite_actions[rewrite_policies[policy].args[2]]
                if action.args[1] != "insert_http_header":
                    continue
                header, expression = action.args[2], action.args[3]
                if expression == TRANSACTION_ID:
                    logged = _logs(config, policy, expression)
                    door.request_id = RequestId(header.lower(), action.where, logged)
                    continue
                kind = "user" if expression == "AAA.USER.NAME" else "groups"
                door.inserts[header.lower()] = (kind, action.where)
                if ATTRIBUTE.match(expression):
                    separator = (",", action.where)
        if signs_in:
            door.device_check = _netscaler_device_check(config, vserver.option("authnProfile"))
        doors[door.name] = door
    return EdgeProfile("citrix_adc", doors, separator)


def _logs(config: NetScalerConfig, policy: str, expression: str) -> Where | None:
    """Where the rewrite policy's log action writes a line carrying `expression`."""
    messages = config.added("audit messageaction")
    for setting in config.find("set", "rewrite policy"):
        message = messages.get(setting.option("logAction"))
        if setting.name == policy and message and expression in message.args[2]:
            return message.where
    return None


def _netscaler_device_check(config: NetScalerConfig, profile: str) -> Where | None:
    """The device is checked when the authentication vserver's first factor is an EPA
    action whose next factor is the sign-in (no EPA success, no sign-in)."""
    profiles = config.added("authentication authnProfile")
    if profile not in profiles:
        return None
    vserver = profiles[profile].option("authnVsName")
    policies = config.added("authentication Policy")
    epa_actions = config.added("authentication epaAction")
    factors = [
        bind
        for bind in config.find("bind", "authentication vserver")
        if bind.name == vserver and bind.option("policy") in policies
    ]
    if not factors:
        return None
    first = min(factors, key=lambda bind: int(bind.option("priority") or 0))
    action = policies[first.option("policy")].option("action")
    return first.where if action in epa_actions and first.option("nextFactor") else None
