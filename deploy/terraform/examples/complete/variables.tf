variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Prefix of every resource's name; the tables are <name>-events and <name>-offsets."
  type        = string
  default     = "event-store"
}

variable "package_zip" {
  description = "The zip from `make package` for var.architecture."
  type        = string
}

variable "architecture" {
  description = "x86_64 or arm64, as the zip."
  type        = string
  default     = "x86_64"
}

variable "kafka_bootstrap_servers" {
  description = "host:port list of the Kafka brokers."
  type        = string
}

variable "kafka_topic_output" {
  description = "Output topic (or a template such as events.{streamType})."
  type        = string
  default     = "events"
}

variable "sasl_secret_name" {
  description = "Name of the Secrets Manager secret with the SASL user and password; empty = no SASL."
  type        = string
  default     = ""
}

variable "table_deletion_protection" {
  description = "Keep DynamoDB deletion protection on the tables (false only for throw-away deployments)."
  type        = bool
  default     = true
}

variable "alarm_topic_arn" {
  description = "SNS topic for the alarms; empty = alarms without actions."
  type        = string
  default     = ""
}
