"""What the doctor found: one line per check, and the setting or IdP change that fixes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TextIO

Level = Literal["ok", "note", "FAIL"]


@dataclass(frozen=True, slots=True)
class Finding:
    level: Level
    topic: str
    text: str
    fix: str = ""


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    def ok(self, topic: str, text: str) -> None:
        self.findings.append(Finding("ok", topic, text))

    def note(self, topic: str, text: str, fix: str = "") -> None:
        self.findings.append(Finding("note", topic, text, fix))

    def fail(self, topic: str, text: str, fix: str = "") -> None:
        self.findings.append(Finding("FAIL", topic, text, fix))

    @property
    def healthy(self) -> bool:
        return all(finding.level != "FAIL" for finding in self.findings)

    def print(self, out: TextIO) -> None:
        for finding in self.findings:
            print(f"{finding.level:<5} {finding.topic:<14} {finding.text}", file=out)
            if finding.fix:
                print(f"{'':<20} fix: {finding.fix}", file=out)
        failed = sum(finding.level == "FAIL" for finding in self.findings)
        verdict = "all checks hold" if not failed else f"{failed} check(s) failed"
        print(f"\n{verdict}", file=out)
