"""Run the doctor: ``python -m {{ cookiecutter.package_name }}.doctor [< token]``.

Settings come from the environment, as for the service. Exit status 0 when every
check holds, 1 otherwise.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import TextIO

import httpx

from ..services import idp_http_client, token_verifier
from ..settings import Settings, SettingsError, load_settings
from .live_idp import check_discovery, check_keys, check_role_map, check_transport
from .report import Report
from .token import explain_token


async def diagnose(
    settings: Settings,
    token: str | None,
    report: Report,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.time,
) -> None:
    report.ok("settings", f"IDP={settings.idp}, IDENTITY_SOURCE={settings.identity_source}")
    role_map = check_role_map(settings, report)
    if not settings.accepts_bearer_tokens:
        report.note("tokens", "IDENTITY_SOURCE takes no bearer tokens: nothing to check at the IdP")
        return
    async with idp_http_client(settings, transport) as http:
        try:
            verifier = token_verifier(settings, http)
        except SettingsError as exc:
            report.fail("settings", str(exc))
            return
        check_transport(settings, report)
        await check_discovery(settings, verifier.keys, report)
        await check_keys(settings, verifier.keys, report)
        if token:
            await explain_token(token, settings.idp, verifier, role_map, report, clock())


def read_token(stdin: TextIO | None) -> str | None:
    """A token piped in (``Bearer `` prefix allowed); None when stdin is a terminal or empty."""
    if stdin is None or stdin.isatty():
        return None
    text = stdin.read().strip()
    return text.removeprefix("Bearer ").strip() or None


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"FAIL  settings       {exc}")
        return 1
    report = Report()
    asyncio.run(diagnose(settings, read_token(sys.stdin), report))
    report.print(sys.stdout)
    return 0 if report.healthy else 1


if __name__ == "__main__":
    sys.exit(main())
