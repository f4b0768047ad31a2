#pragma once

// HTTP/1.1 client on libcurl for the AWS adapters and the Lambda Runtime API. No curl type leaks
// out of this header.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace dispatcher::adapters::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// `Request::timeout` value meaning "wait as long as it takes" (the Lambda runtime's long poll).
inline constexpr std::chrono::milliseconds kNoTimeout = std::chrono::milliseconds::max();

struct Request {
  std::string method = "GET";  ///< GET, HEAD, POST, PUT, DELETE, PATCH
  std::string url;             ///< http:// or https://
  Headers headers;             ///< sent as given; curl adds Host and Content-Length when missing
  std::string body;
  /// Total time allowed for the request: 0 = the client's default, kNoTimeout = none.
  std::chrono::milliseconds timeout{0};
  /// When set, the transfer ends by this moment whatever `timeout` says, however long it waited
  /// in send_all for a free slot; one that could only start after it fails with HttpTimeout
  /// without being sent.
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

struct Response {
  long status = 0;  ///< the HTTP status code
  Headers headers;  ///< of the final response, names as the server spelled them
  std::string body;

  /// The value of the first header named `name`, compared case-insensitively.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
};

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds default_timeout{10000};  ///< used when Request::timeout is 0
  std::size_t max_concurrent_requests = 32;          ///< in flight at once in send_all
  /// PEM bundle of trusted CAs; unset = the system trust store. Peer and host verification are
  /// always on.
  std::optional<std::string> ca_bundle_path;
  std::size_t max_response_bytes = std::size_t{64} << 20U;  ///< larger bodies fail permanently
};

/// Counters over the client's lifetime, for tests and metrics.
struct ClientStatistics {
  std::uint64_t requests_completed = 0;  ///< with an HTTP response, whatever its status
  std::uint64_t connections_opened = 0;  ///< new TCP connections; fewer than requests = reuse
};

/// Sends HTTP requests through one curl multi handle, so connections (and TLS sessions and DNS
/// answers) are kept alive and reused across calls. Thread-compatible: use one instance from one
/// thread at a time (one Lambda invocation at a time); create one per thread otherwise.
class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  /// Sends one request and waits for its whole response. Any HTTP status is a Response; only
  /// transport failures are errors (service "http"), classified once:
  /// retryable — HttpTimeout, HttpConnectFailed, HttpHostNotResolved, HttpConnectionReset,
  ///   HttpPartialResponse, HttpBadResponse, HttpTlsHandshakeFailed;
  /// permanent — HttpInvalidUrl, HttpTlsVerificationFailed, HttpResponseTooLarge,
  ///   HttpTransportError (anything else curl reports).
  [[nodiscard]] core::Result<Response> send(const Request& request);

  /// Sends all requests concurrently (at most max_concurrent_requests in flight, the rest start
  /// as others finish) and waits for all of them. Result i belongs to requests[i]; errors as in
  /// send().
  [[nodiscard]] std::vector<core::Result<Response>> send_all(std::span<const Request> requests);

  [[nodiscard]] ClientStatistics statistics() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dispatcher::adapters::http
