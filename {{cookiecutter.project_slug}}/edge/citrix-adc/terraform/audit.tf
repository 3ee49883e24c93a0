# 60-audit.conf
# Source: registry.terraform.io/providers/citrix/citrixadc, one resource doc per resource type.
resource "citrixadc_auditsyslogaction" "syslog" {
  name                = "${var.name_prefix}-syslog"
  serverip            = var.log_server
  serverport          = 514
  loglevel            = ["ALL"]
  transport           = "TCP"
  userdefinedauditlog = "YES"
}

resource "citrixadc_auditsyslogpolicy" "syslog" {
  name   = "${var.name_prefix}-syslog"
  rule   = "true"
  action = citrixadc_auditsyslogaction.syslog.name
}

resource "citrixadc_auditsyslogglobal_auditsyslogpolicy_binding" "syslog" {
  policyname = citrixadc_auditsyslogpolicy.syslog.name
  priority   = 100
}

resource "citrixadc_auditmessageaction" "refused" {
  name              = "${var.name_prefix}-refused"
  loglevel          = "INFORMATIONAL"
  stringbuilderexpr = "\"refused client identity header from \" + CLIENT.IP.SRC + \" url=\" + HTTP.REQ.URL"
}

resource "citrixadc_auditmessageaction" "request" {
  name              = "${var.name_prefix}-request"
  loglevel          = "INFORMATIONAL"
  stringbuilderexpr = "\"request_id=\" + HTTP.REQ.TXID + \" client=\" + CLIENT.IP.SRC + \" method=\" + HTTP.REQ.METHOD + \" url=\" + HTTP.REQ.URL"
}
{%- if cookiecutter.identity_source != "bearer_token" %}

resource "citrixadc_auditmessageaction" "user_request" {
  name              = "${var.name_prefix}-user-request"
  loglevel          = "INFORMATIONAL"
  stringbuilderexpr = "\"request_id=\" + HTTP.REQ.TXID + \" user=\" + AAA.USER.NAME + \" method=\" + HTTP.REQ.METHOD + \" url=\" + HTTP.REQ.URL"
}
{%- endif %}
