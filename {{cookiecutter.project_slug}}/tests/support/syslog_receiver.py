"""A syslog collector on loopback that a test can stop, hang and bring back.

It reads RFC 6587 octet-counted frames ("LEN SP MSG") over TCP, or over TLS with a
certificate the test made (``make_certificates``). ``hang`` keeps the port but accepts
nothing: the listen backlog is filled by a plug connection, so a sender's connect
stalls as it does against a collector that stopped answering.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import socket
import ssl
import threading
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

WAIT_SECONDS = 10


class SyslogReceiver:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.port = 0
        self.messages: list[str] = []
        self.failed_handshakes = 0
        self.accepted = 0
        self._changed = threading.Condition()
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._plug: socket.socket | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self._listener = self._listen(backlog=16)
        self._spawn(self._accept, self._listener)

    def stop(self) -> None:
        """Close the port and every connection, as a collector that went down."""
        for sock in [self._listener, self._plug, *self._connections]:
            if sock is not None:
                _close(sock)
        self._listener, self._plug, self._connections = None, None, []
        for thread in self._threads:
            thread.join(WAIT_SECONDS)
        self._threads = []

    def hang(self) -> None:
        """Keep the port, answer nothing: existing connections are dropped, new ones stall."""
        self.stop()
        self._listener = self._listen(backlog=0)
        self._plug = socket.create_connection(("127.0.0.1", self.port))

    def resume(self) -> None:
        self.stop()
        self.start()

    def wait_for(self, count: int) -> list[str]:
        """The first `count` messages, once they have arrived."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.messages) >= count, WAIT_SECONDS):
                raise TimeoutError(f"{len(self.messages)} of {count} syslog messages arrived")
            return self.messages[:count]

    def wait_for_failed_handshake(self) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self.failed_handshakes > 0, WAIT_SECONDS):
                raise TimeoutError("no TLS handshake was attempted")

    def _listen(self, backlog: int) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(backlog)
        self.port = listener.getsockname()[1]
        return listener

    def _spawn(self, target, *arguments) -> None:
        thread = threading.Thread(target=target, args=arguments, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            if self.tls is not None:
                try:
                    connection = self.tls.wrap_socket(connection, server_side=True)
                except (ssl.SSLError, OSError):
                    _close(connection)
                    with self._changed:
                        self.failed_handshakes += 1
                        self._changed.notify_all()
                    continue
            self._connections.append(connection)
            self.accepted += 1
            self._spawn(self._read, connection)

    def _read(self, connection: socket.socket) -> None:
        buffer = b""
        while True:
            try:
                chunk = connection.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b" " in buffer:
                length, _, rest = buffer.partition(b" ")
                if len(rest) < int(length):
                    break
                message, buffer = rest[: int(length)], rest[int(length) :]
                with self._changed:
                    self.messages.append(message.decode())
                    self._changed.notify_all()


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def make_certificates(folder: Path) -> tuple[Path, ssl.SSLContext, ssl.SSLContext]:
    """A CA file, a server context with a certificate that CA signed for 127.0.0.1, and
    one with a certificate it did not sign."""
    ca_key, ca_name = ec.generate_private_key(ec.SECP256R1()), _name("test syslog CA")
    now = datetime.datetime.now(datetime.UTC)
    ca = (
        _builder(ca_name, ca_name, ca_key, now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = folder / "syslog-ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    signed = _server_context(folder / "signed", ca_name, ca_key, now)
    stranger_key = ec.generate_private_key(ec.SECP256R1())
    unsigned = _server_context(folder / "unsigned", _name("stranger"), stranger_key, now)
    return ca_file, signed, unsigned


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject, issuer, key, now) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
    )


def _server_context(stem: Path, issuer: x509.Name, issuer_key, now) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        _builder(_name("127.0.0.1"), issuer, key, now)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(issuer_key, hashes.SHA256())
    )
    cert_file, key_file = stem.with_suffix(".crt"), stem.with_suffix(".key")
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


def wait_until(condition, what: str) -> None:
    """Poll `condition` until it holds (raise after WAIT_SECONDS): for state another thread sets."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"still waiting for {what}")
        time.sleep(0.01)
