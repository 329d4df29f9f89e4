terraform {
  backend "s3" {
    bucket       = "acme-terraform-state"
    key          = "data-platform/staging.tfstate"
    region       = "eu-west-1"
    use_lockfile = true
  }
}

provider "aws" {
  region = "eu-west-1"
}

module "etl_role" {
  source      = "../modules/etl_role"
  bucket_arns = ["arn:aws:s3:::staging-drop"]
}
