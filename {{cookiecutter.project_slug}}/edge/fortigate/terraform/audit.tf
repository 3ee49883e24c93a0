# 50-audit.conf
resource "fortios_logfortianalyzer_setting" "audit" {
  status        = "enable"
  server        = var.log_server
  upload_option = "realtime"
  reliable      = "enable"
  enc_algorithm = "high"
}
