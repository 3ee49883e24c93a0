"""Every answer the app gives is one its OpenAPI document describes.

schemathesis reads the app's own /openapi.json and runs every phase and every check it
runs by default, as its command line would: requests valid and not, each answer checked
for a server error, status code, content type, headers and body as documented, invalid
requests refused, valid ones accepted, undocumented methods refused with a true Allow.
The app runs in this process, reached through ASGI: no server, no network. One run per
caller this project accepts: nobody, a signed-in user as the edge forwards them, a
bearer-token caller, and that caller while the IdP is down. Runs are repeatable (fixed
seed, derandomized), bounded (EXAMPLES per operation), and write nothing to disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import StopReason, events, from_schema
from starlette.types import ASGIApp, Receive, Scope, Send

from {{ cookiecutter.package_name }}.settings import Settings

from ..support.edge_simulator import EDGE_ADDRESS, OUTSIDER_ADDRESS

EXAMPLES = 25
AS_GENERATED = Settings.model_construct()
BEARER_CALLERS = ["bearer_token", "bearer_token_while_the_idp_is_down"]
CALLERS = [
    "no_credentials",
    *(["edge_identity"] if AS_GENERATED.accepts_edge_headers else []),
    *(BEARER_CALLERS if AS_GENERATED.accepts_bearer_tokens else []),
]
# Checks that apply to every answer; a run in which one of them never ran fails.
EVERY_ANSWER_CHECKS = {
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "unsupported_method",
    "allow_header_conformance",
}


class FromAddress:
    """The app as reached over TCP from ``address``; schemathesis' ASGI client names none."""

    def __init__(self, app: ASGIApp, address: str) -> None:
        self.app = app
        self.address = address

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": (self.address, 41000)}
        await self.app(scope, receive, send)


@dataclass
class FuzzRun:
    """What a schemathesis run found, which checks it ran and which operations it called."""

    failures: list[str] = field(default_factory=list)
    checks: set[str] = field(default_factory=set)
    operations: set[str] = field(default_factory=set)

    def read(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.ScenarioFinished):
            self.operations.add(event.label)
            for check in (check for checks in event.recorder.checks.values() for check in checks):
                self.checks.add(check.name)
                if (found := check.failure_info) is not None:
                    self.failures.append(
                        f"{event.label}: {check.name}: {found.failure}\n{found.code_sample}"
                    )
        elif isinstance(event, events.NonFatalError):
            self.failures.append(f"{event.label}: error: {event.value}")
        elif isinstance(event, events.FatalError):
            self.failures.append(f"fatal error: {event.exception}")
        elif isinstance(event, events.EngineFinished) and event.stop_reason != StopReason.COMPLETED:
            self.failures.append(f"stopped early: {event.stop_reason}")


def fuzz(app: ASGIApp, headers: dict[str, str], *, idp_down: bool = False) -> FuzzRun:
    # While the IdP is down, 503 is the documented answer; any other 5xx still fails.
    server_errors = {"expected-statuses": ["2xx", "3xx", "4xx", "503"]} if idp_down else {}
    config = SchemathesisConfig.from_dict(
        {
            "seed": 14,
            "headers": headers,
            "checks": {"not_a_server_error": server_errors},
            "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
            "cache": {"enabled": False},
            # In-process answers are quick; a busy machine must not turn slowness into a finding.
            "request-timeout": 120,
            "suppress-health-check": ["too_slow"],
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    run = FuzzRun()
    for event in from_schema(schema).execute():
        run.read(event)
    return run


@pytest.mark.parametrize("caller", CALLERS)
def test_every_answer_is_one_the_openapi_document_describes(service, idp, caller):
    address, headers = OUTSIDER_ADDRESS, {}
    if caller == "edge_identity":
        address, headers = EDGE_ADDRESS, service.edge.identity_headers("fuzz.user", ["admins"])
    elif caller in BEARER_CALLERS:
        headers = {"Authorization": f"Bearer {idp.token(groups=['admins'])}"}
    idp.up = caller != "bearer_token_while_the_idp_is_down"
    documented = {
        f"{method.upper()} {path}"
        for path, operations in service.app.openapi()["paths"].items()
        for method in operations
    }

    run = fuzz(FromAddress(service.app, address), headers, idp_down=not idp.up)

    assert run.failures == [], "\n\n".join(run.failures)
    assert run.checks >= EVERY_ANSWER_CHECKS
    assert run.operations >= documented
