"""The generated real-proxy tests run for real here, with nginx in front of the app.

A generated project skips them where nginx is missing; the template does not: nginx must
be installed (scripts/test installs it), and the only skips allowed are the cases for
the door an identity source does not ship.
"""

import shutil
import xml.etree.ElementTree as ElementTree

import pytest
from helpers import run_generated_tests
from test_generation import EACH_CHOICE_AT_LEAST_ONCE, combination_id

# One project per edge_appliance x identity_source pair: the nginx config differs by both.
PAIRS = list(
    {(a["edge_appliance"], a["identity_source"]): a for a in EACH_CHOICE_AT_LEAST_ONCE}.values()
)
ABSENT_DOOR = {"both": None, "edge_headers": "api", "bearer_token": "web"}
MINIMUM_RUN = 5  # the fewest real-proxy cases any identity source runs (bearer_token)


def nginx_installed() -> bool:
    return bool(shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin"))


def test_the_pairs_cover_every_edge_appliance_and_identity_source():
    assert len(PAIRS) == 6


@pytest.mark.parametrize("answers", PAIRS, ids=map(combination_id, PAIRS))
def test_generated_real_proxy_tests_pass_without_skipping(baked, answers, tmp_path):
    assert nginx_installed(), "nginx is not installed: run scripts/test, which installs it"
    report = tmp_path / "junit.xml"

    result = run_generated_tests(baked(**answers), "-m", "real_proxy", f"--junitxml={report}")

    assert result.returncode == 0, result.stdout + result.stderr
    cases = list(ElementTree.parse(report).getroot().iter("testcase"))  # noqa: S314 (ours)
    skips = [skip.get("message", "") for case in cases for skip in case.iter("skipped")]
    absent = ABSENT_DOOR[answers["identity_source"]]
    allowed = f"ships no {absent} door" if absent else None
    assert [reason for reason in skips if not allowed or allowed not in reason] == []
    assert len(cases) - len(skips) >= MINIMUM_RUN
