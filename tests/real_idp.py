"""panva's oidc-provider (OpenID Certified) on loopback, for tests that need a real IdP.

tests/oidc_provider/provider.mjs is the server (scripts/ensure-node-deps installs it).
This module starts it with settings the test writes, stops, kills, pauses (SIGSTOP) and
restarts it, and asks it for tokens over HTTP the way clients do: the endpoints come from
its discovery document, access tokens from the client credentials grant with a resource
indicator (RFC 8707), ID tokens from the authorization code flow with PKCE. Every token
is signed by the provider's own code with the private keys generated here per run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import threading
from pathlib import Path
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

PROVIDER_FOLDER = Path(__file__).resolve().parent / "oidc_provider"
START_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 10
HTTP_TIMEOUT_SECONDS = 10
REDIRECTS_IN_A_SIGN_IN = 10
# Below the ephemeral ranges, as in the generated tests/support/loopback.py: while the
# provider restarts, no outgoing connection of a parallel test can take its port.
LISTEN_PORTS = range(20_000, 32_000)
START_ATTEMPTS = 3


def rsa_jwk(kid: str, *, alg: str | None = None) -> dict:
    """A new private RSA key as a JWK; without `alg` unless one is given."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _as_jwk(RSAAlgorithm.to_jwk(key), kid, alg)


def ec_jwk(kid: str) -> dict:
    """A new private P-256 key as a JWK."""
    return _as_jwk(ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1())), kid, None)


def _as_jwk(text: str, kid: str, alg: str | None) -> dict:
    # PyJWT marks private JWKs key_ops ["sign"]; oidc-provider would then not pick them
    # for its own verify-then-sign key selection, and IdPs publish no key_ops anyway.
    jwk = {name: value for name, value in json.loads(text).items() if name != "key_ops"}
    return {**jwk, "kid": kid, **({"alg": alg} if alg else {})}


class OidcProvider:
    """One provider process; `settings` is provider.mjs's settings object without the port."""

    def __init__(self, settings: dict) -> None:
        self.settings = settings
        self.port = 0  # chosen at the first start unless given, kept after
        self.issuer = ""
        self.output: list[str] = []
        self.process: subprocess.Popen | None = None
        self._listening = threading.Event()
        self._reader: threading.Thread | None = None

    def start(self, *, port: int | None = None) -> None:
        """Start and return once it listens; raise with its output if it does not. The
        first start picks a port, and picks again if a parallel job took it first."""
        if port is not None:
            self.port = port
        if self.port:
            self._start()
            return
        for attempt in range(1, START_ATTEMPTS + 1):
            self.port = random.choice(LISTEN_PORTS)  # noqa: S311 (a port, not a secret)
            try:
                self._start()
                return
            except RuntimeError as exc:
                if attempt == START_ATTEMPTS or "EADDRINUSE" not in str(exc):
                    raise

    def _start(self) -> None:
        node = shutil.which("node")
        assert node, "node is not installed: scripts/test installs it (scripts/ensure-node-deps)"
        assert (PROVIDER_FOLDER / "node_modules" / "oidc-provider").is_dir(), (
            f"oidc-provider is not installed in {PROVIDER_FOLDER}: run scripts/ensure-node-deps"
        )
        self.output, self._listening = [], threading.Event()
        self.process = subprocess.Popen(
            [node, "provider.mjs"],
            cwd=PROVIDER_FOLDER,
            env={"PATH": os.environ.get("PATH", ""), "NODE_ENV": "test"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read_output, args=(self.process,), daemon=True)
        self._reader.start()
        try:
            self.process.stdin.write(json.dumps({**self.settings, "port": self.port}))
            self.process.stdin.close()
        except BrokenPipeError:
            pass  # it exited before reading its settings; its output says why
        if not self._listening.wait(START_TIMEOUT_SECONDS) or self.process.poll() is not None:
            self.stop()
            raise RuntimeError(
                "the OIDC provider did not start within "
                f"{START_TIMEOUT_SECONDS} s:\n" + "".join(self.output)
            )

    def __enter__(self) -> OidcProvider:
        self.start()
        return self

    def __exit__(self, *exception: object) -> None:
        self.stop()

    def _read_output(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.output.append(line)
            if line.startswith('{"listening"'):
                ready = json.loads(line)
                self.port, self.issuer = ready["listening"], ready["issuer"]
                self._listening.set()
        self._listening.set()  # ended: start() sees the exit

    def stop(self) -> None:
        """Terminate it (after waking it if paused); kill it if it does not exit in time."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGCONT)
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._reap()

    def kill(self) -> None:
        """End it at once, as a crash would: open connections are reset, the port closed."""
        assert self.process is not None
        self.process.kill()
        self._reap()

    def _reap(self) -> None:
        """Wait for the ended process and for its output to be read to the end."""
        self.process.wait()
        self._reader.join(STOP_TIMEOUT_SECONDS)
        self.process.stdout.close()
        self.process = None

    def pause(self) -> None:
        """SIGSTOP: connections are still accepted by the kernel, but nothing is answered."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def restart(self, **changed_settings: object) -> None:
        """Stop, change settings (say, a new key set), start again on the same port."""
        self.stop()
        self.settings = {**self.settings, **changed_settings}
        self.start()

    def client(self, client_id: str) -> dict:
        return next(c for c in self.settings["clients"] if c["client_id"] == client_id)

    def client_auth(self, client_id: str) -> tuple[str, str]:
        """HTTP Basic credentials, each part form-encoded first (RFC 6749, 2.3.1): client
        ids such as api://default hold colons."""
        secret = self.client(client_id)["client_secret"]
        return quote(client_id, safe=""), quote(secret, safe="")

    def discovery(self) -> dict:
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        answer = httpx.get(url, timeout=HTTP_TIMEOUT_SECONDS)
        answer.raise_for_status()
        return answer.json()

    def access_token(self, client_id: str, resource: str, scope: str | None = None) -> str:
        """A JWT access token for `resource` from the client credentials grant."""
        answer = httpx.post(
            self.discovery()["token_endpoint"],
            data={
                "grant_type": "client_credentials",
                "resource": resource,
                **({"scope": scope} if scope else {}),
            },
            auth=self.client_auth(client_id),
            timeout=HTTP_TIMEOUT_SECONDS,
        )
        assert answer.status_code == 200, f"token endpoint: {answer.status_code} {answer.text}"
        return answer.json()["access_token"]

    def id_token(self, client_id: str, user: str) -> str:
        """An ID token for `user` from the authorization code flow with PKCE."""
        metadata = self.discovery()
        redirect_uri = self.client(client_id)["redirect_uris"][0]
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        state = secrets.token_urlsafe(16)
        with httpx.Client(timeout=HTTP_TIMEOUT_SECONDS) as browser:
            location = str(
                browser.build_request(
                    "GET",
                    metadata["authorization_endpoint"],
                    params={
                        "client_id": client_id,
                        "response_type": "code",
                        "scope": "openid",
                        "redirect_uri": redirect_uri,
                        "state": state,
                        "nonce": secrets.token_urlsafe(16),
                        "login_hint": user,
                        "code_challenge": challenge.rstrip(b"=").decode(),
                        "code_challenge_method": "S256",
                    },
                ).url
            )
            for _ in range(REDIRECTS_IN_A_SIGN_IN):
                if location.startswith(redirect_uri):
                    break
                answer = browser.get(location)
                assert answer.is_redirect, f"{location}: {answer.status_code} {answer.text}"
                location = urljoin(location, answer.headers["location"])
            else:
                raise AssertionError(f"the sign-in did not come back to {redirect_uri}")
        query = parse_qs(urlsplit(location).query)
        assert query.get("state") == [state], f"the callback is not ours: {location}"
        answer = httpx.post(
            metadata["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
            auth=self.client_auth(client_id),
            timeout=HTTP_TIMEOUT_SECONDS,
        )
        assert answer.status_code == 200, f"token endpoint: {answer.status_code} {answer.text}"
        return answer.json()["id_token"]
