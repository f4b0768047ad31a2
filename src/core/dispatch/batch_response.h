#pragma once

#include <optional>
#include <span>
#include <string>

namespace dispatcher::core::dispatch {

/// The Lambda partial batch response for a DynamoDB Streams event source mapping.
///
/// Lambda retries from the lowest sequence number listed and treats every record before it as
/// done, whatever else is listed. So one entry, the lowest failed sequence number, says all there
/// is to say; listing more would only suggest a precision Lambda does not offer.
struct BatchResponse {
  /// Retry from this record; nullopt when every record succeeded.
  std::optional<std::string> retry_from;

  /// The response for a batch whose failed records have these sequence numbers (any order,
  /// repeats allowed): the numerically lowest one, or none.
  /// Precondition: every entry satisfies is_sequence_number.
  [[nodiscard]] static BatchResponse from_failures(
      std::span<const std::string> failed_sequence_numbers);

  /// {"batchItemFailures":[{"itemIdentifier":"<retry_from>"}]}, or {"batchItemFailures":[]}.
  [[nodiscard]] std::string to_json() const;

  friend bool operator==(const BatchResponse&, const BatchResponse&) = default;
};

}  // namespace dispatcher::core::dispatch
