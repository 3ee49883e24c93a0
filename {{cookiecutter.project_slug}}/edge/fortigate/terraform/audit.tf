# 50-audit.conf
# Source: registry.terraform.io/providers/fortinetdev/fortios, one resource doc per resource type.
resource "fortios_logfortianalyzer_setting" "audit" {
  status        = "enable"
  server        = var.log_server
  upload_option = "realtime"
  reliable      = "enable"
  enc_algorithm = "high"
}
