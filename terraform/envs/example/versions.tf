terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    snowflake = {
      source  = "Snowflake-Labs/snowflake"
      version = "~> 1.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      project     = "pitchlake"
      environment = var.environment
    }
  }
}

# Credentials come from the environment (SNOWFLAKE_ORGANIZATION_NAME, SNOWFLAKE_ACCOUNT_NAME,
# SNOWFLAKE_USER and SNOWFLAKE_PRIVATE_KEY or SNOWFLAKE_PASSWORD), never from a file.
provider "snowflake" {
  # Storage integrations need ACCOUNTADMIN, or a role granted CREATE INTEGRATION.
  role = var.snowflake_admin_role
  preview_features_enabled = [
    "snowflake_external_table_resource",
    "snowflake_file_format_resource",
    "snowflake_stage_resource",
    "snowflake_storage_integration_resource",
  ]
}
