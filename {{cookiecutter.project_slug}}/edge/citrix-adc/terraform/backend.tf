# 10-backend.conf
# Source: registry.terraform.io/providers/citrix/citrixadc, one resource doc per resource type.
resource "citrixadc_nsfeature" "features" {
  lb        = true
  ssl       = true
  rewrite   = true
  responder = true
  aaa       = true
}

resource "citrixadc_sslcertkey" "cert" {
  certkey = "${var.name_prefix}-cert"
  cert    = "/nsconfig/ssl/${var.name_prefix}.crt"
  key     = "/nsconfig/ssl/${var.name_prefix}.key"
}

resource "citrixadc_sslparameter" "defaults" {
  defaultprofile = "ENABLED"
}

resource "citrixadc_servicegroup" "backend" {
  servicegroupname = "${var.name_prefix}-backend"
  servicetype      = "HTTP"
  cip              = "ENABLED"
  cipheader        = "X-Forwarded-For"
}

resource "citrixadc_servicegroup_servicegroupmember_binding" "app" {
  servicegroupname = citrixadc_servicegroup.backend.servicegroupname
  ip               = var.backend_ip
  port             = var.backend_port
}

resource "citrixadc_responderpolicy" "refuse_client_identity" {
  name      = "${var.name_prefix}-refuse-client-identity"
  rule      = "HTTP.REQ.HEADER(\"${var.user_header}\").EXISTS || HTTP.REQ.HEADER(\"${var.groups_header}\").EXISTS || HTTP.REQ.HEADER(\"${var.request_id_header}\").EXISTS"
  action    = "RESET"
  logaction = citrixadc_auditmessageaction.refused.name
}

resource "citrixadc_rewriteaction" "insert_request_id" {
  name              = "${var.name_prefix}-insert-request-id"
  type              = "insert_http_header"
  target            = var.request_id_header
  stringbuilderexpr = "HTTP.REQ.TXID"
}

resource "citrixadc_rewritepolicy" "insert_request_id" {
  name      = "${var.name_prefix}-insert-request-id"
  rule      = "true"
  action    = citrixadc_rewriteaction.insert_request_id.name
  logaction = citrixadc_auditmessageaction.request.name
}
