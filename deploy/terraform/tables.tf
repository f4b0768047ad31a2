# Optional: the events and offsets tables (create_tables = true). They are protected from deletion
# by DynamoDB itself unless table_deletion_protection = false: the event store outlives the
# dispatcher, as with the template's DeletionPolicy: Retain.

resource "aws_dynamodb_table" "events" {
  count                       = var.create_tables ? 1 : 0
  name                        = var.events_table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  range_key                   = "version"
  deletion_protection_enabled = var.table_deletion_protection
  # The stream is only a doorbell: keys suffice, the dispatcher reads the items itself.
  stream_enabled   = true
  stream_view_type = "KEYS_ONLY"
  tags             = var.tags

  attribute {
    name = "id"
    type = "S"
  }
  attribute {
    name = "version"
    type = "N"
  }
  point_in_time_recovery {
    enabled = true
  }
}

resource "aws_dynamodb_table" "offsets" {
  count                       = var.create_tables ? 1 : 0
  name                        = var.offsets_table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  deletion_protection_enabled = var.table_deletion_protection
  tags                        = var.tags

  attribute {
    name = "id"
    type = "S"
  }
  point_in_time_recovery {
    enabled = true
  }
}
