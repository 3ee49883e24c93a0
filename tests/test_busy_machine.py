"""The generated suite's timing-sensitive tests pass on a busy machine, as on a CI runner.

CI runs on two shared cores. Here two processes spin on the CPU while two copies of those
test files run at once, so every test shares the cores with three others; a test that
reads the time, sleeps or races a timeout shows it as a failure.
"""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from helpers import run_generated_tests

TIMING_SENSITIVE = (
    "tests/evidence/test_key_server.py",
    "tests/evidence/test_token_cache.py",
    "tests/evidence/test_signing_keys.py",
    "tests/evidence/test_load.py",
    # Not timed by design, but a fuzzer has request timeouts and Hypothesis health checks.
    "tests/evidence/test_openapi_fuzz.py",
    "tests/app/identity/test_bearer_tokens.py",
)
CPU_HOGS = 2
COPIES = 2


def test_timing_sensitive_generated_tests_pass_while_the_machine_is_busy(baked):
    tree = baked()
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(CPU_HOGS)]
    try:
        with ThreadPoolExecutor(COPIES) as pool:
            runs = list(
                pool.map(lambda _: run_generated_tests(tree, *TIMING_SENSITIVE), range(COPIES))
            )
        busy_throughout = [hog.poll() is None for hog in hogs]
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()

    assert busy_throughout == [True] * CPU_HOGS
    failed = [f"exit {run.returncode}:\n{run.stdout}{run.stderr}" for run in runs if run.returncode]
    assert failed == [], "\n\n".join(failed)
