#include "adapters/lambda/runtime_client.h"

#include <charconv>
#include <cstdint>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

namespace dispatcher::adapters::lambda {
namespace {

constexpr std::string_view kApiVersion = "/2018-06-01/runtime/";
constexpr std::string_view kErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";
constexpr long kFirstSuccess = 200;
constexpr long kFirstRedirect = 300;
constexpr long kStatusPayloadTooLarge = 413;
constexpr long kStatusContainerError = 500;
constexpr long kFirstClientError = 400;
constexpr long kFirstServerError = 500;

core::Error lambda_error(core::ErrorKind kind, std::string code, std::string message,
                         long status = 0, std::string_view request_id = {}) {
  return core::Error{.kind = kind,
                     .code = std::move(code),
                     .message = std::move(message),
                     .service = "lambda",
                     .http_status = static_cast<int>(status),
                     .request_id = std::string(request_id)};
}

// The one place an answer of the Runtime API becomes an error.
std::optional<core::Error> status_error(const http::Response& response, std::string_view what,
                                        std::string_view request_id) {
  if (response.status >= kFirstSuccess && response.status < kFirstRedirect) {
    return std::nullopt;
  }
  std::string message = std::string(what) + " answered HTTP " + std::to_string(response.status);
  if (!response.body.empty()) {
    message += ": " + response.body.substr(0, 512);
  }
  if (response.status == kStatusContainerError) {
    return lambda_error(core::ErrorKind::kPermanent, "RuntimeApiContainerError",
                        std::move(message) + " (the environment is broken; the runtime must exit)",
                        response.status, request_id);
  }
  if (response.status == kStatusPayloadTooLarge) {
    return lambda_error(core::ErrorKind::kPermanent, "PayloadTooLarge", std::move(message),
                        response.status, request_id);
  }
  if (response.status >= kFirstClientError && response.status < kFirstServerError) {
    return lambda_error(core::ErrorKind::kPermanent, "RuntimeApiRejected", std::move(message),
                        response.status, request_id);
  }
  return lambda_error(core::ErrorKind::kRetryable, "RuntimeApiUnavailable", std::move(message),
                      response.status, request_id);
}

// Request ids are UUIDs; anything else is percent-encoded so it cannot change the path.
std::string path_segment(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string encoded;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                            (byte >= '0' && byte <= '9') || c == '-' || c == '_' || c == '.' ||
                            c == '~';
    if (unreserved) {
      encoded.push_back(c);
    } else {
      encoded.push_back('%');
      encoded.push_back(kHex[byte >> 4U]);
      encoded.push_back(kHex[byte & 0x0FU]);
    }
  }
  return encoded;
}

/// Milliseconds since the epoch, when `text` is one the system clock can hold: converting a larger
/// one to its nanoseconds overflowed (found by fuzzing), and a deadline before 1970 is no deadline.
std::optional<std::int64_t> parse_milliseconds(std::string_view text) {
  constexpr std::int64_t kLatest =
      std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::duration::max())
          .count();
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || text.empty() || value < 0 ||
      value > kLatest) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

RuntimeClient::RuntimeClient(std::string runtime_api, http::ClientOptions options)
    : base_url_("http://" + std::move(runtime_api) + std::string(kApiVersion)),
      http_(std::move(options)) {}

core::Result<Invocation> RuntimeClient::next() {
  http::Request request{.method = "GET", .url = base_url_ + "invocation/next"};
  request.timeout = http::kNoTimeout;  // Lambda answers when an event arrives, however late
  auto response = http_.send(request);
  if (!response) {
    return core::fail(response.error());
  }
  if (auto error = status_error(*response, "invocation/next", {})) {
    return core::fail(*error);
  }
  Invocation invocation;
  const auto request_id = response->header("Lambda-Runtime-Aws-Request-Id");
  if (!request_id || request_id->empty()) {
    return core::fail(lambda_error(core::ErrorKind::kPermanent, "InvalidInvocation",
                                   "invocation/next sent no Lambda-Runtime-Aws-Request-Id"));
  }
  invocation.request_id = std::string(*request_id);
  const auto deadline_header = response->header("Lambda-Runtime-Deadline-Ms");
  const auto deadline_ms =
      deadline_header ? parse_milliseconds(*deadline_header) : std::optional<std::int64_t>{};
  if (!deadline_ms) {
    return core::fail(lambda_error(core::ErrorKind::kPermanent, "InvalidInvocation",
                                   "invocation/next sent no valid Lambda-Runtime-Deadline-Ms",
                                   response->status, invocation.request_id));
  }
  invocation.deadline =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(*deadline_ms));
  if (const auto trace_id = response->header("Lambda-Runtime-Trace-Id")) {
    invocation.trace_id = std::string(*trace_id);
  }
  if (const auto arn = response->header("Lambda-Runtime-Invoked-Function-Arn")) {
    invocation.function_arn = std::string(*arn);
  }
  invocation.payload = std::move(response->body);
  return invocation;
}

core::Status RuntimeClient::respond(std::string_view request_id, std::string_view body) {
  auto response = post("invocation/" + path_segment(request_id) + "/response", std::string(body),
                       {}, request_id);
  if (!response) {
    return core::fail(response.error());
  }
  return {};
}

core::Status RuntimeClient::report_invocation_error(std::string_view request_id,
                                                    const core::Error& error) {
  auto response = post("invocation/" + path_segment(request_id) + "/error", error_document(error),
                       {{std::string(kErrorTypeHeader), error_type(error)}}, request_id);
  if (!response) {
    return core::fail(response.error());
  }
  return {};
}

core::Status RuntimeClient::report_init_error(const core::Error& error) {
  auto response = post("init/error", error_document(error),
                       {{std::string(kErrorTypeHeader), error_type(error)}}, {});
  if (!response) {
    return core::fail(response.error());
  }
  return {};
}

std::string RuntimeClient::error_type(const core::Error& error) {
  if (error.code.empty()) {
    return "Runtime.UnknownReason";
  }
  return (error.service.empty() ? std::string("Runtime") : error.service) + "." + error.code;
}

std::string RuntimeClient::error_document(const core::Error& error) {
  const nlohmann::json document{{"errorMessage", error.describe()},
                                {"errorType", error_type(error)},
                                {"stackTrace", nlohmann::json::array()}};
  // Replace invalid UTF-8 instead of throwing: the message may quote arbitrary input.
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

core::Result<http::Response> RuntimeClient::post(const std::string& path, std::string body,
                                                 http::Headers headers,
                                                 std::string_view request_id) {
  headers.emplace_back("Content-Type", "application/json");
  const http::Request request{.method = "POST",
                              .url = base_url_ + path,
                              .headers = std::move(headers),
                              .body = std::move(body)};
  auto response = http_.send(request);
  if (!response) {
    return core::fail(response.error());
  }
  if (auto error = status_error(*response, path, request_id)) {
    return core::fail(*error);
  }
  return response;
}

}  // namespace dispatcher::adapters::lambda
