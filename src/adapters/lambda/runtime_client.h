#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "adapters/http/client.h"
#include "core/result.h"

namespace dispatcher::adapters::lambda {

/// One invocation handed out by the Lambda Runtime API.
struct Invocation {
  std::string request_id;  ///< Lambda-Runtime-Aws-Request-Id
  std::string payload;     ///< the event, as sent
  /// When Lambda stops the invocation (Lambda-Runtime-Deadline-Ms, wall clock).
  std::chrono::system_clock::time_point deadline;
  std::string trace_id;      ///< Lambda-Runtime-Trace-Id; empty when absent
  std::string function_arn;  ///< Lambda-Runtime-Invoked-Function-Arn; empty when absent
};

/// Client of the Lambda Runtime API (version 2018-06-01) at AWS_LAMBDA_RUNTIME_API. Errors have
/// service "lambda"; an answer of the API itself is classified once, here:
///   500 -> permanent "RuntimeApiContainerError": the environment is broken, the runtime must exit;
///   413 -> permanent "PayloadTooLarge"; other 4xx -> permanent "RuntimeApiRejected";
///   other statuses -> retryable "RuntimeApiUnavailable".
/// Transport failures are the HTTP client's errors (service "http"). One thread at a time.
class RuntimeClient {
 public:
  /// `runtime_api` is "host:port", as in AWS_LAMBDA_RUNTIME_API.
  explicit RuntimeClient(std::string runtime_api, http::ClientOptions options = {});

  /// Waits (without a timeout) for the next invocation. Besides the errors above: permanent
  /// "InvalidInvocation" when the request id or the deadline header is missing or malformed.
  [[nodiscard]] core::Result<Invocation> next();

  /// Sends the invocation's result.
  [[nodiscard]] core::Status respond(std::string_view request_id, std::string_view body);

  /// Fails the invocation: body {"errorMessage","errorType","stackTrace":[]}, header
  /// Lambda-Runtime-Function-Error-Type = error_type(error).
  [[nodiscard]] core::Status report_invocation_error(std::string_view request_id,
                                                     const core::Error& error);

  /// Tells Lambda that start-up failed (before the first next()); Lambda then ends the
  /// environment and fails the pending invocation.
  [[nodiscard]] core::Status report_init_error(const core::Error& error);

  /// "<service>.<code>" ("kafka.MSG_SIZE_TOO_LARGE"), "Runtime.<code>" without a service,
  /// "Runtime.UnknownReason" without a code: Lambda's recommended "category.reason" form.
  [[nodiscard]] static std::string error_type(const core::Error& error);

  /// The JSON error document Lambda expects.
  [[nodiscard]] static std::string error_document(const core::Error& error);

 private:
  [[nodiscard]] core::Result<http::Response> post(const std::string& path, std::string body,
                                                  http::Headers headers,
                                                  std::string_view request_id);

  std::string base_url_;
  http::Client http_;
};

}  // namespace dispatcher::adapters::lambda
