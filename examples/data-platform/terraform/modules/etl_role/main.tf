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

data "aws_iam_policy_document" "etl" {
  statement {
    sid       = "CopyBetweenBuckets"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
    resources = concat(var.bucket_arns, [for arn in var.bucket_arns : "${arn}/*"])
  }
}

resource "aws_iam_role_policy" "etl" {
  name   = "etl"
  role   = aws_iam_role.etl.id
  policy = data.aws_iam_policy_document.etl.json
}

output "role_arn" {
  value = aws_iam_role.etl.arn
}
