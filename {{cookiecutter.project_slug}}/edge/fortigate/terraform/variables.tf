{%- set n = cookiecutter.__edge_name -%}
{%- set e = cookiecutter._edge -%}
{%- set s = cookiecutter._samples[cookiecutter.idp] -%}
# Values shared with the CLI files; the contract tests compare both.

variable "fortios_hostname" {
  description = "Management address of the FortiGate"
  type        = string
  default     = "fortigate.example.com"
}

variable "fortios_token" {
  description = "REST API token of an administrator with write access (never commit it)"
  type        = string
  sensitive   = true
}

variable "name_prefix" {
  description = "Prefix of every object this configuration creates"
  type        = string
  default     = "{{ n }}"

  validation {
    condition     = length(var.name_prefix) <= 29
    error_message = "FortiOS allows 35 characters in names such as name_prefix-users: at most 29 here."
  }
}

variable "wan_interface" {
  type    = string
  default = "{{ e.wan_interface }}"
}

variable "web_ip" {
  description = "Public address of the signed-in web door"
  type        = string
  default     = "{{ e.web_ip }}"
}

variable "api_ip" {
  description = "Public address of the API door (bearer tokens)"
  type        = string
  default     = "{{ e.api_ip }}"
}

variable "backend_ip" {
  type    = string
  default = "{{ e.backend_ip }}"
}

variable "backend_port" {
  description = "Must equal the app's PORT (config/production.env)"
  type        = number
  default     = {{ e.backend_port }}
}

variable "idp_entity_id" {
  type    = string
  default = "{{ s.saml_idp_entity_id }}"
}

variable "idp_sso_url" {
  type    = string
  default = "{{ s.saml_idp_sso_url }}"
}

variable "saml_user_attribute" {
  type    = string
  default = "{{ s.saml_user_attribute }}"
}

variable "saml_groups_attribute" {
  type    = string
  default = "{{ s.saml_groups_attribute }}"
}

variable "admitted_groups" {
  description = "IdP groups the edge lets in; each must be mapped in config/roles.toml"
  type        = list(string)
  default     = ["{{ s.reader }}", "{{ s.writer }}", "{{ s.admin }}"]
}

variable "request_id_header" {
  description = "Client copies are dropped: must equal the app's EDGE_REQUEST_ID_HEADER"
  type        = string
  default     = "{{ cookiecutter._appliances.fortigate.request_id_header }}"
}
{%- if cookiecutter.device_posture == "required" %}

variable "ems_tag" {
  description = "The FortiClient EMS posture tag a device needs (as EMS sends it to the FortiGate)"
  type        = string
  default     = "REPLACE_WITH_EMS_TAG"
}
{%- endif %}

variable "log_server" {
  description = "FortiAnalyzer address"
  type        = string
  default     = "{{ e.log_server }}"
}
