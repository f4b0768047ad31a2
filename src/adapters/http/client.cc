#include "adapters/http/client.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include "adapters/http/response_headers.h"
#include "core/filled_slots.h"

namespace dispatcher::adapters::http {
namespace {

using core::Error;
using core::ErrorKind;

struct EasyDeleter {
  void operator()(CURL* handle) const noexcept { curl_easy_cleanup(handle); }
};
struct MultiDeleter {
  void operator()(CURLM* handle) const noexcept { curl_multi_cleanup(handle); }
};
struct HeaderListDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using MultiHandle = std::unique_ptr<CURLM, MultiDeleter>;
using HeaderList = std::unique_ptr<curl_slist, HeaderListDeleter>;

void initialise_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

/// The URL without its query string: enough to name the target in an error, and a query string
/// could carry something that must not reach a log.
std::string url_for_message(std::string_view url) {
  return std::string(url.substr(0, url.find('?')));
}

/// One request in flight: the buffers curl writes into and the memory it reads from.
struct Transfer {
  std::size_t index = 0;
  const Request* request = nullptr;
  EasyHandle easy;
  HeaderList header_list;
  Response response;
  std::size_t max_response_bytes = 0;
  bool response_too_large = false;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (transfer->response.body.size() + bytes > transfer->max_response_bytes) {
    transfer->response_too_large = true;
    return 0;  // makes curl abort the transfer with CURLE_WRITE_ERROR
  }
  transfer->response.body.append(data, bytes);
  return bytes;
}

std::size_t write_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  add_header_line(transfer->response.headers, std::string_view(data, bytes));
  return bytes;
}

Error transport_error(ErrorKind kind, std::string code, const Transfer& transfer,
                      std::string_view detail) {
  Error error{.kind = kind, .code = std::move(code)};
  error.service = "http";
  error.message = transfer.request->method + " " + url_for_message(transfer.request->url) + ": " +
                  std::string(detail);
  return error;
}

/// The one place where curl's error codes become retryable or permanent errors.
Error classify_transport_failure(CURLcode code, const Transfer& transfer) {
  const std::string_view buffer(transfer.error_buffer.data());
  const std::string detail(buffer.empty() ? std::string_view(curl_easy_strerror(code)) : buffer);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return transport_error(ErrorKind::kRetryable, "HttpTimeout", transfer, detail);
    case CURLE_COULDNT_CONNECT:
      return transport_error(ErrorKind::kRetryable, "HttpConnectFailed", transfer, detail);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return transport_error(ErrorKind::kRetryable, "HttpHostNotResolved", transfer, detail);
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
      return transport_error(ErrorKind::kRetryable, "HttpConnectionReset", transfer, detail);
    case CURLE_PARTIAL_FILE:
      return transport_error(ErrorKind::kRetryable, "HttpPartialResponse", transfer, detail);
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return transport_error(ErrorKind::kRetryable, "HttpBadResponse", transfer, detail);
    case CURLE_SSL_CONNECT_ERROR:
      return transport_error(ErrorKind::kRetryable, "HttpTlsHandshakeFailed", transfer, detail);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      return transport_error(ErrorKind::kPermanent, "HttpTlsVerificationFailed", transfer, detail);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return transport_error(ErrorKind::kPermanent, "HttpInvalidUrl", transfer, detail);
    case CURLE_WRITE_ERROR:
      if (transfer.response_too_large) {
        return transport_error(
            ErrorKind::kPermanent, "HttpResponseTooLarge", transfer,
            "response body larger than " + std::to_string(transfer.max_response_bytes) + " bytes");
      }
      return transport_error(ErrorKind::kPermanent, "HttpTransportError", transfer, detail);
    default:
      return transport_error(ErrorKind::kPermanent, "HttpTransportError", transfer, detail);
  }
}

long to_curl_milliseconds(std::chrono::milliseconds duration) {
  return static_cast<long>(std::max<std::chrono::milliseconds::rep>(duration.count(), 1));
}

}  // namespace

struct Client::Impl {
  ClientOptions options;
  MultiHandle multi;
  std::vector<EasyHandle> idle_handles;
  ClientStatistics statistics;

  explicit Impl(ClientOptions client_options) : options(std::move(client_options)) {
    if (options.max_concurrent_requests == 0) {
      throw std::invalid_argument("ClientOptions::max_concurrent_requests must be at least 1");
    }
    initialise_curl_once();
    multi.reset(curl_multi_init());
    if (multi == nullptr) {
      throw std::runtime_error("curl_multi_init failed");
    }
    // Keep one idle connection per possible concurrent request, so a wave of requests finds a
    // warm connection for each of its members.
    curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS,
                      static_cast<long>(options.max_concurrent_requests));
  }

  EasyHandle take_easy_handle() {
    if (!idle_handles.empty()) {
      EasyHandle handle = std::move(idle_handles.back());
      idle_handles.pop_back();
      curl_easy_reset(handle.get());
      return handle;
    }
    EasyHandle handle(curl_easy_init());
    if (handle == nullptr) {
      throw std::bad_alloc();
    }
    return handle;
  }

  /// Configures the transfer's easy handle; an error means the request cannot be sent at all.
  std::optional<Error> configure(Transfer& transfer) {
    CURL* easy = transfer.easy.get();
    const Request& request = *transfer.request;
    CURLcode code = CURLE_OK;
    const auto set = [&](CURLoption option, auto value) {
      if (code == CURLE_OK) {
        code = curl_easy_setopt(easy, option, value);
      }
    };
    set(CURLOPT_PRIVATE, static_cast<void*>(&transfer));
    set(CURLOPT_ERRORBUFFER, transfer.error_buffer.data());
    set(CURLOPT_URL, request.url.c_str());
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    set(CURLOPT_TCP_KEEPALIVE, 1L);
    set(CURLOPT_SSL_VERIFYPEER, 1L);
    set(CURLOPT_SSL_VERIFYHOST, 2L);
    if (options.ca_bundle_path.has_value()) {
      set(CURLOPT_CAINFO, options.ca_bundle_path->c_str());
    }
    auto connect_timeout = options.connect_timeout;
    std::optional<std::chrono::milliseconds> timeout;
    if (request.timeout != kNoTimeout) {
      timeout = request.timeout.count() == 0 ? options.default_timeout : request.timeout;
    }
    if (request.deadline.has_value()) {
      // Measured when the transfer really starts, so time spent waiting for a slot counts.
      const auto left = std::chrono::floor<std::chrono::milliseconds>(
          *request.deadline - std::chrono::steady_clock::now());
      if (left <= std::chrono::milliseconds::zero()) {
        return transport_error(ErrorKind::kRetryable, "HttpTimeout", transfer,
                               "the deadline passed before the request could start");
      }
      timeout = timeout.has_value() ? std::min(*timeout, left) : left;
      connect_timeout = std::min(connect_timeout, left);
    }
    set(CURLOPT_CONNECTTIMEOUT_MS, to_curl_milliseconds(connect_timeout));
    set(CURLOPT_TIMEOUT_MS, timeout.has_value() ? to_curl_milliseconds(*timeout) : 0L);
    set(CURLOPT_WRITEFUNCTION, &write_body);
    set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
    set(CURLOPT_HEADERFUNCTION, &write_header);
    set(CURLOPT_HEADERDATA, static_cast<void*>(&transfer));

    if (request.method == "GET") {
      set(CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
      set(CURLOPT_NOBODY, 1L);
    } else {
      if (request.method != "POST") {
        set(CURLOPT_CUSTOMREQUEST, request.method.c_str());
      }
      set(CURLOPT_POST, 1L);
      // curl reads the body straight from the request, which outlives the transfer.
      set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      set(CURLOPT_POSTFIELDS, request.body.data());
    }

    // Without these, curl would wait for "100 Continue" on larger bodies and invent a form
    // Content-Type the caller did not ask for (and did not sign).
    bool has_content_type = false;
    std::vector<std::string> lines;
    for (const auto& [name, value] : request.headers) {
      has_content_type = has_content_type || same_header_name(name, "content-type");
      // "Name;" is curl's spelling of a header with an empty value.
      std::string line = name;
      line += value.empty() ? ";" : ": ";
      line += value;
      lines.push_back(std::move(line));
    }
    lines.emplace_back("Expect:");
    if (!has_content_type) {
      lines.emplace_back("Content-Type:");
    }
    for (const auto& line : lines) {
      curl_slist* appended = curl_slist_append(transfer.header_list.get(), line.c_str());
      if (appended == nullptr) {
        throw std::bad_alloc();
      }
      if (transfer.header_list == nullptr) {
        transfer.header_list.reset(appended);
      }
    }
    set(CURLOPT_HTTPHEADER, transfer.header_list.get());

    if (code != CURLE_OK) {
      return classify_transport_failure(code, transfer);
    }
    return std::nullopt;
  }

  core::Result<Response> finish(Transfer& transfer, CURLcode code) {
    long connects = 0;
    if (curl_easy_getinfo(transfer.easy.get(), CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK &&
        connects > 0) {
      statistics.connections_opened += static_cast<std::uint64_t>(connects);
    }
    if (code != CURLE_OK) {
      return core::fail(classify_transport_failure(code, transfer));
    }
    curl_easy_getinfo(transfer.easy.get(), CURLINFO_RESPONSE_CODE, &transfer.response.status);
    ++statistics.requests_completed;
    return std::move(transfer.response);
  }

  std::vector<core::Result<Response>> send_all(std::span<const Request> requests) {
    std::vector<std::optional<core::Result<Response>>> results(requests.size());
    std::vector<std::unique_ptr<Transfer>> in_flight;
    std::size_t next = 0;

    const auto release = [&](Transfer* transfer) {
      curl_multi_remove_handle(multi.get(), transfer->easy.get());
      idle_handles.push_back(std::move(transfer->easy));
      std::erase_if(in_flight, [&](const auto& owned) { return owned.get() == transfer; });
    };

    while (next < requests.size() || !in_flight.empty()) {
      while (next < requests.size() && in_flight.size() < options.max_concurrent_requests) {
        auto transfer = std::make_unique<Transfer>();
        transfer->index = next;
        transfer->request = &requests[next];
        transfer->easy = take_easy_handle();
        transfer->max_response_bytes = options.max_response_bytes;
        ++next;
        if (auto error = configure(*transfer)) {
          results[transfer->index] = core::fail(std::move(*error));
          idle_handles.push_back(std::move(transfer->easy));
          continue;
        }
        if (curl_multi_add_handle(multi.get(), transfer->easy.get()) != CURLM_OK) {
          throw std::runtime_error("curl_multi_add_handle failed");
        }
        in_flight.push_back(std::move(transfer));
      }
      if (in_flight.empty()) {
        continue;
      }

      int running = 0;
      const CURLMcode perform_code = curl_multi_perform(multi.get(), &running);
      if (perform_code != CURLM_OK) {
        throw std::runtime_error(std::string("curl_multi_perform: ") +
                                 curl_multi_strerror(perform_code));
      }
      int queued = 0;
      bool finished_any = false;
      while (CURLMsg* message = curl_multi_info_read(multi.get(), &queued)) {
        if (message->msg != CURLMSG_DONE) {
          continue;
        }
        void* owner = nullptr;
        curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &owner);
        auto* transfer = static_cast<Transfer*>(owner);
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-union-access): curl's CURLMSG_DONE sets result
        results[transfer->index] = finish(*transfer, message->data.result);
        release(transfer);
        finished_any = true;
      }
      if (!finished_any && running > 0) {
        curl_multi_poll(multi.get(), nullptr, 0, 1000, nullptr);
      }
    }

    return core::take_filled(results);
  }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

core::Result<Response> Client::send(const Request& request) {
  auto results = impl_->send_all(std::span<const Request>(&request, 1));
  return std::move(results.front());
}

std::vector<core::Result<Response>> Client::send_all(std::span<const Request> requests) {
  return impl_->send_all(requests);
}

ClientStatistics Client::statistics() const noexcept { return impl_->statistics; }

}  // namespace dispatcher::adapters::http
