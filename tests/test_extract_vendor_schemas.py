"""scripts/extract-vendor-schemas reads each kind of source the way the vendors write it.

The real sources cannot be fetched in CI, so small pieces shaped like them stand in: a
terraform-plugin-sdk schema, a terraform-plugin-framework schema, an Ansible
versioned_schema. The committed extract must name its sources, versions and licences.
"""

import importlib.machinery
import importlib.util
import json

import pytest
from helpers import TEMPLATE


def load_extractor():
    path = TEMPLATE / "scripts" / "extract-vendor-schemas"
    loader = importlib.machinery.SourceFileLoader("extract_vendor_schemas", str(path))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


extractor = load_extractor()

SDK_SCHEMA = """
func resourceUserGroup() *schema.Resource {
	return &schema.Resource{
		Schema: map[string]*schema.Schema{
			"name": &schema.Schema{
				Type:         schema.TypeString,
				ValidateFunc: validation.StringLenBetween(0, 35),
				Required:     true,
			},
			"authtimeout": &schema.Schema{
				Type:         schema.TypeInt,
				ValidateFunc: validation.IntBetween(0, 43200), // minutes, see "https://x"
				Optional:     true,
			},
			"match": &schema.Schema{
				Type:     schema.TypeList,
				Optional: true,
				Elem: &schema.Resource{
					Schema: map[string]*schema.Schema{
						"group_name": &schema.Schema{
							Type:     schema.TypeString,
							Computed: true,
						},
					},
				},
			},
			"tags": {
				Type:     schema.TypeSet,
				Optional: true,
				Elem:     &schema.Schema{Type: schema.TypeString},
			},
		},
	}
}
"""

FRAMEWORK_SCHEMA = """
	resp.Schema = schema.Schema{
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:    true,
				Description: "The ID, as in 'add x': see https://example.com/{a}.",
			},
			"loglevel": schema.SetAttribute{
				ElementType: types.StringType,
				Required:    true,
			},
			"serverport": schema.Int64Attribute{
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, 65535)},
			},
		},
	}
"""


def test_an_sdk_schema_gives_attributes_limits_and_nested_blocks():
    parsed = extractor.sdk_schema(
        extractor.literal_body(SDK_SCHEMA, "Schema: map[string]*schema.Schema{")
    )

    assert parsed["attributes"] == {
        "name": {"type": "string", "use": "required", "max_length": 35},
        "authtimeout": {"type": "int", "use": "optional", "min": 0, "max": 43200},
        "tags": {"type": "set", "use": "optional", "elem": "string"},
    }
    assert parsed["blocks"]["match"] == {
        "attributes": {"group_name": {"type": "string", "use": "computed"}},
        "blocks": {},
        "block": "list",
        "use": "optional",
    }


def test_a_framework_schema_gives_attributes_and_validators():
    parsed = extractor.framework_schema(extractor.literal_body(FRAMEWORK_SCHEMA, "schema.Schema{"))

    assert parsed["attributes"] == {
        "id": {"type": "string", "use": "computed"},
        "loglevel": {"type": "set", "use": "required", "elem": "string"},
        "serverport": {"type": "int", "use": "optional", "min": 1, "max": 65535},
    }


def test_an_ansible_schema_tells_values_tables_options_and_releases_apart():
    children = {
        "name": {"v_range": [["v6.0.0", ""]], "type": "string", "required": True},
        "srcaddr": {
            "type": "list",
            "elements": "dict",
            "children": {"name": {"type": "string", "required": True}},
            "v_range": [["v6.0.0", ""]],
        },
        "realservers": {
            "type": "list",
            "elements": "dict",
            "children": {
                "id": {"type": "integer", "required": True},
                "port": {"type": "integer"},
            },
        },
        "service": {
            "type": "string",
            "options": [{"value": "http"}, {"value": "saas", "v_range": [["v7.2.1", ""]]}],
            "v_range": [["v7.0.0", "v7.4.1"]],
        },
    }

    attributes = extractor.fortios_attributes(children)["attributes"]

    assert attributes["srcaddr"] == {"type": "values", "value_type": "string", "v": ["6.0.0-"]}
    assert attributes["realservers"]["type"] == "table"
    assert attributes["realservers"]["key"] == "id"
    assert attributes["service"] == {
        "type": "option",
        "options": {"http": [], "saas": ["7.2.1-"]},
        "v": ["7.0.0-7.4.1"],
    }


@pytest.mark.parametrize("name", ["fortios_cli", "netscaler_cli", "terraform"])
def test_the_committed_extract_names_its_sources_versions_and_licences(name):
    extract = json.loads((TEMPLATE / "tests" / "vendor_schemas" / f"{name}.json").read_text())

    for source in extract["sources"]:
        assert source["licence"] in {"GPL-3.0-or-later", "MPL-2.0", "Apache-2.0", "MIT"}
        assert source.get("commit") or source.get("collection_version"), source
