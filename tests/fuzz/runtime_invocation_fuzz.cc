// The Lambda Runtime API's answer to GET /invocation/next: its status, header lines (read by
// adapters::http::add_header_line, the code the curl client hands every header line to) and
// body, through adapters::lambda::RuntimeClient as shipped (only the socket is replaced).
//
// Input: a first line of three digits, the status (200 without it), then header lines up to an
// empty line, then the body (the event).
//
// Invariants beyond not crashing:
//  - an invocation has a non-empty request id, the first Lambda-Runtime-Aws-Request-Id header
//    (names compared case-insensitively), and the deadline of Lambda-Runtime-Deadline-Ms;
//    the payload is the body unchanged;
//  - a refusal is one of the documented codes, service "lambda";
//  - answering the invocation posts to /invocation/<id>/response and failing it to .../error,
//    with the id percent-encoded: whatever the id holds, it cannot change the path;
//  - the error document is JSON whatever bytes the error message carries.

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "adapters/http/response_headers.h"
#include "adapters/lambda/runtime_client.h"
#include "fuzz/fake_http_transport.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_text.h"

namespace {

using dispatcher::adapters::http::Headers;
using dispatcher::adapters::http::Request;
using dispatcher::adapters::http::Response;

constexpr std::string_view kBase = "http://127.0.0.1:9001/2018-06-01/runtime/";

bool is_path_safe(std::string_view segment) {
  for (std::size_t i = 0; i < segment.size(); ++i) {
    const char c = segment[i];
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (c == '%') {
      if (i + 2 >= segment.size() ||
          std::isxdigit(static_cast<unsigned char>(segment[i + 1])) == 0 ||
          std::isxdigit(static_cast<unsigned char>(segment[i + 2])) == 0) {
        return false;
      }
      i += 2;
    } else if (!unreserved) {
      return false;
    }
  }
  return true;
}

std::string percent_decoded(std::string_view segment) {
  std::string out;
  for (std::size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '%') {
      out.push_back(
          static_cast<char>(std::stoi(std::string(segment.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(segment[i]);
    }
  }
  return out;
}

/// The path after kBase of the one request sent, which must be a POST to
/// invocation/<id>/<action> with the id encoded.
void check_posted(std::string_view request_id, std::string_view action) {
  const auto& requests = dispatcher::fuzz::sent_requests();
  FUZZ_CHECK(requests.size() == 1, "not exactly one request");
  const Request& request = requests.front();
  FUZZ_CHECK(request.method == "POST", request.method);
  FUZZ_CHECK(std::string_view(request.url).starts_with(std::string(kBase) + "invocation/"),
             "a response posted outside invocation/");
  std::string_view rest = std::string_view(request.url).substr(kBase.size() + 11);
  const std::string suffix = "/" + std::string(action);
  FUZZ_CHECK(rest.ends_with(suffix), "the id changed the path's end");
  const std::string_view segment = rest.substr(0, rest.size() - suffix.size());
  FUZZ_CHECK(is_path_safe(segment), "the id is not percent-encoded");
  FUZZ_CHECK(percent_decoded(segment) == request_id, "the id does not survive encoding");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = dispatcher::fuzz::as_text(data, size);
  long status = 200;
  if (input.size() >= 4 && input[3] == '\n' && std::isdigit(static_cast<unsigned char>(input[0])) &&
      std::isdigit(static_cast<unsigned char>(input[1])) &&
      std::isdigit(static_cast<unsigned char>(input[2]))) {
    status = std::stol(std::string(input.substr(0, 3)));
    input.remove_prefix(4);
  }
  // Header lines as curl hands them over: each with its CRLF, after the status line.
  Headers headers;
  dispatcher::adapters::http::add_header_line(headers, "HTTP/1.1 200 OK\r\n");
  while (!input.empty()) {
    const auto end = input.find('\n');
    const std::string_view line =
        input.substr(0, end == std::string_view::npos ? input.size() : end + 1);
    input.remove_prefix(line.size());
    if (line == "\n" || line == "\r\n") {
      break;
    }
    dispatcher::adapters::http::add_header_line(headers, line);
  }
  for (const auto& [name, value] : headers) {
    FUZZ_CHECK(name.find('\n') == std::string::npos && value.find('\n') == std::string::npos &&
                   name.find(':') == std::string::npos,
               "a header line split wrongly");
  }
  const std::string body(input);
  const Response response{.status = status, .headers = headers, .body = body};
  dispatcher::fuzz::set_responder(
      [&response](const Request& /*request*/) -> dispatcher::core::Result<Response> {
        return response;
      });

  static dispatcher::adapters::lambda::RuntimeClient client("127.0.0.1:9001");
  auto invocation = client.next();
  if (!invocation) {
    const auto& error = invocation.error();
    FUZZ_CHECK(error.service == "lambda", error.service);
    FUZZ_CHECK(error.code == "RuntimeApiContainerError" || error.code == "PayloadTooLarge" ||
                   error.code == "RuntimeApiRejected" || error.code == "RuntimeApiUnavailable" ||
                   error.code == "InvalidInvocation",
               error.code);
    FUZZ_CHECK(!error.message.empty(), "an error without a message");
    const auto document = nlohmann::json::parse(
        dispatcher::adapters::lambda::RuntimeClient::error_document(error), nullptr, false);
    FUZZ_CHECK(document.is_object() && document.contains("errorMessage"),
               "the error document is not JSON");
    return 0;
  }
  FUZZ_CHECK(status >= 200 && status < 300, "an error status taken as an invocation");
  const auto request_id = response.header("Lambda-Runtime-Aws-Request-Id");
  FUZZ_CHECK(
      request_id.has_value() && !request_id->empty() && *request_id == invocation->request_id,
      "the request id is not the header's");
  const auto deadline = response.header("Lambda-Runtime-Deadline-Ms");
  std::int64_t deadline_ms = 0;
  FUZZ_CHECK(
      deadline.has_value() &&
          std::from_chars(deadline->data(), deadline->data() + deadline->size(), deadline_ms).ptr ==
              deadline->data() + deadline->size(),
      "an invocation without a numeric deadline");
  FUZZ_CHECK(
      std::chrono::duration_cast<std::chrono::milliseconds>(invocation->deadline.time_since_epoch())
              .count() == deadline_ms,
      "the deadline is not the header's");
  FUZZ_CHECK(invocation->payload == body, "the payload changed");

  const Response accepted{.status = 202, .headers = {}, .body = {}};
  dispatcher::fuzz::set_responder(
      [&accepted](const Request& /*request*/) -> dispatcher::core::Result<Response> {
        return accepted;
      });
  FUZZ_CHECK(client.respond(invocation->request_id, "{}").has_value(), "respond failed");
  check_posted(invocation->request_id, "response");
  dispatcher::fuzz::set_responder(
      [&accepted](const Request& /*request*/) -> dispatcher::core::Result<Response> {
        return accepted;
      });
  const auto error = dispatcher::core::permanent_error("InvalidStreamEvent", invocation->payload);
  FUZZ_CHECK(client.report_invocation_error(invocation->request_id, error).has_value(),
             "report_invocation_error failed");
  check_posted(invocation->request_id, "error");
  const auto& posted = dispatcher::fuzz::sent_requests().front();
  FUZZ_CHECK(!nlohmann::json::parse(posted.body, nullptr, false).is_discarded(),
             "the error document is not JSON");
  return 0;
}
