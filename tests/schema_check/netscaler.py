"""NetScaler CLI against the NITRO resource map of NetScaler's Ansible collection.

Each command must map to a NITRO resource or binding that supports the verb, every
positional argument and `-option` must be one that verb takes, and each value must be of
the argument's type and among its choices. The map publishes no name lengths.

How CLI words map to NITRO arguments (positional order, the few renamed options) is the
command reference's synopsis, written down here in COMMANDS; the NITRO side is data.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import Report, cli_lines, schema, tokenize

OPTION = re.compile(r"-[A-Za-z][A-Za-z0-9]*")
NITRO_VERB = {
    "add": "add",
    "set": "set",
    "unset": "unset",
    "enable": "enable",
    "disable": "disable",
    "bind": "add",
}
NITRO_OPERATION = {
    "add": "add",
    "set": "update",
    "unset": "unset",
    "enable": "enable",
    "disable": "disable",
    "bind": "add",
}


@dataclass(frozen=True)
class Syntax:
    """One CLI command: its NITRO resource and the arguments its positional words fill."""

    resource: str
    positional: tuple[str, ...] = ()
    rest: str = ""  # further positional words all go to this list argument
    renamed: dict[str, str] = field(default_factory=dict)  # CLI option -> NITRO argument
    trailing: dict[str, tuple[str, ...]] = field(default_factory=dict)  # option + words


COMMANDS = {
    ("enable", "ns feature"): Syntax("nsfeature", rest="feature"),
    ("add", "ssl certKey"): Syntax("sslcertkey", ("certkey",)),
    ("set", "ssl parameter"): Syntax("sslparameter"),
    ("set", "ssl vserver"): Syntax("sslvserver", ("vservername",)),
    ("bind", "ssl vserver"): Syntax("sslvserver_sslcertkey_binding", ("vservername",)),
    ("add", "serviceGroup"): Syntax(
        "servicegroup", ("servicegroupname", "servicetype"), trailing={"cip": ("cip", "cipheader")}
    ),
    ("bind", "serviceGroup"): Syntax(
        "servicegroup_servicegroupmember_binding", ("servicegroupname", "ip", "port")
    ),
    ("add", "service"): Syntax("service", ("name", "ip", "servicetype", "port")),
    ("add", "lb vserver"): Syntax("lbvserver", ("name", "servicetype", "ipv46", "port")),
    ("set", "lb vserver"): Syntax("lbvserver", ("name",)),
    ("add", "responder action"): Syntax("responderaction", ("name", "type", "target")),
    ("add", "responder policy"): Syntax("responderpolicy", ("name", "rule", "action")),
    ("set", "responder policy"): Syntax("responderpolicy", ("name",)),
    ("add", "rewrite action"): Syntax(
        "rewriteaction", ("name", "type", "target", "stringbuilderexpr")
    ),
    ("add", "rewrite policy"): Syntax("rewritepolicy", ("name", "rule", "action")),
    ("set", "rewrite policy"): Syntax("rewritepolicy", ("name",)),
    ("add", "authentication samlAction"): Syntax("authenticationsamlaction", ("name",)),
    ("add", "authentication OAuthAction"): Syntax("authenticationoauthaction", ("name",)),
    ("add", "authentication Policy"): Syntax("authenticationpolicy", ("name",)),
    ("add", "authentication epaAction"): Syntax("authenticationepaaction", ("name",)),
    ("add", "authentication policylabel"): Syntax("authenticationpolicylabel", ("labelname",)),
    ("bind", "authentication policylabel"): Syntax(
        "authenticationpolicylabel_authenticationpolicy_binding", ("labelname",)
    ),
    ("add", "authentication vserver"): Syntax(
        "authenticationvserver", ("name", "servicetype", "ipv46", "port")
    ),
    ("add", "authentication authnProfile"): Syntax("authenticationauthnprofile", ("name",)),
    ("add", "tm sessionAction"): Syntax("tmsessionaction", ("name",)),
    ("add", "tm sessionPolicy"): Syntax("tmsessionpolicy", ("name", "rule", "action")),
    ("add", "tm trafficAction"): Syntax("tmtrafficaction", ("name",)),
    ("add", "tm trafficPolicy"): Syntax("tmtrafficpolicy", ("name", "rule", "action")),
    ("add", "audit syslogAction"): Syntax("auditsyslogaction", ("name", "serverip")),
    ("add", "audit syslogPolicy"): Syntax("auditsyslogpolicy", ("name", "rule", "action")),
    ("bind", "audit syslogGlobal"): Syntax("auditsyslogglobal_auditsyslogpolicy_binding"),
    ("add", "audit messageaction"): Syntax(
        "auditmessageaction", ("name", "loglevel", "stringbuilderexpr")
    ),
}

# A bind whose NITRO binding depends on what is bound: (option or argument index, prefix).
BOUND_BY = {
    ("bind", "lb vserver"): [("policyname", "lbvserver"), (1, "lbvserver")],
    ("bind", "authentication vserver"): [("policy", "authenticationvserver")],
}
BOUND_ARGUMENT = {"servicegroup": "servicegroupname", "service": "servicename"}
BIND_RENAMED = {"type": "bindpoint"}


@dataclass
class Command:
    verb: str
    object: str
    positional: list[str]
    options: dict[str, list[str]]


def parse(words: list[str]) -> Command | None:
    """Split a command into verb, the longest known object, positional words and -options."""
    verb, rest = words[0].lower(), words[1:]
    objects = sorted({obj for _, obj in COMMANDS} | {obj for _, obj in BOUND_BY}, key=len)
    for obj in reversed(objects):
        size = len(obj.split())
        if [word.lower() for word in rest[:size]] == obj.lower().split():
            positional, options, current = [], {}, None
            for word in rest[size:]:
                if OPTION.fullmatch(word):
                    current = options.setdefault(word[1:].lower(), [])
                elif current is None:
                    positional.append(word)
                else:
                    current.append(word)
            return Command(verb, obj, positional, options)
    return None


class NetScalerCheck:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.resources = schema("netscaler_cli")["resources"]
        self.report = Report()
        self.added: dict[str, str] = {}  # object name -> NITRO resource, in apply order

    def line(self, path: Path, number: int, line: str) -> None:
        where = (path.relative_to(self.root), number, line)
        self.report.commands += 1
        command = parse(tokenize(line))
        if command is None or not self.known(command):
            words = " ".join(tokenize(line)[:3])
            self.report.add(
                where,
                "unknown-command",
                f"'{words}' is not a NetScaler command this check knows "
                "(COMMANDS in tests/schema_check/netscaler.py)",
            )
            return
        syntax = self.syntax(command, where)
        if syntax is None:
            return
        resource = self.resources.get(syntax.resource)
        if resource is None:
            self.report.add(where, "unknown-command", f"NITRO has no resource {syntax.resource}")
            return
        if NITRO_OPERATION[command.verb] not in resource["operations"]:
            self.report.add(
                where,
                "unknown-command",
                f"NITRO {syntax.resource} does not support "
                f"{NITRO_OPERATION[command.verb]} ({command.verb})",
            )
            return
        for argument, values, shown in self.arguments(command, syntax, where):
            self.argument(command, syntax, resource, argument, values, shown, where)
        if command.verb == "add" and command.positional:
            self.added[command.positional[0]] = syntax.resource

    @staticmethod
    def known(command: Command) -> bool:
        return (command.verb, command.object) in COMMANDS or (
            (command.verb, command.object) in BOUND_BY
        )

    def syntax(self, command: Command, where) -> Syntax | None:
        """The command's syntax; for a bind, the binding named by the kind of object bound."""
        key = (command.verb, command.object)
        if key in COMMANDS:
            return COMMANDS[key]
        for selector, prefix in BOUND_BY[key]:
            if isinstance(selector, int):
                name = command.positional[selector] if selector < len(command.positional) else ""
            else:
                name = " ".join(command.options.get(selector, []))
            if not name:
                continue
            kind = self.added.get(name)
            if kind is None:
                self.report.add(
                    where,
                    "unknown-binding",
                    f"cannot tell which NITRO binding: {name!r} is not added above",
                )
                return None
            positional = ("name", BOUND_ARGUMENT[kind]) if isinstance(selector, int) else ("name",)
            return Syntax(f"{prefix}_{kind}_binding", positional, renamed=BIND_RENAMED)
        self.report.add(where, "unknown-binding", "binds nothing this check knows")
        return None

    def arguments(self, command: Command, syntax: Syntax, where):
        """(NITRO argument, its values, how the CLI wrote it) for every word of the command."""
        positional = list(command.positional)
        if len(positional) > len(syntax.positional) and not syntax.rest:
            self.report.add(
                where,
                "unknown-option",
                f"'{command.verb} {command.object}' takes at most "
                f"{len(syntax.positional)} positional arguments "
                f"({', '.join(syntax.positional) or 'none'}), got {positional}",
            )
        for argument, value in zip(syntax.positional, positional, strict=False):
            yield argument, [value], f"<{argument}>"
        if syntax.rest and positional[len(syntax.positional) :]:
            yield syntax.rest, positional[len(syntax.positional) :], f"<{syntax.rest}>"
        for option, values in command.options.items():
            if option in syntax.trailing:
                for argument, value in zip(syntax.trailing[option], values, strict=False):
                    yield argument, [value], f"-{option}"
                continue
            yield syntax.renamed.get(option, option), values, f"-{option}"

    def argument(self, command, syntax, resource, argument, values, shown, where) -> None:
        self.report.checks += 1
        nitro_verb = NITRO_VERB[command.verb]
        accepted = set(resource["verbs"].get(nitro_verb, [])) | {resource["primary_key"]}
        if argument not in accepted:
            close = difflib.get_close_matches(argument, sorted(accepted - {""}), n=3)
            hint = f"; close: {', '.join(close)}" if close else ""
            self.report.add(
                where,
                "unknown-option",
                f"{shown} is not accepted by '{command.verb} {command.object}' "
                f"(NITRO {syntax.resource} {nitro_verb}{hint})",
            )
            return
        spec = resource["arguments"].get(argument, {"type": "str"})
        if command.verb == "unset":
            if values:
                self.report.add(where, "syntax", f"unset {shown} takes no value")
            return
        problem = value_problem(spec, values)
        if problem:
            self.report.add(
                where, problem[0], f"{shown} ({syntax.resource}.{argument}): {problem[1]}"
            )


def value_problem(spec: dict, values: list[str]) -> tuple[str, str] | None:
    if not values:
        return "missing-value", "needs a value"
    if spec["type"] != "list" and len(values) > 1:
        return "wrong-type", f"takes one value, got {values}"
    choices = {choice.lower(): choice for choice in spec.get("choices", [])}
    for value in values:
        if choices and value.lower() not in choices:
            return "bad-choice", f"{value!r} is not one of {sorted(choices.values())}"
        if spec["type"] == "int" and not re.fullmatch(r"-?\d+", value):
            return "wrong-type", f"{value!r} is not an integer"
    return None


def check(files: list[Path], root: Path) -> Report:
    """NetScaler CLI files in apply order: a bind must follow the add of what it binds."""
    checker = NetScalerCheck(root)
    for path in files:
        for number, line in cli_lines(path):
            checker.line(path, number, line)
    return checker.report
