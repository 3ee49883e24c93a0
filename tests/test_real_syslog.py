"""The audit lines' syslog copy as rsyslog reads it.

The generated suite checks the shipper against a receiver the project wrote; here the
receiver is rsyslog (the Debian package; scripts/test installs it), whose own parsers read
the octet-counted framing (RFC 6587) and the RFC 5424 header. A misreading of the RFCs
that the project's receiver shares with its sender shows up here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from deployed_project import deployed, until
from helpers import generated_test_support

RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
FIELDS = ["pri", "app-name", "procid", "msgid", "structured-data", "timereported", "msg"]
SEPARATOR = "\x1f"


def rsyslog_config(folder: Path, port: int, received: Path) -> str:
    template = SEPARATOR.join(
        "%timereported:::date-rfc3339%" if field == "timereported" else f"%{field}%"
        for field in FIELDS
    )
    return "\n".join([
        f'global(workDirectory="{folder}")',
        'module(load="imtcp")',
        f'input(type="imtcp" address="127.0.0.1" port="{port}")',
        f'template(name="fields" type="string" string="{template}\\n")',
        f'action(type="omfile" file="{received}" template="fields")',
    ]) + "\n"  # fmt: skip


@pytest.fixture
def rsyslog(baked, tmp_path) -> Iterator[tuple[int, Path]]:
    """rsyslogd in the foreground on a free loopback port; what it received, one message
    a line, its fields in FIELDS order."""
    assert Path(RSYSLOGD).exists(), (
        "rsyslog is not installed: scripts/test installs it (scripts/ensure-debian-packages)"
    )
    loopback = generated_test_support(baked(), "loopback")
    port, received, config = loopback.free_port(), tmp_path / "received", tmp_path / "rsyslog.conf"
    config.write_text(rsyslog_config(tmp_path, port, received))
    process = subprocess.Popen(
        [RSYSLOGD, "-n", "-f", str(config), "-i", str(tmp_path / "rsyslogd.pid")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        loopback.wait_until_listening(port, process, "rsyslogd")
        yield port, received
    finally:
        process.terminate()
        process.wait(loopback.STOP_TIMEOUT_SECONDS)


def received_messages(received: Path) -> list[dict[str, str]]:
    if not received.exists():
        return []
    lines = received.read_text(encoding="utf-8").splitlines()
    return [dict(zip(FIELDS, line.split(SEPARATOR), strict=True)) for line in lines]


def at_least(count: int, messages: list[dict[str, str]]) -> list[dict[str, str]] | None:
    return messages if len(messages) >= count else None


def test_rsyslog_reads_each_audit_line_as_an_rfc5424_message(baked, rsyslog, tmp_path):
    port, received = rsyslog
    settings = {
        "ENVIRONMENT": "dev",
        "IDENTITY_SOURCE": "edge_headers",
        "TRUSTED_EDGE_NETWORKS": "127.0.0.1/32",
        "ROLE_MAP_FILE": "config/roles.toml",
        "AUDIT_SYSLOG_ADDRESS": f"127.0.0.1:{port}",
    }
    with deployed(baked(), tmp_path / "output.log", settings) as app:
        answers = [app.get("/healthz"), app.get("/v1/me"), app.get("/healthz")]
        messages = until(lambda: at_least(3, received_messages(received)), "3 syslog messages")
        printed = app.output()

    audited = [json.loads(message["msg"]) for message in messages]
    assert [line["request_id"] for line in audited] == [
        answer.headers["x-request-id"] for answer in answers
    ]
    assert [line["status"] for line in audited] == [200, 401, 200]
    assert all(json.dumps(line, separators=(",", ":")) in printed for line in audited)
    for message in messages:
        assert message["pri"] == "110"  # facility log audit (13), informational (6)
        assert message["app-name"] == "orders-api"
        assert message["procid"].isdigit()
        assert message["msgid"] == "audit"
        assert message["structured-data"] == "-"
        assert message["timereported"].endswith(("Z", "+00:00"))
