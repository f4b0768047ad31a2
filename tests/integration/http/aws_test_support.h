#pragma once

// Test support for the AWS adapters: builds JsonClients against the local stack or the fault
// server, with injected randomness and a sleeper that records backoff instead of waiting.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "adapters/aws/credentials.h"
#include "adapters/aws/json_client.h"
#include "adapters/http/client.h"
#include "core/clock.h"
#include "core/retry/retry_policy.h"

namespace dispatcher::testing {

/// Always the same number in [0, 1).
class FixedRandom final : public core::retry::RandomSource {
 public:
  explicit FixedRandom(double value) : value_(value) {}
  double unit() override { return value_; }

 private:
  double value_;
};

/// The value of a STACK_* variable; fails the test (not skips) when it is missing.
inline std::string stack_variable(const char* name) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    ADD_FAILURE() << name
                  << " is not set: start the local stack with `tools/stack/stack.sh start && "
                     "source .stack/env`";
    return "http://127.0.0.1:1";
  }
  return value;
}

/// prefix + 12 random hex digits, so tests sharing the stack never collide.
inline std::string unique_name(const std::string& prefix) {
  static std::mt19937_64 engine{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name = prefix;
  for (int i = 0; i < 12; ++i) {
    name += kHex[engine() % 16];
  }
  return name;
}

inline core::Deadline deadline_in(std::chrono::milliseconds duration) {
  return std::chrono::steady_clock::now() + duration;
}

/// Everything a JsonClient depends on, kept so tests can look at it.
struct AwsTestRig {
  std::shared_ptr<adapters::http::Client> http = std::make_shared<adapters::http::Client>();
  std::shared_ptr<adapters::aws::CredentialsProvider> credentials =
      std::make_shared<adapters::aws::StaticCredentialsProvider>(adapters::aws::Credentials{
          .access_key_id = "AKIDTESTDISPATCHER", .secret_access_key = "test-secret-key"});
  std::shared_ptr<core::retry::RetryPolicy> retry_policy;
  std::shared_ptr<const core::Clock> clock = std::make_shared<core::SystemClock>();
  std::shared_ptr<std::vector<std::chrono::milliseconds>> sleeps =
      std::make_shared<std::vector<std::chrono::milliseconds>>();

  /// Retry options with random fixed at 0.5; backoff is recorded, not waited for, unless
  /// `real_sleep`.
  explicit AwsTestRig(core::retry::RetryOptions options = core::retry::RetryOptions::dynamodb(),
                      double random = 0.5)
      : retry_policy(std::make_shared<core::retry::RetryPolicy>(
            std::move(options), std::make_unique<FixedRandom>(random))) {}

  std::shared_ptr<adapters::aws::JsonClient> json_client(
      const adapters::aws::JsonService& service, std::string url,
      adapters::aws::JsonClientOptions options = {}, bool real_sleep = false) {
    if (!real_sleep) {
      options.sleep = [recorded = sleeps](std::chrono::milliseconds duration) {
        recorded->push_back(duration);
      };
    }
    const std::string signing_service =
        service.name == "streams" ? "dynamodb" : std::string(service.name);
    return std::make_shared<adapters::aws::JsonClient>(
        service,
        adapters::aws::ServiceEndpoint{.url = std::move(url),
                                       .signing_region = "us-east-1",
                                       .signing_service = signing_service},
        http, credentials, retry_policy, clock, std::move(options));
  }
};

}  // namespace dispatcher::testing
