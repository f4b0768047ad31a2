#include "adapters/aws/json_client.h"

#include <algorithm>
#include <array>
#include <optional>
#include <thread>
#include <utility>

#include <zlib.h>

#include "adapters/aws/operation_log.h"
#include "adapters/aws/signer.h"
#include "core/encoding/bytes.h"
#include "core/filled_slots.h"
#include "core/retry/error_classification.h"

namespace dispatcher::adapters::aws {
namespace {

using core::Error;
using core::ErrorKind;

/// "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException" -> "ResourceNotFoundException";
/// "InvalidParameter:http://internal.amazon.com/coral/" -> "InvalidParameter".
std::string error_code_from_type(std::string_view type) {
  if (const auto hash = type.rfind('#'); hash != std::string_view::npos) {
    type.remove_prefix(hash + 1);
  }
  if (const auto colon = type.find(':'); colon != std::string_view::npos) {
    type = type.substr(0, colon);
  }
  return std::string(type);
}

std::string string_member(const nlohmann::json& object, std::initializer_list<const char*> names) {
  if (!object.is_object()) {
    return {};
  }
  for (const char* name : names) {
    const auto found = object.find(name);
    if (found != object.end() && found->is_string()) {
      return found->get<std::string>();
    }
  }
  return {};
}

/// The text of the first <tag>...</tag> in `xml`; empty when there is none. Some front ends (and
/// moto) answer JSON-protocol requests with an XML ErrorResponse.
std::string xml_element(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  const auto start = xml.find(open);
  if (start == std::string_view::npos) {
    return {};
  }
  const auto end = xml.find(close, start + open.size());
  if (end == std::string_view::npos) {
    return {};
  }
  return std::string(xml.substr(start + open.size(), end - start - open.size()));
}

std::string request_id_of(const http::Response& response) {
  for (const char* name : {"x-amzn-RequestId", "x-amz-request-id"}) {
    if (const auto value = response.header(name)) {
      return std::string(*value);
    }
  }
  return {};
}

/// "http://127.0.0.1:8000" -> "http://127.0.0.1:8000/": JSON-protocol requests go to the root.
std::string request_url(std::string url) {
  const auto scheme_end = url.find("://");
  const auto path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (path_start == std::string::npos) {
    url += '/';
  }
  return url;
}

}  // namespace

std::uint32_t crc32(std::string_view bytes) noexcept {
  // zlib's: several bytes per step, where a table lookup per byte cost about as much as decoding
  // a 1 MB Query page. zlib takes a length of uInt, so a larger text goes in pieces.
  uLong crc = ::crc32(0L, Z_NULL, 0);
  while (!bytes.empty()) {
    const auto piece = static_cast<uInt>(std::min<std::size_t>(bytes.size(), 1U << 30U));
    crc = ::crc32(crc, core::encoding::bytes_of(bytes), piece);
    bytes.remove_prefix(piece);
  }
  return static_cast<std::uint32_t>(crc);
}

JsonClient::JsonClient(JsonService service, ServiceEndpoint endpoint,
                       std::shared_ptr<http::Client> http,
                       std::shared_ptr<CredentialsProvider> credentials,
                       std::shared_ptr<core::retry::RetryPolicy> retry_policy,
                       std::shared_ptr<const core::Clock> clock, JsonClientOptions options)
    : service_(service),
      endpoint_(std::move(endpoint)),
      http_(std::move(http)),
      credentials_(std::move(credentials)),
      retry_policy_(std::move(retry_policy)),
      clock_(std::move(clock)),
      options_(std::move(options)) {
  if (!http_ || !credentials_ || !retry_policy_ || !clock_) {
    throw std::invalid_argument(
        "JsonClient needs an HTTP client, credentials, a retry policy "
        "and a clock");
  }
  endpoint_.url = request_url(std::move(endpoint_.url));
}

void JsonClient::sleep(std::chrono::milliseconds duration) const {
  if (duration.count() <= 0) {
    return;
  }
  if (options_.sleep) {
    options_.sleep(duration);
  } else {
    std::this_thread::sleep_for(duration);
  }
}

namespace {

Error make_error(const JsonService& service, std::string_view operation, ErrorKind kind,
                 std::string code, std::string_view message, int http_status,
                 std::string request_id) {
  Error error{.kind = kind, .code = std::move(code)};
  error.service = std::string(service.name);
  error.message = std::string(operation) + ": " + std::string(message);
  error.http_status = http_status;
  error.request_id = std::move(request_id);
  return error;
}

/// The one place where an HTTP outcome of a JSON-protocol call becomes a value or a classified
/// error.
/// Whether `body` can be a JSON object at all: its first and last non-blank characters are braces.
/// The cheap check of a raw_output call, whose body the caller parses.
bool looks_like_json_object(std::string_view body) {
  constexpr std::string_view kBlank = " \t\r\n";
  const auto first = body.find_first_not_of(kBlank);
  const auto last = body.find_last_not_of(kBlank);
  return first != std::string_view::npos && body[first] == '{' && body[last] == '}';
}

core::Result<JsonResponse> interpret(const JsonService& service, const JsonCall& call,
                                     core::Result<http::Response>& outcome) {
  const std::string_view operation = call.operation;
  if (!outcome.has_value()) {
    Error error = std::move(outcome.error());
    error.service = std::string(service.name);
    error.message = std::string(operation) + ": " + error.message;
    return core::fail(std::move(error));
  }
  http::Response& response = *outcome;
  const int status = static_cast<int>(response.status);
  std::string request_id = request_id_of(response);

  if (service.checks_crc32) {
    if (const auto expected = response.header("x-amz-crc32")) {
      const std::string actual = std::to_string(crc32(response.body));
      if (*expected != actual) {
        return core::fail(make_error(service, operation, ErrorKind::kRetryable, "CRC32CheckFailed",
                                     "response body does not match its x-amz-crc32 header", status,
                                     std::move(request_id)));
      }
    }
  }

  if (call.raw_output && status >= 200 && status < 300) {
    const bool is_object = call.check_raw_body ? call.check_raw_body(response.body)
                                               : looks_like_json_object(response.body);
    if (!is_object) {
      return core::fail(make_error(service, operation, ErrorKind::kRetryable, "InvalidResponseBody",
                                   "the response body is not a JSON object (" +
                                       std::to_string(response.body.size()) + " bytes)",
                                   status, std::move(request_id)));
    }
    return JsonResponse{.output = nlohmann::json::object(),
                        .body = std::move(response.body),
                        .request_id = std::move(request_id)};
  }

  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (response.body.empty()) {
    body = nlohmann::json::object();
  }

  if (status >= 200 && status < 300) {
    if (!body.is_object()) {
      return core::fail(make_error(service, operation, ErrorKind::kRetryable, "InvalidResponseBody",
                                   "the response body is not a JSON object (" +
                                       std::to_string(response.body.size()) + " bytes)",
                                   status, std::move(request_id)));
    }
    return JsonResponse{.output = std::move(body), .request_id = std::move(request_id)};
  }

  std::string type = string_member(body, {"__type", "code"});
  if (type.empty()) {
    if (const auto header = response.header("x-amzn-ErrorType")) {
      type = std::string(*header);
    }
  }
  std::string message = string_member(body, {"message", "Message", "errorMessage"});
  if (type.empty() && body.is_discarded()) {
    type = xml_element(response.body, "Code");
    message = xml_element(response.body, "Message");
  }
  std::string code = error_code_from_type(type);
  if (code.empty()) {
    code = "HttpStatus" + std::to_string(status);
  }
  if (message.empty()) {
    message = "HTTP " + std::to_string(status) + " without an error message";
  }
  const ErrorKind kind = core::retry::classify_service_error(code, status);
  return core::fail(make_error(service, operation, kind, std::move(code), message, status,
                               std::move(request_id)));
}

std::string_view verdict_text(core::retry::RetryVerdict verdict) {
  switch (verdict) {
    case core::retry::RetryVerdict::kAttemptsExhausted:
      return "attempts exhausted";
    case core::retry::RetryVerdict::kQuotaExhausted:
      return "retry quota exhausted";
    case core::retry::RetryVerdict::kDeadlineExceeded:
      return "deadline too close to back off";
    case core::retry::RetryVerdict::kRetry:
    case core::retry::RetryVerdict::kNotRetryable:
      break;
  }
  return "not retryable";
}

}  // namespace

core::Result<JsonResponse> JsonClient::call(std::string_view operation, const nlohmann::json& input,
                                            core::Deadline deadline) {
  const std::array<JsonCall, 1> calls{
      JsonCall{.operation = std::string(operation), .input = input}};
  auto results = call_all(calls, deadline);
  return std::move(results.front());
}

std::vector<core::Result<JsonResponse>> JsonClient::call_all(std::span<const JsonCall> calls,
                                                             core::Deadline deadline) {
  std::vector<std::optional<core::Result<JsonResponse>>> results(calls.size());
  std::vector<core::retry::RetryState> states(calls.size());
  std::vector<std::string> bodies;
  bodies.reserve(calls.size());
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    record_operation(std::string(service_.iam_prefix) + ":" + calls[i].operation);
    bodies.push_back(calls[i].input.dump());
    pending.push_back(i);
  }

  while (!pending.empty()) {
    const auto now = clock_->now();
    if (now >= deadline) {
      for (const std::size_t i : pending) {
        results[i] = core::fail(make_error(
            service_, calls[i].operation, ErrorKind::kRetryable, "DeadlineExceeded",
            "the deadline passed after " + std::to_string(states[i].attempts() - 1) + " attempts",
            0, {}));
      }
      break;
    }
    auto credentials = credentials_->credentials();
    if (!credentials.has_value()) {
      for (const std::size_t i : pending) {
        results[i] = core::fail(credentials.error());
      }
      break;
    }

    const auto remaining = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    const auto timeout = std::min(options_.attempt_timeout, remaining);
    const auto signing_time = clock_->wall_now();
    const SigningScope scope{.region = endpoint_.signing_region,
                             .service = endpoint_.signing_service};
    std::vector<http::Request> requests;
    requests.reserve(pending.size());
    for (const std::size_t i : pending) {
      http::Request request;
      request.method = "POST";
      request.url = endpoint_.url;
      request.headers = {
          {"Content-Type", std::string(service_.content_type)},
          {"X-Amz-Target", std::string(service_.target_prefix) + "." + calls[i].operation},
      };
      // The body is copied into the request: the original is re-signed and re-sent on retry.
      request.body = bodies[i];
      request.timeout = timeout;
      // Requests beyond the client's concurrency wait for a slot; the deadline still holds.
      request.deadline = std::chrono::steady_clock::now() + (deadline - now);
      sign_request(request.method, request.url, request.headers, request.body, *credentials, scope,
                   signing_time);
      requests.push_back(std::move(request));
    }

    auto responses = http_->send_all(requests);
    const auto judged_at = clock_->now();
    std::vector<std::size_t> retry;
    std::chrono::milliseconds wait{0};
    for (std::size_t k = 0; k < pending.size(); ++k) {
      const std::size_t i = pending[k];
      auto outcome = interpret(service_, calls[i], responses[k]);
      if (outcome.has_value()) {
        outcome->attempts = states[i].attempts();
        retry_policy_->on_success(states[i]);
        results[i] = std::move(outcome);
        continue;
      }
      const auto decision =
          retry_policy_->on_failure(states[i], outcome.error(), judged_at, deadline);
      if (decision.retry()) {
        retry.push_back(i);
        wait = std::max(wait, decision.delay);
        continue;
      }
      if (decision.verdict != core::retry::RetryVerdict::kNotRetryable) {
        outcome.error().message += " (gave up after " + std::to_string(states[i].attempts()) +
                                   " attempts: " + std::string(verdict_text(decision.verdict)) +
                                   ")";
      }
      results[i] = std::move(outcome);
    }
    if (!retry.empty()) {
      sleep(wait);
    }
    pending = std::move(retry);
  }

  return core::take_filled(results);
}

}  // namespace dispatcher::adapters::aws
