"""nginx on loopback standing in for the appliance, configured from the shipped edge/ files.

Each door of the EdgeProfile (tests/edge/edge_profile.py) becomes an nginx server on
its own port that forwards to the app from 127.0.0.2 (``proxy_bind``), appends the
client to X-Forwarded-For as appliances do, drops the client's copies of the headers the
appliance strips, closes the connection (nginx's 444, like a NetScaler RESET) when the
client sends a header the appliance refuses, on a door that signs users in inserts the
identity headers the appliance inserts, and where the appliance inserts its own request
id, inserts nginx's ($request_id) and writes it in its access log, as the appliance
writes its transaction id in its syslog line.

Sign-in is simulated: the test names the signed-in user and groups in two lab-only
headers, whose values are exactly what the appliance would insert; nginx copies them
into the identity headers and never forwards the lab headers themselves.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from ..edge.edge_profile import Door, EdgeProfile
from ..support.loopback import (
    free_port,
    start_retrying_taken_ports,
    stop_process,
    wait_until_listening,
)

EDGE_ADDRESS = "127.0.0.2"
LAB_USER_HEADER = "X-Lab-Signed-In-User"
LAB_GROUPS_HEADER = "X-Lab-Signed-In-Groups"
NGINX_MISSING = "nginx not installed: apt-get install nginx (the generated CI installs it)"
EDGE_LOG_FORMAT = "log_format edge 'request_id=$request_id door=$server_port url=$request_uri';"
LOG_WAIT_SECONDS = 10


def find_nginx() -> str | None:
    """nginx on PATH, or where Debian puts it (/usr/sbin is not on a normal user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


def header_variable(header: str) -> str:
    return "$http_" + header.lower().replace("-", "_")


def door_server(door: Door, port: int, app_port: int, log: Path) -> str:
    lines = [f"listen 127.0.0.1:{port};", f"access_log {log} edge;"]
    for header in sorted(door.refuses):
        lines.append("if (" + header_variable(header) + ") { return 444; }")
    lines += [
        "location / {",
        f"    proxy_pass http://127.0.0.1:{app_port};",
        f"    proxy_bind {EDGE_ADDRESS};",
        "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        f'    proxy_set_header {LAB_USER_HEADER} "";',
        f'    proxy_set_header {LAB_GROUPS_HEADER} "";',
    ]
    for header in sorted(door.strips.keys() - door.inserts.keys()):
        lines.append(f'    proxy_set_header {header} "";')
    for header, (kind, _) in sorted(door.inserts.items()):
        source = LAB_USER_HEADER if kind == "user" else LAB_GROUPS_HEADER
        lines.append(f"    proxy_set_header {header} {header_variable(source)};")
    if door.request_id is not None:
        lines.append(f"    proxy_set_header {door.request_id.header} $request_id;")
    lines.append("}")
    return "server {\n" + "".join(f"    {line}\n" for line in lines) + "}\n"


def render_config(prefix: Path, servers: list[str]) -> str:
    temp_paths = "".join(
        f"    {kind}_temp_path {prefix / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        "daemon off;\n"
        "worker_processes 1;\n"
        f"pid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} warn;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        "    access_log off;\n"
        f"    {EDGE_LOG_FORMAT}\n"
        f"{temp_paths}" + "".join(servers) + "}\n"
    )


class NginxEdge:
    def __init__(self, nginx: str, profile: EdgeProfile, app_port: int, prefix: Path) -> None:
        prefix.mkdir(parents=True, exist_ok=True)
        self.nginx = nginx
        self.profile = profile
        self.app_port = app_port
        self.prefix = prefix
        self.config = prefix / "nginx.conf"
        self.log = prefix / "edge.log"
        self.ports: dict[str, int] = {}
        self.process: subprocess.Popen | None = None

    def url(self, door: str) -> str:
        return f"http://127.0.0.1:{self.ports[door]}"

    def start(self) -> None:
        """Start on free ports, on others if a parallel job took one first."""
        start_retrying_taken_ports(self._start_once, self.stop, self.errors)

    def _start_once(self) -> None:
        self.ports = {name: free_port() for name in self.profile.doors}
        servers = [
            door_server(door, self.ports[name], self.app_port, self.log)
            for name, door in self.profile.doors.items()
        ]
        self.config.write_text(render_config(self.prefix, servers), encoding="utf-8")
        command = [self.nginx, "-p", str(self.prefix), "-c", str(self.config), "-e", "stderr"]
        with (self.prefix / "stderr.log").open("wb") as stderr:
            self.process = subprocess.Popen(command, stderr=stderr)  # noqa: S603
        for port in self.ports.values():
            wait_until_listening(port, self.process, f"nginx ({self.prefix / 'error.log'})")

    def log_line(self, request_id: str) -> dict[str, str]:
        """The edge's own log line for the request it gave `request_id`."""
        deadline = time.monotonic() + LOG_WAIT_SECONDS
        while time.monotonic() < deadline:
            text = self.log.read_text(errors="replace") if self.log.exists() else ""
            for line in text.splitlines():
                fields = dict(field.split("=", 1) for field in line.split())
                if fields.get("request_id") == request_id:
                    return fields
            time.sleep(0.02)
        raise LookupError(f"no edge log line for request {request_id} in {self.log}")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def errors(self) -> str:
        logs = [self.prefix / "stderr.log", self.prefix / "error.log"]
        return "".join(path.read_text(errors="replace") for path in logs if path.exists())
