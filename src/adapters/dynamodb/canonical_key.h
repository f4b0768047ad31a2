#pragma once

// Canonical text of items and keys: the batch operations match the entries DynamoDB hands back
// (answers, unprocessed keys and writes) to the ones they sent by it. Internal to
// src/adapters/dynamodb/.

#include <string>

#include "core/dynamodb/attribute_value.h"

namespace dispatcher::adapters::dynamodb::detail {

/// A text identifying `item` exactly, in which numbers that DynamoDB may spell differently
/// ("1.0" and "1") are the same.
[[nodiscard]] std::string canonical_item(const core::dynamodb::Item& item);

/// canonical_item of the attributes of `item` named like the attributes of `key_shape`; empty
/// when `item` lacks one of them.
[[nodiscard]] std::string canonical_key_of(const core::dynamodb::Item& item,
                                           const core::dynamodb::Item& key_shape);

}  // namespace dispatcher::adapters::dynamodb::detail
