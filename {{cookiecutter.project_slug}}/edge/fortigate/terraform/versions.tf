# The same objects as the CLI files one folder up, for review and `terraform plan` in CI.
# Source: registry.terraform.io/providers/fortinetdev/fortios (resource docs).
terraform {
  required_version = ">= 1.5"
  required_providers {
    fortios = {
      source  = "fortinetdev/fortios"
      version = ">= 1.20"
    }
  }
}

provider "fortios" {
  hostname = var.fortios_hostname
  token    = var.fortios_token
}
