"""FortiOS CLI against the fortinet.fortios module schemas (and the provider's limits).

Every `config` table and nested table, every `edit` key, every `set`/`unset`/`append`/
`select` attribute and each of its values must exist, with the right type, within the
known limits, in every FortiOS 7.0, 7.2 and 7.4 release the schema knows.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from . import Report, cli_lines, schema, tokenize

TARGET_TRAINS = ("7.0.", "7.2.", "7.4.")
VALUE_COMMANDS = ("set", "append", "select")


def release_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def target_releases() -> list[str]:
    return [
        release
        for release in schema("fortios_cli")["releases"]
        if release.startswith(TARGET_TRAINS)
    ]


def available(ranges: list[str], release: str) -> bool:
    """Whether `release` lies in one of the ranges ("7.0.0-", "6.0.0-7.4.1")."""
    for span in ranges:
        start, _, end = span.partition("-")
        if release_key(start) <= release_key(release) and (
            not end or release_key(release) <= release_key(end)
        ):
            return True
    return False


def missing_releases(spec: dict, releases: list[str]) -> list[str]:
    return [release for release in releases if "v" in spec and not available(spec["v"], release)]


def variants(spec: dict) -> list[dict]:
    return spec.get("variants", [spec])


@dataclass
class Frame:
    """An open `config` (a table) or `edit` (an entry of it); spec is None when unknown."""

    kind: str  # "table" or "entry"
    name: str
    spec: dict | None


class FortiOSCheck:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tables = schema("fortios_cli")["tables"]
        self.releases = target_releases()
        self.report = Report()

    def file(self, path: Path) -> None:
        stack: list[Frame] = []
        for number, line in cli_lines(path):
            words = tokenize(line)
            where = (path.relative_to(self.root), number, line)
            self.report.commands += 1
            keyword, args = words[0], words[1:]
            if keyword == "config":
                stack.append(self.config(stack, " ".join(args), where))
            elif keyword == "edit":
                stack.append(self.edit(stack, args, where))
            elif keyword in ("set", "unset", *VALUE_COMMANDS):
                self.attribute(stack, keyword, args, where)
            elif keyword in ("next", "end") and stack:
                stack.pop()
            else:
                self.report.add(where, "unknown-command", f"{keyword!r} is not a FortiOS command")

    def config(self, stack: list[Frame], name: str, where) -> Frame:
        if not stack:
            spec = self.tables.get(name)
            if spec is None:
                self.report.add(
                    where, "unknown-table", f"FortiOS has no table 'config {name}' in the schema"
                )
            else:
                self.versions(spec, f"config {name}", where)
            return Frame("table", name, spec)
        parent = stack[-1].spec
        if parent is None:
            return Frame("table", name, None)
        spec = parent["attributes"].get(name)
        path = f"{stack[-1].name} > {name}"
        self.report.checks += 1
        if spec is None or not any(v["type"] in ("table", "block") for v in variants(spec)):
            problem = (
                f"'{name}' is not a table of {stack[-1].name}"
                if spec is None
                else f"'{name}' is an attribute of {stack[-1].name}: use 'set {name}'"
            )
            self.report.add(where, "unknown-table", problem)
            return Frame("table", path, None)
        self.versions(spec, f"config {name}", where)
        return Frame("table", path, spec)

    def edit(self, stack: list[Frame], args: list[str], where) -> Frame:
        table = stack[-1] if stack else None
        if table is None or table.kind != "table":
            self.report.add(where, "syntax", "'edit' must be directly inside a 'config'")
            return Frame("entry", "?", None)
        if table.spec is None:
            return Frame("entry", table.name, None)
        key = table.spec.get("key")
        if key is None:
            self.report.add(where, "syntax", f"'config {table.name}' holds settings, not entries")
            return Frame("entry", "?", None)
        self.values(table.spec["attributes"][key], f"{table.name} {key}", args, where)
        return Frame("entry", table.name, table.spec)

    def attribute(self, stack: list[Frame], keyword: str, args: list[str], where) -> None:
        owner = stack[-1] if stack else None
        if owner is None or not args:
            self.report.add(where, "syntax", f"'{keyword}' needs an open table and an attribute")
            return
        if owner.spec is None:
            return
        if owner.kind == "table" and "key" in owner.spec:
            self.report.add(where, "syntax", f"'{keyword}' in 'config {owner.name}' needs 'edit'")
            return
        name, values = args[0], args[1:]
        spec = owner.spec["attributes"].get(name)
        self.report.checks += 1
        if spec is None:
            close = difflib.get_close_matches(name, owner.spec["attributes"], n=3)
            hint = f"; close: {', '.join(close)}" if close else ""
            self.report.add(
                where,
                "unknown-attribute",
                f"{owner.name} has no attribute '{name}' in the schema{hint}",
            )
            return
        self.versions(spec, f"{owner.name} {name}", where)
        if any(v["type"] in ("table", "block") for v in variants(spec)):
            self.report.add(where, "wrong-type", f"'{name}' is a table: use 'config {name}'")
        elif keyword == "unset" and values:
            self.report.add(where, "syntax", f"'unset {name}' takes no values")
        elif keyword in ("append", "select") and not self.is_list(spec):
            self.report.add(where, "wrong-type", f"'{name}' holds one value: use 'set'")
        elif keyword in VALUE_COMMANDS:
            self.values(spec, f"{owner.name} {name}", values, where)

    @staticmethod
    def is_list(spec: dict) -> bool:
        return all(v["type"] == "values" or v.get("multiple") for v in variants(spec))

    def versions(self, spec: dict, what: str, where) -> None:
        present = variants(spec)
        missing = [
            r for r in self.releases if not any(not missing_releases(v, [r]) for v in present)
        ]
        if missing:
            ranges = sorted({span for v in present for span in v.get("v", [])})
            self.report.add(
                where,
                "unavailable",
                f"'{what}' is not in FortiOS {self.spans(missing)} "
                f"(the schema has it in {', '.join(ranges)})",
            )

    def spans(self, releases: list[str]) -> str:
        """Known releases as runs: '7.0.0 to 7.2.0, 7.4.4'."""
        runs: list[list[str]] = []
        for release in releases:
            previous = self.releases.index(release) - 1
            if runs and previous >= 0 and runs[-1][-1] == self.releases[previous]:
                runs[-1].append(release)
            else:
                runs.append([release])
        return ", ".join(run[0] if len(run) == 1 else f"{run[0]} to {run[-1]}" for run in runs)

    def values(self, spec: dict, what: str, values: list[str], where) -> None:
        """Each variant of the attribute judges the values in the releases it covers."""
        for variant in variants(spec):
            if missing_releases(variant, self.releases) == self.releases:
                continue
            problem = self.value_problem(variant, values)
            self.report.checks += 1
            if problem:
                in_releases = (
                    f" (FortiOS {', '.join(variant['v'])})" if len(variants(spec)) > 1 else ""
                )
                self.report.add(where, problem[0], f"{what}{in_releases}: {problem[1]}")

    def value_problem(self, spec: dict, values: list[str]) -> tuple[str, str] | None:
        kind = spec["type"]
        many = kind == "values" or spec.get("multiple")
        if not values:
            return "missing-value", "needs a value"
        if len(values) > 1 and not many:
            return "wrong-type", f"takes one value, got {len(values)}: {values}"
        for value in values:
            problem = self.one_value_problem(spec, value)
            if problem:
                return problem
        return None

    def one_value_problem(self, spec: dict, value: str) -> tuple[str, str] | None:
        kind = spec["type"]
        if kind == "option":
            option = spec["options"].get(value)
            if option is None:
                return "bad-option", f"{value!r} is not one of {sorted(spec['options'])}"
            missing = [r for r in self.releases if option and not available(option, r)]
            if missing:
                return "unavailable", (
                    f"option {value!r} is not in FortiOS {self.spans(missing)} "
                    f"(the schema has it in {', '.join(option)})"
                )
            return None
        if kind == "integer" or spec.get("value_type") == "integer":
            if not value.lstrip("-").isdigit():
                return "wrong-type", f"{value!r} is not an integer"
            low, high = spec.get("min"), spec.get("max")
            if (low is not None and int(value) < low) or (high is not None and int(value) > high):
                return "out-of-range", f"{value} is outside {low}..{high}"
            return None
        if len(value) > spec.get("max_length", len(value)):
            return "too-long", (
                f"{value!r} is {len(value)} characters; FortiOS allows at most {spec['max_length']}"
            )
        return None


def check(files: list[Path], root: Path) -> Report:
    """FortiOS CLI files, each parsed on its own (each starts at the top level)."""
    checker = FortiOSCheck(root)
    for path in files:
        checker.file(path)
    return checker.report
