"""A benchmark server process: one kind of bench app under uvicorn on loopback."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from .scenario import bench_app, fake_idp


def main() -> None:
    port, key_file, kind = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    app = bench_app(fake_idp(key_file), kind)
    uvicorn.run(
        app, host="127.0.0.1", port=port, proxy_headers=False, access_log=False, log_level="warning"
    )


if __name__ == "__main__":
    main()
