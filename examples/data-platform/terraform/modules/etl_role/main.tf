terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "bucket_arns" {
  type = list(string)
}

resource "aws_iam_role" "etl" {
  name = "airflow-etl"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "airflow-env.amazonaws.com" }
    }]
  })
}
