"""Terraform files against the providers' own resource schemas.

Every resource type must exist; every attribute and block must be one the resource has
and not one the provider computes; required ones must be present; a value that plan
would know (a literal, a variable default, another resource's attribute) must be of the
attribute's type and within its length, range and choices.
"""

from __future__ import annotations

import re
from pathlib import Path

import hcl2
from hcl2.utils import SerializationOptions

from . import Report, schema

OPTIONS = SerializationOptions(explicit_blocks=True, strip_string_quotes=True, with_comments=False)
META_ARGUMENTS = {"count", "for_each", "depends_on", "lifecycle", "provider", "provisioner"}
REFERENCE = re.compile(r"\$\{([^}]+)\}")
UNKNOWN = object()  # a value plan only knows after apply, or an expression
# A plain reference: var.NAME, or TYPE.LABEL.ATTRIBUTE of a resource (types hold a "_").
PLAIN_REFERENCE = re.compile(r"var\.\w+|[a-z][a-z0-9]*_\w+\.\w+\.\w+")


class Module:
    """The .tf files of one folder: variable defaults and resource bodies, for references."""

    def __init__(self, files: list[Path]) -> None:
        self.variables: dict[str, object] = {}
        self.resources: dict[tuple[str, str], tuple[dict, Path, str]] = {}
        for path in files:
            text = path.read_text(encoding="utf-8")
            parsed = hcl2.loads(text, serialization_options=OPTIONS)
            for block in parsed.get("variable", []):
                for name, body in block.items():
                    self.variables[name] = body.get("default", UNKNOWN)
            for block in parsed.get("resource", []):
                for kind, labelled in block.items():
                    for label, body in labelled.items():
                        self.resources[(kind, label)] = (body, path, text)

    def value(self, raw: object) -> object:
        """The value as plan would see it, or UNKNOWN."""
        if not isinstance(raw, str):
            return raw
        whole = REFERENCE.fullmatch(raw)
        if whole:
            return self.lookup(whole.group(1))
        parts = []
        for piece in re.split(r"(\$\{[^}]+\})", raw):
            inner = REFERENCE.fullmatch(piece)
            resolved = self.lookup(inner.group(1)) if inner else piece
            if resolved is UNKNOWN or isinstance(resolved, list | dict):
                return UNKNOWN
            parts.append(str(resolved))
        return "".join(parts)

    def undeclared(self, raw: object) -> str | None:
        """The first plain reference in ``raw`` to a variable or resource this module does
        not declare (terraform validate refuses it; plan would leave it unknown)."""
        for text in raw if isinstance(raw, list) else [raw]:
            if not isinstance(text, str):
                continue
            for reference in (found.strip() for found in REFERENCE.findall(text)):
                if not PLAIN_REFERENCE.fullmatch(reference):
                    continue
                parts = reference.split(".")
                if parts[0] == "var":
                    declared = parts[1] in self.variables
                else:
                    declared = (parts[0], parts[1]) in self.resources
                if not declared:
                    return reference
        return None

    def lookup(self, reference: str) -> object:
        parts = reference.strip().split(".")
        if parts[0] == "var" and len(parts) == 2:
            return self.value(self.variables.get(parts[1], UNKNOWN))
        if len(parts) == 3 and (parts[0], parts[1]) in self.resources:
            body = self.resources[(parts[0], parts[1])][0]
            return self.value(body.get(parts[2], UNKNOWN))
        return UNKNOWN


def line_of(text: str, pattern: str, start: int = 1) -> int:
    lines = text.splitlines()
    for number in range(start, len(lines) + 1):
        if re.match(pattern, lines[number - 1]):
            return number
    return start


class TerraformCheck:
    def __init__(self, root: Path, module: Module) -> None:
        self.root = root
        self.module = module
        self.schemas = schema("terraform")["resources"]
        self.report = Report()

    def resource(self, kind: str, label: str) -> None:
        body, path, text = self.module.resources[(kind, label)]
        start = line_of(text, rf'\s*resource\s+"{kind}"\s+"{label}"')
        where = (path.relative_to(self.root), start, f'resource "{kind}" "{label}"')
        self.report.commands += 1
        spec = self.schemas.get(kind)
        if spec is None:
            provider = kind.split("_")[0]
            self.report.add(
                where, "unknown-resource", f"the {provider} provider has no resource type {kind}"
            )
            return
        self.block(spec, body, kind, (path, text, start, f"{kind}.{label}"))

    def block(self, spec: dict, body: dict, what: str, place: tuple) -> None:
        path, _, start, name = place
        present = set()
        for key, value in body.items():
            if key == "__is_block__" or key in META_ARGUMENTS:
                continue
            if key == "dynamic":
                for dynamic in value:
                    for block_name, dynamic_body in dynamic.items():
                        present.add(block_name)
                        for content in dynamic_body.get("content", []):
                            self.nested(spec, block_name, content, what, place)
                continue
            present.add(key)
            if (
                isinstance(value, list)
                and value
                and all(isinstance(item, dict) and item.get("__is_block__") for item in value)
            ):
                for item in value:
                    self.nested(spec, key, item, what, place)
            else:
                self.attribute(spec, key, value, what, place)
        for key in sorted(self.required(spec) - present):
            where = (path.relative_to(self.root), start, name)
            self.report.add(where, "missing-required", f"{what} requires '{key}', which is not set")

    @staticmethod
    def required(spec: dict) -> set[str]:
        members = {**spec["attributes"], **spec["blocks"]}
        return {key for key, member in members.items() if member.get("use") == "required"}

    def where(self, place: tuple, key: str) -> tuple:
        path, text, start, name = place
        line = line_of(text, rf"\s*(dynamic\s+\"{key}\"|{key})\b", start)
        return (path.relative_to(self.root), line, f"{name}: {key}")

    def nested(self, spec: dict, key: str, body: dict, what: str, place: tuple) -> None:
        self.report.checks += 1
        block = spec["blocks"].get(key)
        if block is None:
            problem = (
                f"'{key}' is an attribute of {what}: write {key} = ..., not a block"
                if key in spec["attributes"]
                else f"{what} has no block '{key}'"
            )
            self.report.add(self.where(place, key), "unknown-attribute", problem)
            return
        path, text, _, name = place
        start = line_of(text, rf"\s*(dynamic\s+\"{key}\"|{key})\b", place[2])
        self.block(block, body, f"{what}.{key}", (path, text, start, f"{name}.{key}"))

    def attribute(self, spec: dict, key: str, raw: object, what: str, place: tuple) -> None:
        self.report.checks += 1
        attribute = spec["attributes"].get(key)
        if attribute is None:
            problem = (
                f"'{key}' is a block of {what}: write {key} {{ ... }}"
                if key in spec["blocks"]
                else f"{what} has no attribute '{key}'"
            )
            self.report.add(self.where(place, key), "unknown-attribute", problem)
            return
        if attribute.get("use") == "computed":
            self.report.add(
                self.where(place, key),
                "computed-attribute",
                f"{what}.{key} is computed by the provider and cannot be set",
            )
            return
        undeclared = self.module.undeclared(raw)
        if undeclared:
            self.report.add(
                self.where(place, key),
                "undeclared-reference",
                f"{what}.{key}: {undeclared} is not declared in this module",
            )
            return
        value = self.module.value(raw)
        if value is UNKNOWN:
            return
        problem = value_problem(attribute, value)
        if problem:
            self.report.add(self.where(place, key), problem[0], f"{what}.{key}: {problem[1]}")


def value_problem(spec: dict, value: object) -> tuple[str, str] | None:
    kind = spec["type"]
    if kind in ("list", "set"):
        if not isinstance(value, list):
            return "wrong-type", f"expects a {kind}, got {value!r}"
        element = {
            "type": spec.get("elem", "string"),
            **{k: v for k, v in spec.items() if k in ("max_length", "choices")},
        }
        return next(filter(None, (value_problem(element, item) for item in value)), None)
    if isinstance(value, list | dict):
        return "wrong-type", f"expects a {kind}, got {value!r}"
    if kind == "int":
        if isinstance(value, bool) or not re.fullmatch(r"-?\d+", str(value)):
            return "wrong-type", f"expects a whole number, got {value!r}"
        low, high = spec.get("min"), spec.get("max")
        if (low is not None and int(value) < low) or (high is not None and int(value) > high):
            return "out-of-range", f"{value} is outside {low}..{high}"
    if kind == "bool" and str(value).lower() not in ("true", "false"):
        return "wrong-type", f"expects true or false, got {value!r}"
    if kind == "string":
        text = str(value)
        limit = spec.get("max_length", len(text))
        if len(text) > limit:
            return "too-long", f"{text!r} is {len(text)} characters; the provider allows {limit}"
        if spec.get("choices") and text not in spec["choices"]:
            return "bad-choice", f"{text!r} is not one of {spec['choices']}"
    return None


def check(files: list[Path], root: Path) -> Report:
    module = Module(files)
    checker = TerraformCheck(root, module)
    for kind, label in module.resources:
        checker.resource(kind, label)
    return checker.report
