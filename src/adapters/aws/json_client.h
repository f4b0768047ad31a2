#pragma once

// The AWS JSON protocol (1.0 and 1.1): POST / with X-Amz-Target "<prefix>.<Operation>", a JSON
// body, SigV4, and errors as {"__type": "...#Code", "message": "..."}. Used by the DynamoDB,
// DynamoDB Streams, Secrets Manager and SSM clients.

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/aws/credentials.h"
#include "adapters/http/client.h"
#include "core/aws/endpoints.h"
#include "core/clock.h"
#include "core/result.h"
#include "core/retry/retry_policy.h"

namespace dispatcher::adapters::aws {

/// What distinguishes one JSON-protocol service from another.
struct JsonService {
  std::string_view name;           ///< core::Error::service of its errors: "dynamodb", ...
  std::string_view iam_prefix;     ///< IAM action prefix for the operation log: "dynamodb", ...
  std::string_view target_prefix;  ///< X-Amz-Target before the '.': "DynamoDB_20120810", ...
  std::string_view content_type;   ///< "application/x-amz-json-1.0" or "-1.1"
  bool checks_crc32 = false;       ///< verify the x-amz-crc32 response header (DynamoDB)
};

inline constexpr JsonService kDynamoDbService{
    .name = "dynamodb",
    .iam_prefix = "dynamodb",
    .target_prefix = "DynamoDB_20120810",
    .content_type = "application/x-amz-json-1.0",
    .checks_crc32 = true,
};
/// DynamoDB Streams: its IAM actions live under "dynamodb:" (dynamodb:GetRecords, ...).
inline constexpr JsonService kDynamoDbStreamsService{
    .name = "streams",
    .iam_prefix = "dynamodb",
    .target_prefix = "DynamoDBStreams_20120810",
    .content_type = "application/x-amz-json-1.0",
    .checks_crc32 = true,
};
inline constexpr JsonService kSecretsManagerService{
    .name = "secretsmanager",
    .iam_prefix = "secretsmanager",
    .target_prefix = "secretsmanager",
    .content_type = "application/x-amz-json-1.1",
};
inline constexpr JsonService kSsmService{
    .name = "ssm",
    .iam_prefix = "ssm",
    .target_prefix = "AmazonSSM",
    .content_type = "application/x-amz-json-1.1",
};

/// Where to send requests and how to sign them (core::aws::resolve_endpoint makes one from the
/// environment). For DynamoDB Streams the signing service is "dynamodb" while the endpoint is
/// streams.dynamodb.<region>.amazonaws.com.
using ServiceEndpoint = core::aws::ServiceEndpoint;

/// Waits; injected so tests can observe backoff without waiting for it.
using Sleeper = std::function<void(std::chrono::milliseconds)>;

struct JsonClientOptions {
  /// Time allowed for one HTTP attempt; each attempt is further capped by the call's deadline.
  std::chrono::milliseconds attempt_timeout{10000};
  Sleeper sleep;  ///< empty = std::this_thread::sleep_for
};

struct JsonCall {
  std::string operation;  ///< "Query", "GetSecretValue", ...
  nlohmann::json input;   ///< the request body
  /// Hand a successful response's body over as text (JsonResponse::body) instead of parsing it
  /// into `output`, for callers that decode large bodies themselves (simdjson). The body is still
  /// checksummed, and one that is not a JSON object is still the retryable "InvalidResponseBody",
  /// retried like any other. Error responses are parsed as always.
  bool raw_output = false;
  /// With raw_output: decides whether a 2xx body is a JSON object, and may decode it on the way
  /// (the caller keeps what it decoded). Empty: only the first and last non-blank characters are
  /// looked at.
  std::function<bool(const std::string& body)> check_raw_body;
};

struct JsonResponse {
  nlohmann::json output;   ///< the parsed response body ({} for an empty body or a raw_output call)
  std::string body;        ///< the response body, for a raw_output call
  std::string request_id;  ///< x-amzn-RequestId, when sent
  int attempts = 1;        ///< attempts made, including the successful one
};

/// Sends JSON-protocol calls with signing, checksum verification, error parsing and retries.
/// Thread-compatible, like the HTTP client and retry policy it shares.
class JsonClient {
 public:
  JsonClient(JsonService service, ServiceEndpoint endpoint, std::shared_ptr<http::Client> http,
             std::shared_ptr<CredentialsProvider> credentials,
             std::shared_ptr<core::retry::RetryPolicy> retry_policy,
             std::shared_ptr<const core::Clock> clock, JsonClientOptions options = {});

  /// Calls one operation, retrying retryable failures as the policy allows until `deadline`.
  /// Every attempt is signed afresh. Errors carry service, code, message, http_status, request_id
  /// and kind:
  ///  - the service's own error code (`__type` after '#'), retryable or permanent as
  ///    core::retry::classify_service_error says, e.g. ValidationException (permanent),
  ///    ProvisionedThroughputExceededException (retryable);
  ///  - "CRC32CheckFailed" (retryable) when the body does not match x-amz-crc32;
  ///  - "InvalidResponseBody" (retryable) when a 2xx body is not a JSON object;
  ///  - the HTTP client's transport codes (HttpTimeout, HttpConnectionReset, ...);
  ///  - "DeadlineExceeded" (retryable) when the deadline passed before an attempt could start;
  ///  - the credentials provider's error when no credentials could be had.
  /// A retryable error returned after retrying says how many attempts were made.
  [[nodiscard]] core::Result<JsonResponse> call(std::string_view operation,
                                                const nlohmann::json& input,
                                                core::Deadline deadline);

  /// Sends all calls concurrently; the ones that fail retryably are retried together after one
  /// backoff, the rest keep their results. Result i belongs to calls[i]; errors as in call().
  [[nodiscard]] std::vector<core::Result<JsonResponse>> call_all(std::span<const JsonCall> calls,
                                                                 core::Deadline deadline);

  [[nodiscard]] const JsonService& service() const noexcept { return service_; }
  [[nodiscard]] core::retry::RetryPolicy& retry_policy() noexcept { return *retry_policy_; }
  [[nodiscard]] const core::Clock& clock() const noexcept { return *clock_; }
  /// Waits `duration` with the injected sleeper (for loops that retry unprocessed batch entries).
  void sleep(std::chrono::milliseconds duration) const;

 private:
  JsonService service_;
  ServiceEndpoint endpoint_;
  std::shared_ptr<http::Client> http_;
  std::shared_ptr<CredentialsProvider> credentials_;
  std::shared_ptr<core::retry::RetryPolicy> retry_policy_;
  std::shared_ptr<const core::Clock> clock_;
  JsonClientOptions options_;
};

/// CRC32 (IEEE 802.3, as zlib computes it) of `bytes`; DynamoDB's x-amz-crc32 is its decimal text.
[[nodiscard]] std::uint32_t crc32(std::string_view bytes) noexcept;

}  // namespace dispatcher::adapters::aws
