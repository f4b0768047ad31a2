#pragma once

#include "core/result.h"

namespace dispatcher::core::dispatch {

/// What an error that stopped one aggregate's work means, decided in one place.
enum class FailureScope : unsigned char {
  /// Transient (throttling, 5xx, timeouts, broker unavailable): the aggregate's records are
  /// reported in batchItemFailures and Lambda retries them.
  kRetry,
  /// Permanent, and about this aggregate's data (an unreadable offset item or event page, versions
  /// out of order): the aggregate is held with reason "corrupt"; the others go on.
  kHoldAggregate,
  /// About the whole deployment (missing table, access denied, failed authentication, unknown
  /// topic, bad configuration): the invocation fails loudly, since every aggregate would fail too.
  kFailInvocation,
};

[[nodiscard]] const char* failure_scope_name(FailureScope scope) noexcept;

/// The scope of `error`: deployment-wide codes first, whatever their retry kind, then retryable
/// errors, then everything else (permanent) as the aggregate's own.
[[nodiscard]] FailureScope failure_scope(const Error& error) noexcept;

}  // namespace dispatcher::core::dispatch
