# The AWS role behind the storage integration: only Snowflake's IAM user for this integration,
# presenting its external id, may assume it, and it may only read the lake's raw/ prefix.

data "aws_iam_policy_document" "snowflake_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [snowflake_storage_integration.lake.storage_aws_iam_user_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [snowflake_storage_integration.lake.storage_aws_external_id]
    }
  }
}

data "aws_iam_policy_document" "snowflake" {
  statement {
    sid       = "FindTheBucket"
    actions   = ["s3:GetBucketLocation"]
    resources = [var.bucket_arn]
  }

  statement {
    sid       = "ListTheLake"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [var.raw_prefix, "${var.raw_prefix}*"]
    }
  }

  statement {
    sid       = "ReadRawOnly"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${var.bucket_arn}/${var.raw_prefix}*"]
  }

  statement {
    sid       = "DecryptTheLake"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role" "snowflake" {
  name               = local.role_name
  assume_role_policy = data.aws_iam_policy_document.snowflake_trust.json
}

resource "aws_iam_role_policy" "snowflake" {
  name   = "read-the-lake"
  role   = aws_iam_role.snowflake.id
  policy = data.aws_iam_policy_document.snowflake.json
}
