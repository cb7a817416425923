output "bucket_name" {
  value = aws_s3_bucket.lake.bucket
}

output "bucket_arn" {
  value = aws_s3_bucket.lake.arn
}

output "kms_key_arn" {
  description = "The key of the lake, the logs, the secrets, the image repository and the schedule."
  value       = aws_kms_key.pitchlake.arn
}
