"""Run the service: ``python -m {{ cookiecutter.package_name }}`` (HOST and PORT from the settings).

uvicorn's proxy-header handling is switched off here: it would replace the TCP peer
with a value from X-Forwarded-For, and the peer is what identity headers are trusted on.
"""

from __future__ import annotations

import uvicorn

from .main import app, settings


def main() -> None:
    uvicorn.run(app, host=settings.host, port=settings.port, proxy_headers=False)


if __name__ == "__main__":
    main()
