"""The generated contract test fails, naming both sides, when the Terraform twin drifts.

Bindings count: a policy the CLI binds and Terraform does not, or binds in another order,
leaves the appliance configured differently by `terraform apply` than by pasting the CLI.
"""

import re
import shutil

import pytest
from helpers import run_generated_tests

CONTRACT = "tests/edge/test_edge_contract.py::test_terraform_describes_the_same_objects_as_the_cli"
SIGN_IN = "edge/citrix-adc/terraform/sign_in.tf"
IDENTITY_HEADERS = "edge/citrix-adc/terraform/identity_headers.tf"

DRIFTS = [
    # (id, file, text, drifted text, the fact the failure must name)
    ("session-policy-left-unbound", SIGN_IN,
     'resource "citrixadc_authenticationvserver_tmsessionpolicy_binding" "session" {\n'
     "  name     = citrixadc_authenticationvserver.auth.name\n"
     "  policy   = citrixadc_tmsessionpolicy.session.name\n"
     "  priority = 100\n}\n", "",
     "authentication vserver orders-api-auth bindings"),
    ("header-rewrites-in-another-order", IDENTITY_HEADERS,
     "priority               = 110", "priority               = 90",
     "lb vserver orders-api-web bindings"),
    ("refusal-that-no-longer-ends-evaluation", IDENTITY_HEADERS,
     'gotopriorityexpression = "END"\n}\n\nresource "citrixadc_lbvserver_rewritepolicy_binding"',
     'gotopriorityexpression = "NEXT"\n}\n\nresource "citrixadc_lbvserver_rewritepolicy_binding"',
     "lb vserver orders-api-web bindings"),
]  # fmt: skip


def test_the_shipped_cli_and_terraform_bind_the_same_policies_in_the_same_order(baked):
    project = baked(edge_appliance="citrix_adc", identity_source="both")

    result = run_generated_tests(project, CONTRACT)

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("file", "text", "drifted", "fact"), [d[1:] for d in DRIFTS], ids=[d[0] for d in DRIFTS]
)
def test_terraform_binding_drift_fails_the_contract_test_naming_the_binding(
    baked, tmp_path, file, text, drifted, fact
):
    project = tmp_path / "orders-api"
    shutil.copytree(baked(edge_appliance="citrix_adc", identity_source="both"), project)
    target = project / file
    original = target.read_text(encoding="utf-8")
    assert original.count(text) == 1, f"{file} no longer holds {text!r} once: update the drift"
    target.write_text(original.replace(text, drifted), encoding="utf-8")

    result = run_generated_tests(project, CONTRACT)

    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(rf"{re.escape(fact)}: CLI .* vs Terraform", result.stdout), result.stdout
