terraform {
  required_version = ">= 1.6"

  backend "s3" {
    bucket = "acme-terraform-state"
    key    = "data-platform/prod.tfstate"
    region = "eu-west-1"
  }
}
