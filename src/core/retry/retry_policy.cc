#include "core/retry/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "core/retry/error_classification.h"

namespace dispatcher::core::retry {

RetryOptions RetryOptions::standard() { return RetryOptions{}; }

RetryOptions RetryOptions::dynamodb() {
  RetryOptions options;
  options.max_attempts = 4;
  options.transient_base_delay = std::chrono::milliseconds(25);
  return options;
}

RetryPolicy::RetryPolicy(RetryOptions options, std::unique_ptr<RandomSource> random)
    : options_(options),
      random_(std::move(random)),
      quota_available_(options_.retry_quota_capacity.value_or(0)) {
  if (options_.max_attempts < 1) {
    throw std::invalid_argument("RetryOptions::max_attempts must be at least 1");
  }
  if (random_ == nullptr) {
    throw std::invalid_argument("RetryPolicy needs a random source");
  }
}

RetryPolicy::RetryPolicy() : RetryPolicy(RetryOptions::standard(), make_default_random_source()) {}

std::chrono::milliseconds RetryPolicy::backoff(int retry, bool throttling) {
  const auto base = throttling ? options_.throttling_base_delay : options_.transient_base_delay;
  // 2^(retry-1) grows past any cap quickly; clamp the exponent so the double stays finite.
  const double exponent = std::min(std::max(retry - 1, 0), 62);
  const double ceiling_ms = std::min(static_cast<double>(base.count()) * std::exp2(exponent),
                                     static_cast<double>(options_.max_backoff.count()));
  const double jitter = std::clamp(random_->unit(), 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::floor(jitter * ceiling_ms)));
}

RetryDecision RetryPolicy::on_failure(RetryState& state, const Error& error,
                                      std::chrono::steady_clock::time_point now,
                                      Deadline deadline) {
  if (!error.retryable()) {
    return {.verdict = RetryVerdict::kNotRetryable};
  }
  if (state.attempts_ >= options_.max_attempts) {
    return {.verdict = RetryVerdict::kAttemptsExhausted};
  }
  const bool throttling = is_throttling_code(error.code);
  const auto delay = backoff(state.attempts_, throttling);
  if (now + delay >= deadline) {
    return {.verdict = RetryVerdict::kDeadlineExceeded, .delay = delay};
  }
  if (options_.retry_quota_capacity.has_value()) {
    const int cost =
        error.code == kTimeoutErrorCode ? options_.timeout_retry_cost : options_.retry_cost;
    if (cost > quota_available_) {
      return {.verdict = RetryVerdict::kQuotaExhausted};
    }
    quota_available_ -= cost;
    state.acquired_capacity_ = cost;
  }
  ++state.attempts_;
  return {.verdict = RetryVerdict::kRetry, .delay = delay};
}

void RetryPolicy::on_success(const RetryState& state) noexcept {
  if (!options_.retry_quota_capacity.has_value()) {
    return;
  }
  const int refill =
      state.acquired_capacity_ > 0 ? state.acquired_capacity_ : options_.no_retry_increment;
  quota_available_ = std::min(quota_available_ + refill, *options_.retry_quota_capacity);
}

}  // namespace dispatcher::core::retry
