#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "core/clock.h"
#include "core/result.h"
#include "core/retry/random_source.h"

namespace dispatcher::core::retry {

/// Settings of the AWS SDKs' "standard" retry mode. The defaults are the mode's own values:
/// 3 attempts, full-jitter exponential backoff `rand(0,1) * min(base * 2^(attempt-1), 20 s)` with a
/// 1 s base, and a retry quota (token bucket) of 500 where a retry costs 5 (a timeout 10) and a
/// success gives back what its retries took, or 1 when it needed none.
struct RetryOptions {
  int max_attempts = 3;  ///< total attempts including the first; at least 1
  std::chrono::milliseconds transient_base_delay{1000};   ///< base for 5xx, transport, transient
  std::chrono::milliseconds throttling_base_delay{1000};  ///< base for throttling codes
  std::chrono::milliseconds max_backoff{20000};
  /// Capacity of the retry quota; nullopt disables it (every retryable error may be retried).
  std::optional<int> retry_quota_capacity = 500;
  int retry_cost = 5;
  int timeout_retry_cost = 10;
  int no_retry_increment = 1;

  /// The standard mode as documented for all SDKs (1 s base for every retryable error).
  [[nodiscard]] static RetryOptions standard();
  /// The standard mode as the SDKs tune it for DynamoDB and DynamoDB Streams (botocore's standard
  /// mode 2.1): 4 attempts and a 25 ms base for non-throttling errors; throttling keeps 1 s.
  [[nodiscard]] static RetryOptions dynamodb();
};

/// Why a RetryPolicy decided what it did.
enum class RetryVerdict : unsigned char {
  kRetry,              ///< wait `delay`, then try again
  kNotRetryable,       ///< the error is permanent
  kAttemptsExhausted,  ///< max_attempts reached
  kQuotaExhausted,     ///< the retry quota has no capacity left (a sustained outage)
  kDeadlineExceeded,   ///< the backoff would end at or after the deadline
};

struct RetryDecision {
  RetryVerdict verdict = RetryVerdict::kNotRetryable;
  std::chrono::milliseconds delay{0};  ///< meaningful for kRetry only

  [[nodiscard]] bool retry() const noexcept { return verdict == RetryVerdict::kRetry; }
};

/// One operation's run of attempts, as the policy tracks it. Create one per logical call.
class RetryState {
 public:
  /// 1 before the first attempt has been judged; counts attempts made so far.
  [[nodiscard]] int attempts() const noexcept { return attempts_; }

 private:
  friend class RetryPolicy;
  int attempts_ = 1;
  int acquired_capacity_ = 0;  ///< quota taken by this call's last retry, given back on success
};

/// Decides whether and when to retry a failed attempt. Holds the retry quota, so one instance is
/// meant to be shared by the clients of a process. Thread-compatible: one caller at a time.
class RetryPolicy {
 public:
  RetryPolicy(RetryOptions options, std::unique_ptr<RandomSource> random);
  /// The standard mode with a default random source.
  RetryPolicy();

  [[nodiscard]] const RetryOptions& options() const noexcept { return options_; }
  [[nodiscard]] int max_attempts() const noexcept { return options_.max_attempts; }
  /// Remaining capacity of the retry quota (meaningless when the quota is disabled).
  [[nodiscard]] int quota_available() const noexcept { return quota_available_; }

  /// Judges the failure of attempt `state.attempts()` with `error` at time `now`. On kRetry it
  /// takes quota capacity and counts the attempt, so the next call judges the next attempt.
  [[nodiscard]] RetryDecision on_failure(RetryState& state, const Error& error,
                                         std::chrono::steady_clock::time_point now,
                                         Deadline deadline);

  /// The backoff before retry number `retry` (1 = the first retry) of an error of this kind,
  /// without touching quota or state. Used by loops that retry the unprocessed part of a
  /// successful batch call (BatchWriteItem, BatchGetItem), which the service does not signal as an
  /// error.
  [[nodiscard]] std::chrono::milliseconds backoff(int retry, bool throttling);

  /// Reports that the call owning `state` succeeded; refills the quota.
  void on_success(const RetryState& state) noexcept;

 private:
  RetryOptions options_;
  std::unique_ptr<RandomSource> random_;
  int quota_available_ = 0;
};

}  // namespace dispatcher::core::retry
