"""The facts the CLI and the Terraform twin must agree on, read from each side.

Each side is reduced to {fact: (value, where)}; a fact is a short phrase such as
"vip orders-api-web extport". Terraform is parsed with python-hcl2; `${var.x}` and
`${resource.label.attr}` references are resolved from variable defaults and the
other resources, the way `terraform plan` would see them.
"""

from __future__ import annotations

import re
from pathlib import Path

import hcl2
from hcl2.utils import SerializationOptions

from ..support.project import PROJECT_ROOT
from .appliance_config import FortiOSConfig, NetScalerConfig
from .edge_profile import cli_files, edge_dir

Facts = dict[str, tuple[str, str]]
REFERENCE = re.compile(r"\$\{([^}]+)\}")
HCL_OPTIONS = SerializationOptions(
    explicit_blocks=False, strip_string_quotes=True, with_comments=False
)


def cli_facts(appliance: str) -> Facts:
    files = cli_files(appliance)
    if appliance == "fortigate":
        return _fortios_cli(FortiOSConfig(files))
    return _netscaler_cli(NetScalerConfig(files))


def terraform_facts(appliance: str) -> Facts:
    terraform = Terraform(edge_dir(appliance) / "terraform")
    return (
        _fortios_terraform(terraform)
        if appliance == "fortigate"
        else _netscaler_terraform(terraform)
    )


class Terraform:
    def __init__(self, folder: Path) -> None:
        self.variables: dict[str, object] = {}
        self.resources: dict[tuple[str, str], tuple[dict, str]] = {}
        for path in sorted(folder.glob("*.tf")):
            parsed = hcl2.loads(path.read_text(encoding="utf-8"), serialization_options=HCL_OPTIONS)
            where = path.relative_to(PROJECT_ROOT).as_posix()
            for block in parsed.get("variable", []):
                for name, body in block.items():
                    self.variables[name] = body.get("default")
            for block in parsed.get("resource", []):
                for kind, labelled in block.items():
                    for label, body in labelled.items():
                        self.resources[(kind, label)] = (body, f"{where} {kind}.{label}")

    def of_kind(self, kind: str) -> list[tuple[dict, str]]:
        return [value for (k, _), value in self.resources.items() if k == kind]

    def resolve(self, value: object) -> str:
        """A value as plan would see it: references replaced, numbers as text."""
        if isinstance(value, list):
            return " ".join(self.resolve(item) for item in value)
        text = str(value)
        whole = REFERENCE.fullmatch(text)
        if whole:
            return self.resolve(self._lookup(whole.group(1)))
        return REFERENCE.sub(lambda m: self.resolve(self._lookup(m.group(1))), text)

    def _lookup(self, reference: str) -> object:
        parts = reference.split(".")
        if parts[0] == "var":
            return self.variables[parts[1]]
        body, _ = self.resources[(parts[0], parts[1])]
        return body[parts[2]]


def _blocks(body: dict, name: str) -> list[dict]:
    value = body.get(name, [])
    return value if isinstance(value, list) else [value]


def _names(body: dict, name: str, terraform: Terraform) -> str:
    return " ".join(terraform.resolve(block["name"]) for block in _blocks(body, name))


# --- FortiGate -----------------------------------------------------------------------

VIP_FIELDS = ("type", "extip", "extintf", "extport", "ssl-certificate")
PROFILE_SWITCHES = ("header-x-authenticated-user", "header-x-authenticated-groups")
SAML_FIELDS = ("idp-entity-id", "idp-single-sign-on-url", "user-name", "group-name")
POSTURE_FIELDS = ("client-cert", "empty-cert-action")


def _fortios_cli(config: FortiOSConfig) -> Facts:
    facts: Facts = {}

    def put(fact: str, value: str, where) -> None:
        facts[fact] = (value, str(where))

    for name, vip in config.table("firewall vip").entries.items():
        for key in VIP_FIELDS:
            put(f"vip {name} {key}", vip.get(key), vip.settings[key].where)
    for name, proxy in config.table("firewall access-proxy").entries.items():
        for gateway in proxy.tables["api-gateway"].entries.values():
            for server in (
                gateway.tables["realservers"].entries.values()
                if gateway.get("service") == "http"
                else ()
            ):
                put(
                    f"access-proxy {name} backend",
                    f"{server.get('ip')}:{server.get('port')}",
                    server.where,
                )
            if gateway.get("service") == "samlsp":
                put(f"access-proxy {name} saml-server", gateway.get("saml-server"), gateway.where)
        for key in POSTURE_FIELDS:
            put(f"access-proxy {name} {key}", proxy.get(key), proxy.where)
    for name, profile in config.table("web-proxy profile").entries.items():
        for key in PROFILE_SWITCHES:
            put(f"web-proxy profile {name} {key}", profile.get(key), profile.settings[key].where)
        custom = sorted(
            f"{entry.get('name')}={entry.get('action')}"
            for entry in profile.tables["headers"].entries.values()
        ) if "headers" in profile.tables else []  # fmt: skip
        put(f"web-proxy profile {name} headers", " ".join(custom), profile.where)
    for policy in config.table("firewall proxy-policy").entries.values():
        name = policy.get("name")
        for key in ("access-proxy", "groups", "webproxy-profile", "ztna-ems-tag"):
            put(f"proxy-policy {name} {key}", policy.get(key), policy.where)
    for name, group in config.table("user group").entries.items():
        matches = [m.get("group-name") for m in group.tables["match"].entries.values()]
        put(f"user group {name} admits", " ".join(matches), group.where)
    for name, saml in config.table("user saml").entries.items():
        for key in SAML_FIELDS:
            put(f"user saml {name} {key}", saml.get(key), saml.settings[key].where)
    analyzer = config.table("log fortianalyzer setting")
    if "server" in analyzer.settings:
        put(
            "fortianalyzer server",
            analyzer.settings["server"].value,
            analyzer.settings["server"].where,
        )
    return facts


def _fortios_terraform(tf: Terraform) -> Facts:
    facts: Facts = {}
    for body, where in tf.of_kind("fortios_firewall_vip"):
        name = tf.resolve(body["name"])
        for key in VIP_FIELDS:
            facts[f"vip {name} {key}"] = (tf.resolve(body[key.replace("-", "_")]), where)
    for body, where in tf.of_kind("fortios_firewall_accessproxy"):
        name = tf.resolve(body["name"])
        for gateway in _blocks(body, "api_gateway"):
            if gateway.get("service") == "http":
                for server in _blocks(gateway, "realservers"):
                    backend = f"{tf.resolve(server['ip'])}:{tf.resolve(server['port'])}"
                    facts[f"access-proxy {name} backend"] = (backend, where)
            if gateway.get("service") == "samlsp":
                facts[f"access-proxy {name} saml-server"] = (
                    tf.resolve(gateway["saml_server"]),
                    where,
                )
        for key in POSTURE_FIELDS:
            facts[f"access-proxy {name} {key}"] = (
                tf.resolve(body.get(key.replace("-", "_"), "")),
                where,
            )
    for body, where in tf.of_kind("fortios_webproxy_profile"):
        name = tf.resolve(body["name"])
        for key in PROFILE_SWITCHES:
            facts[f"web-proxy profile {name} {key}"] = (body[key.replace("-", "_")], where)
        custom = sorted(f"{tf.resolve(h['name'])}={h['action']}" for h in _blocks(body, "headers"))
        facts[f"web-proxy profile {name} headers"] = (" ".join(custom), where)
    for body, where in tf.of_kind("fortios_firewall_proxypolicy"):
        name = tf.resolve(body["name"])
        facts[f"proxy-policy {name} access-proxy"] = (_names(body, "access_proxy", tf), where)
        facts[f"proxy-policy {name} groups"] = (_names(body, "groups", tf), where)
        facts[f"proxy-policy {name} webproxy-profile"] = (
            tf.resolve(body["webproxy_profile"]),
            where,
        )
        facts[f"proxy-policy {name} ztna-ems-tag"] = (_names(body, "ztna_ems_tag", tf), where)
    for body, where in tf.of_kind("fortios_user_group"):
        admitted = tf.resolve(tf.variables["admitted_groups"])
        facts[f"user group {tf.resolve(body['name'])} admits"] = (admitted, where)
    for body, where in tf.of_kind("fortios_user_saml"):
        name = tf.resolve(body["name"])
        for key in SAML_FIELDS:
            facts[f"user saml {name} {key}"] = (tf.resolve(body[key.replace("-", "_")]), where)
    for body, where in tf.of_kind("fortios_logfortianalyzer_setting"):
        facts["fortianalyzer server"] = (tf.resolve(body["server"]), where)
    return facts


# --- Citrix ADC ----------------------------------------------------------------------


def _netscaler_cli(config: NetScalerConfig) -> Facts:
    facts: Facts = {}

    def put(fact: str, value: str, where) -> None:
        facts[fact] = (value, str(where))

    for vs in config.find("add", "lb vserver"):
        put(f"lb vserver {vs.name} address", f"{vs.args[2]}:{vs.args[3]}", vs.where)
        put(f"lb vserver {vs.name} authnprofile", vs.option("authnProfile"), vs.where)
    for member in config.find("bind", "serviceGroup"):
        put(
            f"serviceGroup {member.name} member", f"{member.args[1]}:{member.args[2]}", member.where
        )
    for action in config.find("add", "rewrite action"):
        put(f"rewrite action {action.name}", " ".join(action.args[1:]), action.where)
    for policy in config.find("add", "responder policy"):
        put(f"responder policy {policy.name}", " ".join(policy.args[1:]), policy.where)
    for policy in config.find("set", "rewrite policy"):
        put(f"rewrite policy {policy.name} logaction", policy.option("logAction"), policy.where)
    for message in config.find("add", "audit messageaction"):
        put(f"message action {message.name}", " ".join(message.args[1:]), message.where)
    for epa in config.find("add", "authentication epaAction"):
        put(f"epa action {epa.name}", epa.option("csecexpr"), epa.where)
    for target, (bindings, where) in _cli_bindings(config).items():
        put(f"{target} bindings", bindings, where)
    for kind in ("authentication samlAction", "authentication OAuthAction"):
        for action in config.find("add", kind):
            user = action.option("samlUserField") or action.option("userNameField")
            put(f"sign-in {action.name} user", user, action.where)
            put(f"sign-in {action.name} attributes", action.option("attributes"), action.where)
    for syslog in config.find("add", "audit syslogAction"):
        put(f"syslog {syslog.name} server", syslog.args[1], syslog.where)
    return facts


def _netscaler_terraform(tf: Terraform) -> Facts:
    facts: Facts = {}
    for body, where in tf.of_kind("citrixadc_lbvserver"):
        name = tf.resolve(body["name"])
        facts[f"lb vserver {name} address"] = (
            f"{tf.resolve(body['ipv46'])}:{tf.resolve(body['port'])}",
            where,
        )
        facts[f"lb vserver {name} authnprofile"] = (tf.resolve(body.get("authnprofile", "")), where)
    for body, where in tf.of_kind("citrixadc_servicegroup_servicegroupmember_binding"):
        member = f"{tf.resolve(body['ip'])}:{tf.resolve(body['port'])}"
        facts[f"serviceGroup {tf.resolve(body['servicegroupname'])} member"] = (member, where)
    for body, where in tf.of_kind("citrixadc_rewriteaction"):
        value = " ".join(tf.resolve(body[key]) for key in ("type", "target", "stringbuilderexpr"))
        facts[f"rewrite action {tf.resolve(body['name'])}"] = (value, where)
    for body, where in tf.of_kind("citrixadc_responderpolicy"):
        value = f"{tf.resolve(body['rule'])} {tf.resolve(body['action'])}"
        facts[f"responder policy {tf.resolve(body['name'])}"] = (value, where)
    for body, where in tf.of_kind("citrixadc_rewritepolicy"):
        if "logaction" in body:
            logaction = tf.resolve(body["logaction"])
            facts[f"rewrite policy {tf.resolve(body['name'])} logaction"] = (logaction, where)
    for body, where in tf.of_kind("citrixadc_auditmessageaction"):
        value = f"{tf.resolve(body['loglevel'])} {tf.resolve(body['stringbuilderexpr'])}"
        facts[f"message action {tf.resolve(body['name'])}"] = (value, where)
    for body, where in tf.of_kind("citrixadc_authenticationepaaction"):
        facts[f"epa action {tf.resolve(body['name'])}"] = (tf.resolve(body["csecexpr"]), where)
    for target, (bindings, where) in _terraform_bindings(tf).items():
        facts[f"{target} bindings"] = (bindings, where)
    for kind, user_field in (
        ("citrixadc_authenticationsamlaction", "samluserfield"),
        ("citrixadc_authenticationoauthaction", "usernamefield"),
    ):
        for body, where in tf.of_kind(kind):
            name = tf.resolve(body["name"])
            facts[f"sign-in {name} user"] = (tf.resolve(body[user_field]), where)
            facts[f"sign-in {name} attributes"] = (tf.resolve(body["attributes"]), where)
    for body, where in tf.of_kind("citrixadc_auditsyslogaction"):
        facts[f"syslog {tf.resolve(body['name'])} server"] = (tf.resolve(body["serverip"]), where)
    return facts


# --- Citrix ADC bindings: what is bound to each target, in evaluation order ----------
#
# A target's bindings become one fact, "kind name priority goto type; ...", sorted by
# kind and priority: a binding missing on one side, or bound in another order, differs.

BOUND_KINDS = {  # CLI object kind -> the label both sides use
    "rewrite policy": "rewrite policy",
    "responder policy": "responder policy",
    "authentication policy": "authentication policy",
    "tm sessionpolicy": "session policy",
    "audit syslogpolicy": "syslog policy",
    "servicegroup": "service group",
}
TERRAFORM_BINDINGS = {  # resource -> (target kind, target attribute, bound label, bound attribute)
    "citrixadc_lbvserver_servicegroup_binding": (
        "lb vserver", "name", "service group", "servicegroupname"),
    "citrixadc_sslvserver_sslcertkey_binding": (
        "lb vserver", "vservername", "certificate", "certkeyname"),
    "citrixadc_lbvserver_rewritepolicy_binding": (
        "lb vserver", "name", "rewrite policy", "policyname"),
    "citrixadc_lbvserver_responderpolicy_binding": (
        "lb vserver", "name", "responder policy", "policyname"),
    "citrixadc_authenticationvserver_authenticationpolicy_binding": (
        "authentication vserver", "name", "authentication policy", "policy"),
    "citrixadc_authenticationvserver_tmsessionpolicy_binding": (
        "authentication vserver", "name", "session policy", "policy"),
    "citrixadc_authenticationpolicylabel_authenticationpolicy_binding": (
        "authentication policylabel", "labelname", "authentication policy", "policyname"),
    "citrixadc_auditsyslogglobal_auditsyslogpolicy_binding": (
        "audit syslogGlobal", "", "syslog policy", "policyname"),
}  # fmt: skip


def _binding(label: str, name: str, priority="", goto="", bindpoint="", next_factor="") -> tuple:
    """A sort key (evaluation order) and the text both sides must agree on."""
    details = {
        "priority": priority,
        "goto": goto.upper(),
        "type": bindpoint.upper(),
        "next factor": next_factor,
    }
    words = [label, name, *(f"{key} {value}" for key, value in details.items() if value)]
    return (label, int(priority or 0), name), " ".join(words)


def _in_order(found: dict[str, list]) -> dict[str, tuple[str, str]]:
    return {
        target: ("; ".join(text for _, text in sorted(bindings)), where)
        for target, (bindings, where) in found.items()
    }


def _cli_bindings(config: NetScalerConfig) -> dict[str, tuple[str, str]]:
    added = (command for command in config.commands if command.verb == "add")
    kinds = {command.name: command.kind.lower() for command in added}
    found: dict[str, tuple[list, str]] = {}
    for bind in config.commands:
        if bind.verb != "bind" or bind.kind == "serviceGroup":
            continue
        target = "lb vserver" if bind.kind == "ssl vserver" else bind.kind
        target = f"{target} {bind.name}" if target != "audit syslogGlobal" else target
        if bind.option("certkeyName"):
            entry = _binding("certificate", bind.option("certkeyName"))
        elif bind.kind == "lb vserver" and not bind.option("policyName"):
            entry = _binding("service group", bind.args[1])
        else:
            policy = bind.option("policyName") or bind.option("policy")
            label = BOUND_KINDS.get(kinds.get(policy, ""), "unknown policy")
            keys = ("priority", "gotoPriorityExpression", "type", "nextFactor")
            entry = _binding(label, policy, *(bind.option(key) for key in keys))
        found.setdefault(target, ([], str(bind.where)))[0].append(entry)
    return _in_order(found)


def _terraform_bindings(tf: Terraform) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[list, str]] = {}
    for kind, (target_kind, target_key, label, bound_key) in TERRAFORM_BINDINGS.items():
        for body, where in tf.of_kind(kind):
            target = f"{target_kind} {tf.resolve(body[target_key])}" if target_key else target_kind
            settings = ("priority", "gotopriorityexpression", "bindpoint", "nextfactor")
            details = (tf.resolve(body.get(key, "")) for key in settings)
            entry = _binding(label, tf.resolve(body[bound_key]), *details)
            found.setdefault(target, ([], where))[0].append(entry)
    return _in_order(found)
