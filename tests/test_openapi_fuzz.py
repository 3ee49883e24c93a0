"""The generated OpenAPI fuzz test runs for real for every identity source, and can fail.

Each project fuzzes its app as every caller it accepts (tests/evidence/test_openapi_fuzz.py
in the generated tree); here each identity source's run must pass with exactly those
callers and no skip, and a route that answers what its document does not say must fail it.
"""

import shutil
import xml.etree.ElementTree as ElementTree

import pytest
from helpers import run_generated_tests

FUZZ_TEST = "tests/evidence/test_openapi_fuzz.py"
EDGE = {"edge_identity"}
BEARER = {"bearer_token", "bearer_token_while_the_idp_is_down"}
CALLERS = {
    "both": {"no_credentials", *EDGE, *BEARER},
    "edge_headers": {"no_credentials", *EDGE},
    "bearer_token": {"no_credentials", *BEARER},
}


def passed_callers(report) -> set[str]:
    cases = ElementTree.parse(report).getroot().iter("testcase")  # noqa: S314 (our own file)
    return {
        case.get("name").partition("[")[2].rstrip("]")
        for case in cases
        if not any(case.iter("skipped")) and not any(case.iter("failure"))
    }


@pytest.mark.parametrize("identity_source", sorted(CALLERS))
def test_generated_fuzz_test_passes_as_every_caller_the_identity_source_accepts(
    baked, tmp_path, identity_source
):
    report = tmp_path / "junit.xml"

    result = run_generated_tests(
        baked(identity_source=identity_source), FUZZ_TEST, f"--junitxml={report}"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert passed_callers(report) == CALLERS[identity_source]


def test_generated_fuzz_test_fails_when_a_route_answers_what_its_document_does_not_say(
    baked, tmp_path
):
    project = tmp_path / "orders-api"
    shutil.copytree(baked(), project)
    route = project / "src" / "orders_api" / "api" / "routes" / "orders.py"
    text = route.read_text(encoding="utf-8")
    assert "raise HTTPException(status_code=404" in text
    route.write_text(text.replace("status_code=404", "status_code=410"), encoding="utf-8")

    result = run_generated_tests(project, FUZZ_TEST, "-k", "bearer_token and not idp")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "status_code_conformance: Undocumented status code" in result.stdout
    assert "Received: 410" in result.stdout
