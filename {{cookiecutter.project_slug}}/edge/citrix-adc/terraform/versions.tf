# The same objects as the CLI files one folder up, for review and `terraform plan` in CI.
# Source: registry.terraform.io/providers/citrix/citrixadc (resource docs).
terraform {
  required_version = ">= 1.5"
  required_providers {
    citrixadc = {
      source  = "citrix/citrixadc"
      version = ">= 1.40"
    }
  }
}

provider "citrixadc" {
  endpoint = var.adc_endpoint
  username = var.adc_username
  password = var.adc_password
}
