"""The ASGI entry point: ``uvicorn {{ cookiecutter.package_name }}.main:app --no-proxy-headers``."""

from __future__ import annotations

from .app import create_app
from .settings import SettingsError, load_settings

try:
    app = create_app(load_settings())
except SettingsError as exc:
    raise SystemExit(f"{__package__}: {exc}") from None
