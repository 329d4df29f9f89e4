provider "aws" {
  region = "eu-west-1"
}

module "etl_role" {
  source      = "../modules/etl_role"
  bucket_arns = ["arn:aws:s3:::raw-drop", "arn:aws:s3:::curated"]
}

resource "aws_mwaa_environment" "prod" {
  name               = "data-platform-prod"
  execution_role_arn = module.etl_role.role_arn
}
