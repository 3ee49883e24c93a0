"""Where audit lines go: stdout always, and a syslog receiver when AUDIT_SYSLOG_ADDRESS is set.

The syslog copy is an RFC 5424 message in octet-counting framing (RFC 6587 over TCP,
RFC 5425 over TLS when AUDIT_SYSLOG_CA_FILE is set), which FortiAnalyzer and SIEM
collectors accept. A request never waits for the receiver: ``emit`` only puts the line
on a bounded queue, and one thread sends, reconnecting when the receiver stops, hangs
(no progress within AUDIT_SYSLOG_TIMEOUT_SECONDS) or refuses. When the queue is full a
line is dropped from syslog only (stdout still has it), counted in ``dropped``, and a
warning says so once per outage.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import select
import socket
import ssl
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from . import PROJECT_SLUG

FACILITY_LOG_AUDIT = 13  # RFC 5424, table 1
SEVERITY_INFORMATIONAL = 6
RETRY_SECONDS = 1.0
_STOP = b""


def audit_logger() -> logging.Logger:
    """JSON lines on stdout, unless logging configuration already gave the logger handlers.

    The level is set whenever none was configured: audit lines are INFO, and a logger left
    at the inherited WARNING would drop every one of them without a word.
    """
    logger = logging.getLogger(f"{__package__}.audit")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    return logger


def syslog_message(line: str, created: float, hostname: str) -> bytes:
    """One audit line as an RFC 5424 message, framed by its length (octet counting)."""
    pri = FACILITY_LOG_AUDIT * 8 + SEVERITY_INFORMATIONAL
    timestamp = datetime.fromtimestamp(created, UTC).isoformat(timespec="microseconds")
    header = f"<{pri}>1 {timestamp.replace('+00:00', 'Z')} {hostname} {PROJECT_SLUG[:48]}"
    message = f"{header} {os.getpid()} audit - {line}".encode()
    return f"{len(message)} ".encode() + message


def tls_context(ca_file: Path) -> ssl.SSLContext:
    """TLS to a receiver that ``ca_file`` (PEM) vouches for; ValueError naming the file."""
    try:
        return ssl.create_default_context(cafile=ca_file)
    except (ssl.SSLError, OSError) as exc:
        raise ValueError(f"{ca_file}: not a readable PEM file of CA certificates ({exc})") from None


def _printable_hostname() -> str:
    name = "".join(c for c in socket.gethostname() if 33 <= ord(c) <= 126)
    return name[:255] or "-"


def _peer_has_closed(connection: socket.socket) -> bool:
    """Whether the receiver has closed or reset the connection.

    Checked before each write: the first write after the receiver went away would
    otherwise be accepted by the kernel and lost. A syslog receiver sends no data, so a
    readable connection has ended, unless what arrived is TLS housekeeping (TLS 1.3
    session tickets follow the handshake), which reading consumes without yielding data.
    """
    readable, _, _ = select.select([connection], [], [], 0)
    if not readable:
        return False
    timeout = connection.gettimeout()
    connection.setblocking(False)
    try:
        return connection.recv(1) == b""
    except (ssl.SSLWantReadError, BlockingIOError):
        return False
    except OSError:
        return True
    finally:
        connection.settimeout(timeout)


class SyslogShipper(logging.Handler):
    """Sends each audit line to one syslog receiver without ever blocking the caller."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: ssl.SSLContext | None,
        queue_size: int,
        timeout: float,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        super().__init__(logging.INFO)
        self.host, self.port, self.timeout = host, port, timeout
        self.tls = tls
        self.retry_seconds = retry_seconds
        self.hostname = _printable_hostname()
        self.dropped = 0
        self.warnings = logging.getLogger(f"{__package__}.audit_shipping")
        self._lines: queue.Queue[bytes] = queue.Queue(maxsize=queue_size)
        self._outage = False
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._connection: socket.socket | None = None
        self._sender = threading.Thread(target=self._send_lines, name="audit-syslog", daemon=True)

    @property
    def destination(self) -> str:
        return f"{'tls' if self.tls else 'tcp'}://{self.host}:{self.port}"

    def start(self) -> None:
        self._sender.start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._lines.put_nowait(
                syslog_message(record.getMessage(), record.created, self.hostname)
            )
        except queue.Full:
            self._count_dropped(1, "queue full")

    def close(self) -> None:
        """Send what is queued if the receiver takes it within the timeout; count the rest."""
        if self._closing.is_set():
            return
        self._closing.set()
        with contextlib.suppress(queue.Full):
            self._lines.put(_STOP, timeout=self.timeout)
        if self._sender.is_alive():
            self._sender.join(2 * self.timeout)
        left = self._discard_queued()
        if left:
            self._count_dropped(left, "undelivered at shut-down")
        super().close()

    def _count_dropped(self, count: int, why: str) -> None:
        with self._lock:
            self.dropped += count
            first_of_outage, self._outage = not self._outage, True
        if first_of_outage:
            self.warnings.warning(
                "audit lines are being dropped from syslog %s (%s); stdout still has them; "
                "%d dropped since start-up",
                self.destination,
                why,
                self.dropped,
            )

    def _send_lines(self) -> None:
        pending: bytes | None = None
        while True:
            if pending is None:
                pending = self._lines.get()
                if pending == _STOP:
                    self._disconnect()
                    return
            try:
                self._send(pending)
            except OSError as exc:
                self._disconnect()
                self.warnings.debug("syslog %s: %s", self.destination, exc)
                if self._closing.is_set():
                    self._count_dropped(1 + self._discard_queued(), "unreachable at shut-down")
                    return
                self._closing.wait(self.retry_seconds)
                continue
            pending = None
            self._end_outage()

    def _discard_queued(self) -> int:
        discarded = 0
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                return discarded
            discarded += line != _STOP

    def _send(self, message: bytes) -> None:
        if self._connection is not None and _peer_has_closed(self._connection):
            self._disconnect()
        if self._connection is None:
            connection = socket.create_connection((self.host, self.port), timeout=self.timeout)
            if self.tls is not None:
                connection = self.tls.wrap_socket(connection, server_hostname=self.host)
            self._connection = connection
        self._connection.sendall(message)

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _end_outage(self) -> None:
        with self._lock:
            ended, self._outage = self._outage, False
        if ended:
            self.warnings.warning(
                "audit lines reach syslog %s again; %d dropped since start-up",
                self.destination,
                self.dropped,
            )
