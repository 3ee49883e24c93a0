{%- set n = cookiecutter.__edge_name -%}
{%- set e = cookiecutter._edge -%}
{%- set s = cookiecutter._samples[cookiecutter.idp] -%}
# Values shared with the CLI files; the contract tests compare both.

variable "adc_endpoint" {
  description = "NITRO endpoint of the appliance"
  type        = string
  default     = "https://adc.example.com"
}

variable "adc_username" {
  type    = string
  default = "nsroot"
}

variable "adc_password" {
  description = "NITRO password (never commit it)"
  type        = string
  sensitive   = true
}

variable "name_prefix" {
  description = "Prefix of every object this configuration creates"
  type        = string
  default     = "{{ n }}"
}

variable "web_ip" {
  description = "Address of the signed-in web door"
  type        = string
  default     = "{{ e.web_ip }}"
}

variable "api_ip" {
  description = "Address of the API door (bearer tokens)"
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

variable "user_header" {
  description = "Must equal the app's EDGE_USER_HEADER"
  type        = string
  default     = "X-Edge-User"
}

variable "groups_header" {
  description = "Must equal the app's EDGE_GROUPS_HEADER"
  type        = string
  default     = "X-Edge-Groups"
}

variable "request_id_header" {
  description = "Must equal the app's EDGE_REQUEST_ID_HEADER"
  type        = string
  default     = "{{ cookiecutter._appliances.citrix_adc.request_id_header }}"
}
{%- if cookiecutter.device_posture == "required" %}

variable "epa_expression" {
  description = "The Endpoint Analysis check a device must pass before sign-in (replace the example)"
  type        = string
  default     = "CLIENT.APPLICATION(ANTIVIR_2600_RTP_==_TRUE)"
}
{%- endif %}
{%- if cookiecutter.idp == "aws_cognito" %}

variable "oidc_client_id" {
  type    = string
  default = "REPLACE_WITH_APP_CLIENT_ID"
}

variable "oidc_client_secret" {
  description = "App client secret (never commit it)"
  type        = string
  sensitive   = true
}
{%- else %}

variable "idp_sso_url" {
  type    = string
  default = "{{ s.saml_idp_sso_url }}"
}

variable "saml_user_attribute" {
  type    = string
  default = "{{ s.saml_user_attribute }}"
}
{%- endif %}

variable "groups_attribute" {
  type    = string
  default = "{{ "cognito:groups" if cookiecutter.idp == "aws_cognito" else s.saml_groups_attribute }}"
}

variable "log_server" {
  type    = string
  default = "{{ e.log_server }}"
}
