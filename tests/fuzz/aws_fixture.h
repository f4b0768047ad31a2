#pragma once

// What the fuzz targets of the AWS JSON clients share: a JsonClient exactly as the product builds
// it, over the fake transport (fake_http_transport.h), with a clock that only moves when the
// client sleeps, so retries and backoff run at full speed and deterministically.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "adapters/aws/credentials.h"
#include "adapters/aws/json_client.h"
#include "adapters/http/client.h"
#include "core/clock.h"
#include "core/retry/random_source.h"
#include "core/retry/retry_policy.h"
#include "fuzz/fake_http_transport.h"

namespace dispatcher::fuzz {

class SteppedClock final : public core::Clock {
 public:
  [[nodiscard]] std::chrono::steady_clock::time_point now() const override { return now_; }
  [[nodiscard]] std::chrono::system_clock::time_point wall_now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1'767'225'600)) +
           (now_ - std::chrono::steady_clock::time_point());
  }
  void advance(std::chrono::milliseconds step) { now_ += step; }

 private:
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
};

class HalfRandom final : public core::retry::RandomSource {
 public:
  [[nodiscard]] double unit() override { return 0.5; }
};

/// A JsonClient for `service`, retrying twice with short backoff, signing with fixed keys.
struct AwsFixture {
  explicit AwsFixture(const adapters::aws::JsonService& service) {
    core::retry::RetryOptions retry;
    retry.max_attempts = 2;
    retry.transient_base_delay = std::chrono::milliseconds(5);
    retry.throttling_base_delay = std::chrono::milliseconds(5);
    retry.retry_quota_capacity = std::nullopt;
    auto clock_owner = std::make_shared<SteppedClock>();
    clock = clock_owner;
    json = std::make_shared<adapters::aws::JsonClient>(
        service,
        adapters::aws::ServiceEndpoint{.url = "https://fuzz.us-east-1.amazonaws.com",
                                       .signing_region = "us-east-1",
                                       .signing_service = std::string(service.iam_prefix)},
        std::make_shared<adapters::http::Client>(),
        std::make_shared<adapters::aws::StaticCredentialsProvider>(
            adapters::aws::Credentials{.access_key_id = "AKIDFUZZ",
                                       .secret_access_key = "fuzz-secret-key",
                                       .session_token = {},
                                       .expiration = std::nullopt}),
        std::make_shared<core::retry::RetryPolicy>(retry, std::make_unique<HalfRandom>()),
        std::move(clock_owner),
        adapters::aws::JsonClientOptions{
            .attempt_timeout = std::chrono::milliseconds(1000),
            .sleep = [this](std::chrono::milliseconds step) { clock->advance(step); }});
  }

  [[nodiscard]] core::Deadline deadline() const { return clock->now() + std::chrono::seconds(30); }

  std::shared_ptr<SteppedClock> clock;
  std::shared_ptr<adapters::aws::JsonClient> json;
};

/// The answer every request gets: `status` and `body`, with the x-amz-crc32 of the body (so the
/// body reaches the parser) and a request id.
inline void answer_with(long status, std::string body) {
  set_responder([status, body = std::move(body)](const adapters::http::Request& /*request*/)
                    -> core::Result<adapters::http::Response> {
    return adapters::http::Response{
        .status = status,
        .headers = {{"x-amzn-RequestId", "fuzz-request"},
                    {"x-amz-crc32", std::to_string(adapters::aws::crc32(body))}},
        .body = body};
  });
}

/// Splits "<status>\n<body>": a first line of three digits is the HTTP status; otherwise the whole
/// input is a 200 body.
inline std::pair<long, std::string_view> status_and_body(std::string_view input) {
  if (input.size() >= 4 && input[3] == '\n' && input[0] >= '1' && input[0] <= '5' &&
      input[1] >= '0' && input[1] <= '9' && input[2] >= '0' && input[2] <= '9') {
    const long status = (input[0] - '0') * 100L + (input[1] - '0') * 10L + (input[2] - '0');
    return {status, input.substr(4)};
  }
  return {200, input};
}

}  // namespace dispatcher::fuzz
