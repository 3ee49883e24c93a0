"""Small parsers for the appliance CLI this project ships, and their syntax checks.

Only the subset the files in ``edge/`` use is understood:

- FortiOS: ``config <path>`` ... ``end`` blocks, ``edit <name>`` ... ``next`` entries,
  ``set <key> <values>``, double-quoted values, ``#`` comments. Files are applied in
  name order and an ``edit`` of an existing entry adds to it, as on the appliance.
- NetScaler: one command per line (``add``/``set``/``bind``/``enable``), positional
  arguments, then ``-option value`` pairs; double quotes with backslash escapes.

Every parsed value remembers its file and line so drift messages can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..support.project import PROJECT_ROOT


class ConfigSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Where:
    path: Path
    line: int

    def __str__(self) -> str:
        path = self.path
        if path.is_relative_to(PROJECT_ROOT):
            path = path.relative_to(PROJECT_ROOT)
        return f"{path.as_posix()}:{self.line}"


def tokenize(text: str, where: Where) -> list[str]:
    """Split a CLI line into words; double quotes group, and inside them a backslash escapes."""
    words: list[str] = []
    word: list[str] = []
    in_word = quoted = False
    chars = iter(text)
    for char in chars:
        if quoted and char == "\\":
            word.append(next(chars, ""))
        elif char == '"':
            quoted, in_word = not quoted, True
        elif char.isspace() and not quoted:
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
        else:
            word.append(char)
            in_word = True
    if quoted:
        raise ConfigSyntaxError(f"{where}: unbalanced quotes")
    if in_word:
        words.append("".join(word))
    return words


def _lines(path: Path):
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield Where(path, number), line


# --- FortiOS -------------------------------------------------------------------------


@dataclass
class Setting:
    values: list[str]
    where: Where

    @property
    def value(self) -> str:
        return " ".join(self.values)


@dataclass
class Entry:
    name: str
    where: Where
    settings: dict[str, Setting] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)

    def get(self, key: str, default: str = "") -> str:
        setting = self.settings.get(key)
        return setting.value if setting else default


@dataclass
class Table:
    """A ``config`` block: named entries (``edit``) and/or direct settings."""

    path: str
    where: Where
    entries: dict[str, Entry] = field(default_factory=dict)
    settings: dict[str, Setting] = field(default_factory=dict)


class FortiOSConfig:
    def __init__(self, files: list[Path]) -> None:
        self.tables: dict[str, Table] = {}
        for path in sorted(files):
            self._parse(path)

    def table(self, path: str) -> Table:
        return self.tables.get(path) or Table(path, Where(Path("-"), 0))

    def _parse(self, path: Path) -> None:
        stack: list[Table | Entry] = []
        for where, line in _lines(path):
            words = tokenize(line, where)
            keyword, args = words[0], words[1:]
            if any(c in word for word in args for c in "<>"):
                raise ConfigSyntaxError(f"{where}: FortiOS rejects '<' and '>' in values")
            if keyword == "config":
                stack.append(self._open_table(stack, " ".join(args), where))
            elif keyword == "edit":
                stack.append(self._open_entry(stack, args, where))
            elif keyword in ("set", "unset"):
                self._set(stack, args, where, keyword)
            elif keyword == "next":
                if not stack or not isinstance(stack.pop(), Entry):
                    raise ConfigSyntaxError(f"{where}: 'next' without 'edit'")
            elif keyword == "end":
                if not stack or not isinstance(stack.pop(), Table):
                    raise ConfigSyntaxError(f"{where}: 'end' without 'config'")
            else:
                raise ConfigSyntaxError(f"{where}: unknown command {keyword!r}")
        if stack:
            raise ConfigSyntaxError(f"{path}: {len(stack)} block(s) not closed at end of file")

    def _open_table(self, stack: list, name: str, where: Where) -> Table:
        if not stack:
            return self.tables.setdefault(name, Table(name, where))
        parent = stack[-1]
        if not isinstance(parent, Entry):
            raise ConfigSyntaxError(f"{where}: nested 'config' must be inside 'edit'")
        return parent.tables.setdefault(name, Table(name, where))

    def _open_entry(self, stack: list, args: list[str], where: Where) -> Entry:
        if not stack or not isinstance(stack[-1], Table) or len(args) != 1:
            raise ConfigSyntaxError(f"{where}: 'edit <name>' must be directly inside 'config'")
        table = stack[-1]
        name = args[0] if args[0] != "0" else f"0 (new #{len(table.entries) + 1})"
        return table.entries.setdefault(name, Entry(name, where))

    def _set(self, stack: list, args: list[str], where: Where, keyword: str) -> None:
        if not stack or not args:
            raise ConfigSyntaxError(f"{where}: '{keyword}' outside a block or without a key")
        target = stack[-1]
        if keyword == "unset":
            target.settings.pop(args[0], None)
        else:
            target.settings[args[0]] = Setting(args[1:], where)


# --- NetScaler -----------------------------------------------------------------------

NETSCALER_OBJECTS = [
    "lb vserver", "ssl certKey", "ssl vserver", "ssl parameter", "serviceGroup", "service",
    "rewrite action", "rewrite policy", "responder action", "responder policy",
    "authentication samlAction", "authentication OAuthAction", "authentication vserver",
    "authentication Policy", "authentication authnProfile", "authentication epaAction",
    "authentication policylabel", "tm sessionAction",
    "tm sessionPolicy", "audit syslogAction", "audit syslogPolicy", "audit syslogGlobal",
    "audit messageaction", "ns feature",
]  # fmt: skip
VERBS = ("add", "set", "bind", "enable")


@dataclass
class Command:
    verb: str
    kind: str
    args: list[str]
    options: dict[str, str]
    where: Where

    @property
    def name(self) -> str:
        return self.args[0] if self.args else ""

    def option(self, name: str, default: str = "") -> str:
        return self.options.get(name.lower(), default)


class NetScalerConfig:
    def __init__(self, files: list[Path]) -> None:
        self.commands: list[Command] = []
        for path in sorted(files):
            for where, line in _lines(path):
                self.commands.append(self._parse(tokenize(line, where), where))

    def find(self, verb: str, kind: str) -> list[Command]:
        return [c for c in self.commands if c.verb == verb and c.kind.lower() == kind.lower()]

    def added(self, kind: str) -> dict[str, Command]:
        return {command.name: command for command in self.find("add", kind)}

    @staticmethod
    def _parse(words: list[str], where: Where) -> Command:
        verb = words[0]
        if verb not in VERBS:
            raise ConfigSyntaxError(f"{where}: unknown command {verb!r}")
        rest = " ".join(words[1:3]).lower()
        kind = next(
            (k for k in sorted(NETSCALER_OBJECTS, key=len, reverse=True)
             if rest == k.lower() or rest.startswith(k.lower() + " ")),
            None,
        )  # fmt: skip
        if kind is None:
            raise ConfigSyntaxError(f"{where}: unknown object in {' '.join(words[:3])!r}")
        words = words[1 + len(kind.split()) :]
        args: list[str] = []
        options: dict[str, list[str]] = {}
        current = None
        for word in words:
            if re.fullmatch(r"-[A-Za-z][A-Za-z0-9]*", word):
                current = options.setdefault(word[1:].lower(), [])
            elif current is None:
                args.append(word)
            else:
                current.append(word)
        empty = [name for name, values in options.items() if not values]
        if empty:
            raise ConfigSyntaxError(f"{where}: option -{empty[0]} has no value")
        options = {name: " ".join(values) for name, values in options.items()}
        return Command(verb, kind, args, options, where)


# --- References: everything named is defined, everything defined is used -------------

FORTIOS_REFERENCES = {
    "vip": "firewall vip",
    "access-proxy": "firewall access-proxy",
    "groups": "user group",
    "webproxy-profile": "web-proxy profile",
    "saml-server": "user saml",
    "member": "user saml",
    "server-name": "user saml",
    "active-auth-method": "authentication scheme",
}
FORTIOS_MUST_BE_USED = ("web-proxy profile", "user saml", "authentication scheme", "user group")


def fortios_problems(config: FortiOSConfig) -> list[str]:
    problems, used = [], set()

    def walk(entries: dict[str, Entry]) -> None:
        for entry in entries.values():
            for key, setting in entry.settings.items():
                target = FORTIOS_REFERENCES.get(key)
                for name in setting.values if target else ():
                    used.add((target, name))
                    if name not in config.table(target).entries:
                        problems.append(f"{setting.where}: {key} {name!r} is not defined")
            for table in entry.tables.values():
                walk(table.entries)

    for table in config.tables.values():
        walk(table.entries)
    for path in FORTIOS_MUST_BE_USED:
        for name, entry in config.table(path).entries.items():
            if (path, name) not in used:
                problems.append(f"{entry.where}: {path} {name!r} is defined but never used")
    return problems


NETSCALER_REFERENCES = {
    # (verb, kind): [(argument index or option, kinds it may name)]
    ("add", "lb vserver"): [("authnprofile", ["authentication authnProfile"])],
    ("bind", "lb vserver"): [
        (0, ["lb vserver"]),
        (1, ["serviceGroup"]),
        ("policyname", ["rewrite policy", "responder policy"]),
    ],
    ("bind", "ssl vserver"): [(0, ["lb vserver"]), ("certkeyname", ["ssl certKey"])],
    ("set", "ssl vserver"): [(0, ["lb vserver"])],
    ("bind", "serviceGroup"): [(0, ["serviceGroup"])],
    ("add", "rewrite policy"): [(2, ["rewrite action"])],
    ("set", "rewrite policy"): [(0, ["rewrite policy"]), ("logaction", ["audit messageaction"])],
    ("set", "responder policy"): [
        (0, ["responder policy"]),
        ("logaction", ["audit messageaction"]),
    ],
    ("add", "authentication samlAction"): [
        ("samlidpcertname", ["ssl certKey"]),
        ("samlsigningcertname", ["ssl certKey"]),
    ],
    ("add", "authentication Policy"): [
        (
            "action",
            [
                "authentication samlAction",
                "authentication OAuthAction",
                "authentication epaAction",
            ],
        )
    ],
    ("bind", "authentication vserver"): [
        (0, ["authentication vserver"]),
        ("policy", ["authentication Policy", "tm sessionPolicy"]),
        ("nextfactor", ["authentication policylabel"]),
    ],
    ("bind", "authentication policylabel"): [
        (0, ["authentication policylabel"]),
        ("policyname", ["authentication Policy"]),
        ("nextfactor", ["authentication policylabel"]),
    ],
    ("add", "authentication authnProfile"): [("authnvsname", ["authentication vserver"])],
    ("add", "tm sessionPolicy"): [(2, ["tm sessionAction"])],
    ("add", "audit syslogPolicy"): [(2, ["audit syslogAction"])],
    ("bind", "audit syslogGlobal"): [("policyname", ["audit syslogPolicy"])],
}
NETSCALER_MUST_BE_BOUND = (
    "rewrite policy", "responder policy", "authentication Policy", "tm sessionPolicy",
    "audit syslogPolicy", "authentication policylabel",
)  # fmt: skip


def netscaler_problems(config: NetScalerConfig) -> list[str]:
    """References must name objects added earlier (the CLI runs top to bottom)."""
    problems, defined, bound = [], set(), set()
    for command in config.commands:
        for ref, kinds in NETSCALER_REFERENCES.get((command.verb, command.kind), ()):
            if isinstance(ref, int):
                name = command.args[ref] if ref < len(command.args) else ""
            else:
                name = command.option(ref)
            if not name:
                continue
            if not any((kind.lower(), name) in defined for kind in kinds):
                problems.append(
                    f"{command.where}: {' or '.join(kinds)} {name!r} is not defined above"
                )
            if command.verb == "bind":
                bound.update((kind.lower(), name) for kind in kinds)
        if command.verb == "add":
            defined.add((command.kind.lower(), command.name))
    for kind in NETSCALER_MUST_BE_BOUND:
        for name, command in config.added(kind).items():
            if (kind.lower(), name) not in bound:
                problems.append(f"{command.where}: {kind} {name!r} is never bound")
    return problems
