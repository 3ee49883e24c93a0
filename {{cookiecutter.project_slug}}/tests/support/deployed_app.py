"""The app started the way its container starts it: ``python -m {{ cookiecutter.package_name }}``.

A separate process whose settings come only from the environment given here (nothing
from the developer's shell), serving on 127.0.0.1 with uvicorn's proxy headers off as
__main__.py runs it. Its stdout, the audit log, is kept in a file the test can read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from .loopback import free_port, start_retrying_taken_ports, stop_process, wait_until_listening
from .project import PROJECT_ROOT

AUDIT_WAIT_SECONDS = 10


class DeployedApp:
    def __init__(self, settings: dict[str, str], output: Path) -> None:
        self.port = 0
        self.environment = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(PROJECT_ROOT / "src"),
            "PYTHONUNBUFFERED": "1",
            **settings,
            "HOST": "127.0.0.1",
        }
        self.output = output
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start on a free port, on another if a parallel job took it first."""
        start_retrying_taken_ports(
            self._start_once, self.stop, lambda: self.output.read_text(errors="replace")
        )

    def _start_once(self) -> None:
        self.port = free_port()
        with self.output.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "{{ cookiecutter.package_name }}"],
                cwd=PROJECT_ROOT,
                env=self.environment | {"PORT": str(self.port)},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        wait_until_listening(self.port, self.process, "the app")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def audit_line(self, request_id: str) -> dict:
        """The audit line of one request; it is written just after the answer is sent."""
        deadline = time.monotonic() + AUDIT_WAIT_SECONDS
        while time.monotonic() < deadline:
            for line in self.output.read_text(errors="replace").splitlines():
                if line.startswith("{") and f'"request_id":"{request_id}"' in line:
                    return json.loads(line)
            time.sleep(0.02)
        raise LookupError(f"no audit line for request {request_id} in {self.output}")
