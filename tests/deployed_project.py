"""A generated project run as its container runs it, and asked over HTTP.

The project's own tests/support/deployed_app.py starts it (`python -m <package>`, settings
only from the environment given, uvicorn on 127.0.0.1, a free port, its output in a file);
this module adds what the template's tests read back: status, body, and the audit line of
each request.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from helpers import generated_test_support

WAIT_SECONDS = 20  # what a deadline loop waits at most; never reached when things work
REQUEST_TIMEOUT_SECONDS = 10


@dataclass
class Answer:
    status: int
    body: dict
    headers: httpx.Headers
    audit: dict = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """The audit line's reason for a refusal; empty for an allowed request."""
        return self.audit.get("reason", "")


class RunningApp:
    def __init__(self, deployed_app) -> None:
        self.deployed_app = deployed_app

    def get(
        self, path: str, token: str | None = None, timeout: float = REQUEST_TIMEOUT_SECONDS
    ) -> Answer:
        """GET `path`, with `token` as a bearer token; with a token, its audit line too."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = httpx.get(self.deployed_app.url + path, headers=headers, timeout=timeout)
        body = answer.json() if answer.content else {}
        audit = self.deployed_app.audit_line(answer.headers["x-request-id"]) if token else {}
        return Answer(answer.status_code, body, answer.headers, audit)

    def me(self, token: str, timeout: float = REQUEST_TIMEOUT_SECONDS) -> Answer:
        return self.get("/v1/me", token, timeout)

    def output(self) -> str:
        """Everything it printed so far: uvicorn's and the app's logs, the audit lines."""
        return self.deployed_app.output.read_text(errors="replace")


@contextmanager
def deployed(tree: Path, output: Path, settings: dict[str, str]) -> Iterator[RunningApp]:
    """The project in `tree` running with exactly `settings` as its environment."""
    deployed_app = generated_test_support(tree, "deployed_app").DeployedApp(settings, output)
    deployed_app.start()
    try:
        yield RunningApp(deployed_app)
    finally:
        deployed_app.stop()


def until(condition: Callable[[], object], what: str) -> object:
    """Poll `condition` until it returns something truthy, and return that; fail after
    WAIT_SECONDS, naming `what` was awaited."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise AssertionError(f"not within {WAIT_SECONDS} s: {what}")


def run_doctor(
    tree: Path, settings: dict[str, str], token: str | None = None
) -> subprocess.CompletedProcess:
    """`python -m <package>.doctor` in the project, `settings` its whole environment,
    `token` (if any) on its standard input."""
    package = next(path.parent.name for path in (tree / "src").glob("*/__init__.py"))
    return subprocess.run(
        [sys.executable, "-m", f"{package}.doctor"],
        cwd=tree,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(tree / "src"), **settings},
        input=token or "",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
