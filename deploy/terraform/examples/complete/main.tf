# A complete deployment: both tables created by the module, the dispatcher function from a zip of
# `make package`, the scheduled sweep, and alarms to an SNS topic when one is given.
#
#   make package
#   cd deploy/terraform/examples/complete
#   terraform init
#   terraform apply -var package_zip=../../../../dist/ddb-eventstore-dispatcher-0.1.0-arm64.zip \
#     -var architecture=arm64 -var kafka_bootstrap_servers=b-1.example:9096 -var kafka_topic_output=events
#
# tests/terraform applies this example to the local stack's moto server and destroys it again.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.31, < 6.0"
    }
  }
}

provider "aws" {
  region = var.region
}

module "dispatcher" {
  source = "../.."

  name         = var.name
  package_zip  = var.package_zip
  architecture = var.architecture

  kafka_bootstrap_servers = var.kafka_bootstrap_servers
  kafka_topic_output      = var.kafka_topic_output
  sasl_secret_name        = var.sasl_secret_name

  events_table_name         = "${var.name}-events"
  offsets_table_name        = "${var.name}-offsets"
  create_tables             = true
  table_deletion_protection = var.table_deletion_protection

  enable_scheduled_sweep = true
  alarm_topic_arn        = var.alarm_topic_arn
  tags                   = { application = "ddb-eventstore-dispatcher", deployment = var.name }
}
