#include "core/retry/retry_policy.h"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <memory>
#include <utility>

#include "core/retry/error_classification.h"

namespace dispatcher::core::retry {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using TimePoint = std::chrono::steady_clock::time_point;

/// Returns the scripted numbers in order, then repeats the last one.
class ScriptedRandom final : public RandomSource {
 public:
  explicit ScriptedRandom(std::deque<double> values) : values_(std::move(values)) {}
  double unit() override {
    const double value = values_.front();
    if (values_.size() > 1) {
      values_.pop_front();
    }
    return value;
  }

 private:
  std::deque<double> values_;
};

RetryPolicy make_policy(RetryOptions options, std::deque<double> random_values) {
  return RetryPolicy(std::move(options),
                     std::make_unique<ScriptedRandom>(std::move(random_values)));
}

Error service_error(std::string code, int status) {
  Error error{.kind = classify_service_error(code, status), .code = std::move(code)};
  error.http_status = status;
  return error;
}

const TimePoint kNow{seconds(1000)};
const Deadline kFarDeadline = kNow + std::chrono::hours(1);

TEST(RetryPolicy, StandardModeMakesThreeAttempts) {
  auto policy = make_policy(RetryOptions::standard(), {0.5});
  RetryState state;
  const auto error = service_error("InternalServerError", 500);
  EXPECT_TRUE(policy.on_failure(state, error, kNow, kFarDeadline).retry());
  EXPECT_TRUE(policy.on_failure(state, error, kNow, kFarDeadline).retry());
  EXPECT_EQ(policy.on_failure(state, error, kNow, kFarDeadline).verdict,
            RetryVerdict::kAttemptsExhausted);
  EXPECT_EQ(state.attempts(), 3);
}

TEST(RetryPolicy, HonoursConfiguredMaxAttempts) {
  RetryOptions options;
  options.max_attempts = 6;
  auto policy = make_policy(options, {0.0});
  RetryState state;
  const auto error = service_error("ThrottlingException", 400);
  int retries = 0;
  while (policy.on_failure(state, error, kNow, kFarDeadline).retry()) {
    ++retries;
  }
  EXPECT_EQ(retries, 5);
}

TEST(RetryPolicy, NeverRetriesPermanentErrors) {
  auto policy = make_policy(RetryOptions::standard(), {0.5});
  RetryState state;
  for (const char* code : {"ValidationException", "ConditionalCheckFailedException",
                           "ResourceNotFoundException", "AccessDeniedException"}) {
    EXPECT_EQ(policy.on_failure(state, service_error(code, 400), kNow, kFarDeadline).verdict,
              RetryVerdict::kNotRetryable)
        << code;
  }
  EXPECT_EQ(state.attempts(), 1);
  EXPECT_EQ(policy.quota_available(), 500);
}

TEST(RetryPolicy, BackoffIsFullJitterOfExponentialCeiling) {
  // rand * min(base * 2^(attempt-1), cap): with base 1 s and rand 0.5: 0.5 s, 1 s, 2 s, 4 s.
  RetryOptions options;
  options.max_attempts = 5;
  auto policy = make_policy(options, {0.5});
  RetryState state;
  const auto error = service_error("ServiceUnavailable", 503);
  EXPECT_EQ(policy.on_failure(state, error, kNow, kFarDeadline).delay, milliseconds(500));
  EXPECT_EQ(policy.on_failure(state, error, kNow, kFarDeadline).delay, milliseconds(1000));
  EXPECT_EQ(policy.on_failure(state, error, kNow, kFarDeadline).delay, milliseconds(2000));
  EXPECT_EQ(policy.on_failure(state, error, kNow, kFarDeadline).delay, milliseconds(4000));
}

TEST(RetryPolicy, JitterSpansZeroToCeiling) {
  auto policy = make_policy(RetryOptions::standard(), {0.0, 0.999});
  RetryState first;
  const auto error = service_error("ThrottlingException", 400);
  EXPECT_EQ(policy.on_failure(first, error, kNow, kFarDeadline).delay, milliseconds(0));
  RetryState second;
  EXPECT_EQ(policy.on_failure(second, error, kNow, kFarDeadline).delay, milliseconds(999));
}

TEST(RetryPolicy, BackoffIsCappedAtMaxBackoff) {
  RetryOptions options;
  options.max_attempts = 12;
  options.retry_quota_capacity = std::nullopt;
  auto policy = make_policy(options, {0.999999});
  RetryState state;
  const auto error = service_error("ThrottlingException", 400);
  milliseconds last{0};
  while (true) {
    const auto decision = policy.on_failure(state, error, kNow, kFarDeadline);
    if (!decision.retry()) {
      break;
    }
    EXPECT_LE(decision.delay, milliseconds(20000));
    last = decision.delay;
  }
  EXPECT_GE(last, milliseconds(19999));
}

TEST(RetryPolicy, DynamoDbUsesShortBaseForTransientErrorsAndLongBaseForThrottling) {
  auto policy = make_policy(RetryOptions::dynamodb(), {1.0 - 1e-9});
  EXPECT_EQ(policy.max_attempts(), 4);
  RetryState transient;
  EXPECT_EQ(
      policy.on_failure(transient, service_error("InternalServerError", 500), kNow, kFarDeadline)
          .delay,
      milliseconds(24));
  RetryState throttled;
  EXPECT_EQ(policy
                .on_failure(throttled, service_error("ProvisionedThroughputExceededException", 400),
                            kNow, kFarDeadline)
                .delay,
            milliseconds(999));
}

TEST(RetryPolicy, StopsWhenBackoffWouldEndAfterDeadline) {
  auto policy = make_policy(RetryOptions::standard(), {0.5});
  RetryState state;
  const auto error = service_error("ThrottlingException", 400);
  const auto decision = policy.on_failure(state, error, kNow, kNow + milliseconds(400));
  EXPECT_EQ(decision.verdict, RetryVerdict::kDeadlineExceeded);
  EXPECT_EQ(state.attempts(), 1);
  EXPECT_EQ(policy.quota_available(), 500);
  EXPECT_TRUE(policy.on_failure(state, error, kNow, kNow + milliseconds(501)).retry());
}

TEST(RetryPolicy, RetriesTakeQuotaAndTimeoutsTakeMore) {
  auto policy = make_policy(RetryOptions::standard(), {0.0});
  RetryState state;
  ASSERT_TRUE(
      policy.on_failure(state, service_error("InternalError", 500), kNow, kFarDeadline).retry());
  EXPECT_EQ(policy.quota_available(), 495);
  RetryState timed_out;
  const Error timeout = retryable_error(std::string(kTimeoutErrorCode), "no answer");
  ASSERT_TRUE(policy.on_failure(timed_out, timeout, kNow, kFarDeadline).retry());
  EXPECT_EQ(policy.quota_available(), 485);
}

TEST(RetryPolicy, EmptyQuotaStopsRetriesUntilSuccessesRefillIt) {
  RetryOptions options;
  options.retry_quota_capacity = 10;
  auto policy = make_policy(options, {0.0});
  const auto error = service_error("ServiceUnavailable", 503);
  RetryState first;
  RetryState second;
  RetryState third;
  ASSERT_TRUE(policy.on_failure(first, error, kNow, kFarDeadline).retry());
  ASSERT_TRUE(policy.on_failure(second, error, kNow, kFarDeadline).retry());
  EXPECT_EQ(policy.on_failure(third, error, kNow, kFarDeadline).verdict,
            RetryVerdict::kQuotaExhausted);

  // A retried call that succeeds gives back what its retry took.
  policy.on_success(first);
  EXPECT_EQ(policy.quota_available(), 5);
  EXPECT_TRUE(policy.on_failure(third, error, kNow, kFarDeadline).retry());
  EXPECT_EQ(policy.quota_available(), 0);

  // A call that needed no retry gives back one unit, never beyond the capacity.
  const RetryState clean;
  for (int i = 0; i < 20; ++i) {
    policy.on_success(clean);
  }
  EXPECT_EQ(policy.quota_available(), 10);
}

TEST(RetryPolicy, DisabledQuotaNeverRunsOut) {
  RetryOptions options;
  options.retry_quota_capacity = std::nullopt;
  options.max_attempts = 2;
  auto policy = make_policy(options, {0.0});
  const auto error = service_error("ThrottlingException", 400);
  for (int i = 0; i < 1000; ++i) {
    RetryState state;
    ASSERT_TRUE(policy.on_failure(state, error, kNow, kFarDeadline).retry()) << i;
  }
}

TEST(RetryPolicy, BackoffForUnprocessedItemsGrowsWithTheRetryNumber) {
  auto policy = make_policy(RetryOptions::dynamodb(), {0.5});
  EXPECT_EQ(policy.backoff(1, true), milliseconds(500));
  EXPECT_EQ(policy.backoff(2, true), milliseconds(1000));
  EXPECT_EQ(policy.backoff(3, false), milliseconds(50));
  EXPECT_EQ(policy.quota_available(), 500);
}

TEST(RetryPolicy, RejectsZeroAttempts) {
  RetryOptions options;
  options.max_attempts = 0;
  EXPECT_THROW(make_policy(options, {0.0}), std::invalid_argument);
}

}  // namespace
}  // namespace dispatcher::core::retry
