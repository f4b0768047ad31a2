#pragma once

// Which of its three payloads one invocation of the one function carries.

#include <string_view>

namespace dispatcher::core::redrive {

enum class InvocationKind : unsigned char {
  kDynamoDbStream,  ///< the events table's stream (the default: anything not recognised below)
  kSqs,             ///< the on-failure queue: Records whose first record has eventSource aws:sqs
  kSweep,           ///< a scheduled reconciliation: an object with a "sweep" member, no Records
};

/// Tells the payload apart by its shape, reading no further than the first record's eventSource
/// (a stream event is not parsed twice in full). Pure; never fails: text that is not JSON is
/// kDynamoDbStream, whose parser then names what is wrong.
[[nodiscard]] InvocationKind detect_invocation_kind(std::string_view payload);

}  // namespace dispatcher::core::redrive
