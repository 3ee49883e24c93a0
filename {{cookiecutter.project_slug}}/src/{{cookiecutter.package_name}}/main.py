"""The ASGI entry point: ``uvicorn {{ cookiecutter.package_name }}.main:app --no-proxy-headers``.

``app`` is the object served; routes added to it here are reviewed like the rest
(``python -m {{ cookiecutter.package_name }}.review check`` reads this very object).
"""

from __future__ import annotations

from .app import create_app
from .settings import SettingsError, load_settings

try:
    settings = load_settings()
    app = create_app(settings)
except SettingsError as exc:
    raise SystemExit(f"{__package__}: {exc}") from None
