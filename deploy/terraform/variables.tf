# Inputs, named after deploy/template.yaml's parameters (KafkaBootstrapServers ->
# kafka_bootstrap_servers). deploy/terraform/README.md documents each with the setting it becomes.

# ----------------------------------------------------------------------------- naming
variable "name" {
  description = "Prefix of every resource's name (function <name>-dispatcher, its role, queues, log group, alarms); plays the part of the SAM stack name."
  type        = string
  validation {
    condition     = can(regex("^[a-zA-Z0-9-_]{1,40}$", var.name))
    error_message = "name must be 1-40 letters, digits, '-' or '_' (it prefixes the function, role and queue names)."
  }
}

variable "tags" {
  description = "Tags for every resource that takes tags."
  type        = map(string)
  default     = {}
}

# ----------------------------------------------------------------------------- package
variable "package_zip" {
  description = "Path of the Lambda zip from `make package` (dist/ddb-eventstore-dispatcher-<version>-<architecture>.zip)."
  type        = string
}

variable "architecture" {
  description = "x86_64 or arm64; must match the zip (a zip of the other architecture fails every init)."
  type        = string
  default     = "x86_64"
  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

# ----------------------------------------------------------------------------- Kafka
variable "kafka_bootstrap_servers" {
  description = "KAFKA_BOOTSTRAP_SERVERS: comma-separated host:port list (or an SSM parameter / Secrets Manager ARN)."
  type        = string
  validation {
    condition     = length(var.kafka_bootstrap_servers) > 0
    error_message = "kafka_bootstrap_servers must not be empty."
  }
}

variable "kafka_client_id" {
  description = "KAFKA_CLIENT_ID."
  type        = string
  default     = "ddb-eventstore-dispatcher"
}

variable "kafka_topic_output" {
  description = "KAFKA_TOPIC_OUTPUT: a topic name or a template such as events.{streamType}."
  type        = string
  validation {
    condition     = length(var.kafka_topic_output) > 0
    error_message = "kafka_topic_output must not be empty."
  }
}

variable "kafka_security_protocol" {
  description = "KAFKA_SECURITY_PROTOCOL; empty = SASL_SSL when SASL is configured, else PLAINTEXT."
  type        = string
  default     = ""
  validation {
    condition     = contains(["", "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"], var.kafka_security_protocol)
    error_message = "kafka_security_protocol must be empty, PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL."
  }
}

variable "kafka_sasl_mechanism" {
  description = "KAFKA_SASL_MECHANISM; empty = SCRAM-SHA-512 when sasl_secret_name is set. AWS_MSK_IAM needs msk_cluster_arn and no sasl_secret_name."
  type        = string
  default     = ""
  validation {
    condition     = contains(["", "SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN", "AWS_MSK_IAM"], var.kafka_sasl_mechanism)
    error_message = "kafka_sasl_mechanism must be empty, SCRAM-SHA-512, SCRAM-SHA-256, PLAIN or AWS_MSK_IAM."
  }
}

variable "sasl_secret_name" {
  description = "SASL_SECRET_NAME: the NAME (not the ARN) of the Secrets Manager secret holding {\"username\",\"password\"}; empty = no SASL secret."
  type        = string
  default     = ""
  validation {
    condition     = !startswith(var.sasl_secret_name, "arn:")
    error_message = "sasl_secret_name is the secret's name, not its ARN (the role is scoped to <name>-??????)."
  }
}

variable "sasl_secret_kms_key_arn" {
  description = "ARN of the customer-managed KMS key that encrypts the SASL secret (MSK SCRAM requires one); empty when the secret uses the AWS managed key."
  type        = string
  default     = ""
}

variable "msk_cluster_arn" {
  description = "Amazon MSK cluster ARN; required with kafka_sasl_mechanism = AWS_MSK_IAM."
  type        = string
  default     = ""
  validation {
    condition     = can(regex("^(arn:aws[a-z-]*:kafka:[a-z0-9-]+:[0-9]{12}:cluster/[^/]+/[^/]+)?$", var.msk_cluster_arn))
    error_message = "msk_cluster_arn must be empty or arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>."
  }
}

variable "msk_topic_name_pattern" {
  description = "With AWS_MSK_IAM: the IAM topic-name pattern the function may write (e.g. events.* when kafka_topic_output is a template); empty = exactly kafka_topic_output."
  type        = string
  default     = ""
}

# ----------------------------------------------------------------------------- event store
variable "events_table_name" {
  description = "EVENTS_TABLE_NAME: the event store table (id S, version N, stream enabled)."
  type        = string
  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.events_table_name))
    error_message = "events_table_name must be 3-255 characters of a-z, A-Z, 0-9, '_', '-', '.'."
  }
}

variable "offsets_table_name" {
  description = "OFFSETS_TABLE_NAME: the offsets table (id S); must differ from the events table."
  type        = string
  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.offsets_table_name))
    error_message = "offsets_table_name must be 3-255 characters of a-z, A-Z, 0-9, '_', '-', '.'."
  }
}

variable "create_tables" {
  description = "true creates both tables (on-demand, events stream KEYS_ONLY, point-in-time recovery, deletion protection)."
  type        = bool
  default     = false
}

variable "table_deletion_protection" {
  description = "DynamoDB deletion protection on the tables the module creates: `terraform destroy` then fails on them instead of deleting the event store (the template keeps them with DeletionPolicy: Retain)."
  type        = bool
  default     = true
}

variable "events_table_stream_arn" {
  description = "The existing events table's LatestStreamArn; required when create_tables is false."
  type        = string
  default     = ""
}

# ----------------------------------------------------------------------------- poison events
variable "poison_policy" {
  description = "DISPATCHER_POISON_POLICY: hold or dead-letter."
  type        = string
  default     = "hold"
  validation {
    condition     = contains(["hold", "dead-letter"], var.poison_policy)
    error_message = "poison_policy must be hold or dead-letter."
  }
}

variable "dead_letter_topic" {
  description = "DISPATCHER_DEAD_LETTER_TOPIC; required with poison_policy = dead-letter."
  type        = string
  default     = ""
}

# ----------------------------------------------------------------------------- ARN-valued settings
variable "settings_parameter_arns" {
  description = "SSM parameter ARNs given as setting values (kafka_bootstrap_servers etc.); the function may read exactly these."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for arn in var.settings_parameter_arns : can(regex("^arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/", arn))])
    error_message = "settings_parameter_arns must be SSM parameter ARNs (arn:<partition>:ssm:<region>:<account>:parameter/...)."
  }
}

variable "settings_secret_arns" {
  description = "Secrets Manager secret ARNs (with their 6-character suffix, or ending in -??????) given as setting values; the function may read exactly these."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for arn in var.settings_secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+-(\\?{6}|[A-Za-z0-9]{6})$", arn))])
    error_message = "settings_secret_arns must be secret ARNs ending in the 6-character suffix or -??????."
  }
}

# ----------------------------------------------------------------------------- function
variable "memory_size" {
  description = "MB; 512 buys the CPU share and network throughput for batches of 1000 (docs/deploy.md)."
  type        = number
  default     = 512
  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be 128-10240."
  }
}

variable "timeout" {
  description = "Seconds; the dispatcher finishes or fails each batch within the invocation deadline."
  type        = number
  default     = 120
  validation {
    condition     = var.timeout >= 10 && var.timeout <= 900
    error_message = "timeout must be 10-900."
  }
}

variable "log_level" {
  description = "LOG_LEVEL: DEBUG, INFO, WARN or ERROR."
  type        = string
  default     = "INFO"
  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARN or ERROR."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 30
  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch Logs' retention values (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "service_name" {
  description = "POWERTOOLS_SERVICE_NAME (log field and the metrics' service dimension)."
  type        = string
  default     = "ddb-eventstore-dispatcher"
}

variable "metrics_namespace" {
  description = "POWERTOOLS_METRICS_NAMESPACE (CloudWatch namespace of the EMF metrics)."
  type        = string
  default     = "DdbEventstoreDispatcher"
}

variable "subnet_ids" {
  description = "Subnets for the function (MSK in a VPC); empty = no VPC."
  type        = list(string)
  default     = []
}

variable "security_group_ids" {
  description = "Security groups for the function; required with subnet_ids."
  type        = list(string)
  default     = []
}

variable "extra_environment" {
  description = "More settings for the function's environment (KAFKA_PRODUCER_*, DISPATCHER_CA_BUNDLE, ...; docs/configuration.md). The module's own settings win on a clash."
  type        = map(string)
  default     = {}
}

# ----------------------------------------------------------------------------- event source mapping
variable "batch_size" {
  description = "Stream records per invocation."
  type        = number
  default     = 1000
  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000
    error_message = "batch_size must be 1-10000."
  }
}

variable "maximum_batching_window_in_seconds" {
  description = "How long Lambda gathers records before invoking."
  type        = number
  default     = 0
  validation {
    condition     = var.maximum_batching_window_in_seconds >= 0 && var.maximum_batching_window_in_seconds <= 300
    error_message = "maximum_batching_window_in_seconds must be 0-300."
  }
}

variable "parallelization_factor" {
  description = "Concurrent batches per shard; ordering per aggregate holds for any value."
  type        = number
  default     = 1
  validation {
    condition     = var.parallelization_factor >= 1 && var.parallelization_factor <= 10
    error_message = "parallelization_factor must be 1-10."
  }
}

variable "maximum_retry_attempts" {
  description = "Retries of a failing batch before its range goes to the on-failure queue (never -1: a poison batch would block its shard)."
  type        = number
  default     = 20
  validation {
    condition     = var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 10000
    error_message = "maximum_retry_attempts must be 0-10000 (-1, retry forever, is not allowed)."
  }
}

variable "maximum_record_age_in_seconds" {
  description = "Records older than this go to the on-failure queue instead of being retried (never -1)."
  type        = number
  default     = 21600
  validation {
    condition     = var.maximum_record_age_in_seconds >= 60 && var.maximum_record_age_in_seconds <= 604800
    error_message = "maximum_record_age_in_seconds must be 60-604800 (-1, no limit, is not allowed)."
  }
}

# ----------------------------------------------------------------------------- self-healing (redrive)
variable "redrive_visibility_timeout" {
  description = "Seconds; visibility timeout of the on-failure queue, at least timeout (AWS recommends 6 x timeout): how long a redrive record that was not acted on waits before it is tried again."
  type        = number
  default     = 720
  validation {
    condition     = var.redrive_visibility_timeout >= 10 && var.redrive_visibility_timeout <= 43200
    error_message = "redrive_visibility_timeout must be 10-43200."
  }
}

variable "redrive_max_receive_count" {
  description = "Deliveries of an on-failure record before the queue moves it to the last-resort queue (an alarm, docs/operations.md)."
  type        = number
  default     = 20
  validation {
    condition     = var.redrive_max_receive_count >= 1 && var.redrive_max_receive_count <= 1000
    error_message = "redrive_max_receive_count must be 1-1000."
  }
}

variable "redrive_age_alarm_seconds" {
  description = "Alarm when the oldest on-failure record waits longer than this."
  type        = number
  default     = 3600
  validation {
    condition     = var.redrive_age_alarm_seconds >= 60
    error_message = "redrive_age_alarm_seconds must be at least 60."
  }
}

variable "enable_scheduled_sweep" {
  description = "true adds an EventBridge rule that invokes the function with a sweep payload on sweep_schedule (the template's SweepSchedule, empty there = false here; docs/deploy.md: its read cost and when to enable it)."
  type        = bool
  default     = false
}

variable "sweep_schedule" {
  description = "EventBridge schedule expression of the reconciliation sweep: rate(...) or cron(...)."
  type        = string
  default     = "rate(1 hour)"
  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.sweep_schedule))
    error_message = "sweep_schedule must be rate(...) or cron(...)."
  }
}

variable "sweep_rate" {
  description = "Doorbells per second at most during a sweep."
  type        = number
  default     = 50
  validation {
    condition     = var.sweep_rate >= 1
    error_message = "sweep_rate must be at least 1."
  }
}

variable "sweep_page_size" {
  description = "Items per Scan page of a sweep (spreads its read capacity)."
  type        = number
  default     = 500
  validation {
    condition     = var.sweep_page_size >= 1 && var.sweep_page_size <= 10000
    error_message = "sweep_page_size must be 1-10000."
  }
}

# ----------------------------------------------------------------------------- alarms
variable "alarm_topic_arn" {
  description = "SNS topic for alarm and OK notifications; empty = alarms without actions."
  type        = string
  default     = ""
}

variable "iterator_age_alarm_milliseconds" {
  description = "Alarm when the oldest unprocessed stream record is older than this."
  type        = number
  default     = 300000
  validation {
    condition     = var.iterator_age_alarm_milliseconds >= 1000
    error_message = "iterator_age_alarm_milliseconds must be at least 1000."
  }
}
