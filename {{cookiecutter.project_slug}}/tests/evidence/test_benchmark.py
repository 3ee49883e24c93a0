"""The benchmark runs as documented (tiny sizes here; it measures, tests never time)."""

from __future__ import annotations

import os
import subprocess
import sys

from ..support.project import PROJECT_ROOT


def test_benchmark_prints_a_row_per_path():
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT / "src"), str(PROJECT_ROOT)])
    }
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--in-process-only", "--requests", "20", "--rounds", "1"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    for path in ("open endpoint", "edge headers", "bearer, same token", "bearer, fresh token"):
        assert path in result.stdout
