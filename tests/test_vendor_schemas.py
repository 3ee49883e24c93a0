"""The shipped appliance configuration exists as written, by the vendors' own schemas.

Every generated .conf and .tf of every combination, and of projects with long and odd
names, is checked against the committed extract of the FortiOS, NITRO and Terraform
provider schemas (tests/vendor_schemas/). One planted error per kind proves each check
can fail, and says where.
"""

import shutil

import pytest
from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config
from helpers import TEMPLATE, assert_generated_tests_pass
from schema_check import check_project, cli_lines
from test_generation import COMBINATIONS, WITH_POSTURE, combination_id

# Names that stretch every limit derived from the slug: the 38-character slug, a
# slug past 60 characters, slugs at the edge of the shortening, and digits.
ODD_NAMES = [
    {"project_name": "Enterprise Customer Orders API Service"},
    {"project_slug": "customer-orders-and-returns-api-for-the-north-european-region-1"},
    {"project_slug": "orders-api-for-the-platform29"},
    {"project_slug": "orders-api-for-the-platform-30"},
    {"project_slug": "x9-2024-q3-orders-api-v2"},
]
ODD_PROJECTS = [
    {**names, "edge_appliance": edge, "idp": idp, "identity_source": "both"}
    for names in ODD_NAMES
    for edge, idp in [("fortigate", "okta"), ("citrix_adc", "okta"), ("citrix_adc", "aws_cognito")]
]


def cli_command_count(project) -> int:
    return sum(1 for path in project.glob("edge/*/*.conf") for _ in cli_lines(path))


def resource_count(project) -> int:
    terraform = [path.read_text() for path in project.glob("edge/*/terraform/*.tf")]
    return sum(text.count("\nresource ") + text.startswith("resource ") for text in terraform)


CHECKED = COMBINATIONS + WITH_POSTURE + ODD_PROJECTS


@pytest.mark.parametrize("answers", CHECKED, ids=map(combination_id, CHECKED))
def test_appliance_config_exists_as_written_in_the_vendor_schemas(baked, answers):
    project = baked(**answers)

    report = check_project(project)

    assert report.findings == [], f"{len(report.findings)} findings:\n{report}"
    assert report.commands == cli_command_count(project) + resource_count(project)
    assert report.checks > report.commands


@pytest.mark.parametrize("names", ODD_NAMES[:2], ids=lambda names: next(iter(names.values())))
@pytest.mark.parametrize("edge", ["fortigate", "citrix_adc"])
def test_project_with_a_long_name_passes_its_own_contract_tests(baked, names, edge):
    project = baked(**names, edge_appliance=edge, idp="okta", identity_source="both")

    assert_generated_tests_pass(project, "tests/edge/test_edge_contract.py")


# --- Names on the appliance: at most 29 characters, deterministic, unique ---------------

FORTIOS_NAME_LIMIT = 35  # user saml, user group, authentication scheme/rule, proxy-policy
LONGEST_SUFFIX = "-users"


def edge_name(slug: str) -> str:
    context = generate_context(
        context_file=str(TEMPLATE / "cookiecutter.json"), extra_context={"project_slug": slug}
    )
    return prompt_for_config(context, no_input=True)["__edge_name"]


@pytest.mark.parametrize("slug", ["orders-api", "orders-api-for-the-platform29"])
def test_a_slug_that_fits_names_the_appliance_objects_unchanged(slug):
    assert edge_name(slug) == slug


@pytest.mark.parametrize("names", ODD_NAMES, ids=lambda names: next(iter(names.values())))
def test_a_long_slug_is_shortened_to_fit_every_fortios_name(names):
    slug = names.get("project_slug", "enterprise-customer-orders-api-service")
    name = edge_name(slug)

    assert len(name + LONGEST_SUFFIX) <= FORTIOS_NAME_LIMIT
    assert name.startswith(slug[:22].rstrip("-"))
    assert name == edge_name(slug)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("enterprise-customer-orders-api-service", "enterprise-customer-orders-api-service-v2"),
        ("enterprise-customer-orders-api-service", "enterprise-customer-orders-api-servicf"),
        ("customer-orders-and-returns-api-north", "customer-orders-and-returns-api-south"),
    ],
)
def test_long_slugs_that_share_their_start_get_different_names(first, second):
    assert edge_name(first) != edge_name(second)


# --- Each kind of error, planted once, is found where it was planted -----------------

FORTIGATE = {"edge_appliance": "fortigate", "idp": "okta", "identity_source": "both"}
CITRIX_ADC = {"edge_appliance": "citrix_adc", "idp": "okta", "identity_source": "both"}

PLANTED = [
    # (id, answers, file, text, planted text, finding kind)
    ("fortios-unknown-table", FORTIGATE, "10-web-door.conf",
     "config firewall vip", "config firewall vips", "unknown-table"),
    ("fortios-unknown-nested-table", FORTIGATE, "10-web-door.conf",
     "config realservers", "config real-servers", "unknown-table"),
    ("fortios-unknown-attribute", FORTIGATE, "10-web-door.conf",
     "set extport 443", "set ext-port 443", "unknown-attribute"),
    ("fortios-bad-option-value", FORTIGATE, "10-web-door.conf",
     "set server-type https", "set server-type http2", "bad-option"),
    ("fortios-integer-of-wrong-type", FORTIGATE, "10-web-door.conf",
     "set port 8000", "set port 80O0", "wrong-type"),
    ("fortios-integer-out-of-range", FORTIGATE, "10-web-door.conf",
     "set port 8000", "set port 80000", "out-of-range"),
    ("fortios-attribute-missing-in-7.0", FORTIGATE, "30-sign-in.conf",
     "set web-auth-cookie enable", "set cors-stateful enable", "unavailable"),
    ("fortios-option-missing-in-7.0", FORTIGATE, "30-sign-in.conf",
     "set service samlsp", "set service saas", "unavailable"),
    ("fortios-name-too-long", FORTIGATE, "20-identity-headers.conf",
     '-identity"', '-identity-for-the-signed-in-users-of-the-orders-service"', "too-long"),
    ("fortios-several-values-for-one", FORTIGATE, "50-audit.conf",
     "set upload-option realtime", "set upload-option realtime 5-minute", "wrong-type"),
    ("netscaler-unknown-command", CITRIX_ADC, "30-web-door.conf",
     "add lb vserver", "add lb virtualserver", "unknown-command"),
    ("netscaler-unknown-option", CITRIX_ADC, "30-web-door.conf",
     "-Authentication ON", "-Authentification ON", "unknown-option"),
    ("netscaler-option-of-another-verb", CITRIX_ADC, "30-web-door.conf",
     "-sslProfile", "-certkeyName", "unknown-option"),
    ("netscaler-bad-choice", CITRIX_ADC, "60-audit.conf",
     "-transport TCP", "-transport TLS", "bad-choice"),
    ("netscaler-integer-of-wrong-type", CITRIX_ADC, "60-audit.conf",
     "-serverPort 514", "-serverPort syslog", "wrong-type"),
    ("netscaler-bind-of-nothing-added", CITRIX_ADC, "40-identity-headers.conf",
     "-policyName ", "-policyName x", "unknown-binding"),
    ("terraform-unknown-resource", FORTIGATE, "terraform/audit.tf",
     'resource "fortios_logfortianalyzer_setting"', 'resource "fortios_logfortianalyzer_settings"',
     "unknown-resource"),
    ("terraform-unknown-attribute", CITRIX_ADC, "terraform/web_door.tf",
     "  authentication ", "  authenticate ", "unknown-attribute"),
    ("terraform-unknown-block", FORTIGATE, "terraform/web_door.tf",
     "realservers {", "real_servers {", "unknown-attribute"),
    ("terraform-missing-required", CITRIX_ADC, "terraform/sign_in.tf",
     '  rule   = "true"\n  action = citrixadc_tmsessionaction',
     "  action = citrixadc_tmsessionaction", "missing-required"),
    ("terraform-name-too-long", FORTIGATE, "terraform/sign_in.tf",
     '"${var.name_prefix}-users"', '"${var.name_prefix}-users-of-the-orders-service"',
     "too-long"),
    ("terraform-value-of-wrong-type", CITRIX_ADC, "terraform/audit.tf",
     "serverport          = 514", 'serverport          = "syslog"', "wrong-type"),
    ("terraform-integer-out-of-range", FORTIGATE, "terraform/web_door.tf",
     "port = var.backend_port", "port = 65536", "out-of-range"),
    ("terraform-computed-attribute-set", CITRIX_ADC, "terraform/audit.tf",
     '  transport           = "TCP"', '  id                  = "x"',
     "computed-attribute"),
    ("terraform-undeclared-resource", CITRIX_ADC, "terraform/backend.tf",
     "citrixadc_auditmessageaction.refused.name", "citrixadc_auditmessageaction.refusd.name",
     "undeclared-reference"),
    ("terraform-undeclared-variable", FORTIGATE, "terraform/web_door.tf",
     "port = var.backend_port", "port = var.backend_prot", "undeclared-reference"),
]  # fmt: skip


def first_outside_comments(text: str, wanted: str) -> int:
    """Index of the first `wanted` that is not on a # comment line."""
    at = text.find(wanted)
    while at >= 0 and text[text.rfind("\n", 0, at) + 1 : at].lstrip().startswith("#"):
        at = text.find(wanted, at + 1)
    assert at >= 0, f"{wanted!r} is no longer in the file: update the plant"
    return at


@pytest.mark.parametrize(
    ("answers", "file", "text", "planted", "kind"),
    [case[1:] for case in PLANTED],
    ids=[case[0] for case in PLANTED],
)
def test_a_planted_error_is_found_where_it_was_planted(
    baked, tmp_path, answers, file, text, planted, kind
):
    project = tmp_path / "project"
    shutil.copytree(baked(**answers) / "edge", project / "edge")
    (target,) = project.glob(f"edge/*/{file}")
    original = target.read_text()
    at = first_outside_comments(original, text)
    target.write_text(original[:at] + planted + original[at + len(text) :])
    planted_line = original[:at].count("\n") + 1

    report = check_project(project)

    assert [(f.path.name, f.kind) for f in report.findings] == [(target.name, kind)], str(report)
    found_line = report.findings[0].line
    if kind == "missing-required":  # named at the resource that lacks it
        assert original.splitlines()[found_line - 1].startswith("resource "), str(report)
        assert found_line < planted_line, str(report)
    else:
        assert found_line == planted_line, str(report)
