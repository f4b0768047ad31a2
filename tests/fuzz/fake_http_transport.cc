#include "fuzz/fake_http_transport.h"

#include <utility>

namespace dispatcher::adapters::http {

struct Client::Impl {
  ClientStatistics statistics;
};

namespace {

fuzz::Responder& responder() {
  static fuzz::Responder instance;
  return instance;
}

std::vector<Request>& requests() {
  static std::vector<Request> instance;
  return instance;
}

}  // namespace

Client::Client(ClientOptions /*options*/) : impl_(std::make_unique<Impl>()) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

core::Result<Response> Client::send(const Request& request) {
  requests().push_back(request);
  ++impl_->statistics.requests_completed;
  if (!responder()) {
    return core::fail(core::retryable_error("HttpConnectFailed", "no fuzz responder installed"));
  }
  return responder()(request);
}

std::vector<core::Result<Response>> Client::send_all(std::span<const Request> batch) {
  std::vector<core::Result<Response>> responses;
  responses.reserve(batch.size());
  for (const Request& request : batch) {
    responses.push_back(send(request));
  }
  return responses;
}

ClientStatistics Client::statistics() const noexcept { return impl_->statistics; }

}  // namespace dispatcher::adapters::http

namespace dispatcher::fuzz {

void set_responder(Responder responder) {
  adapters::http::responder() = std::move(responder);
  adapters::http::requests().clear();
}

const std::vector<adapters::http::Request>& sent_requests() { return adapters::http::requests(); }

}  // namespace dispatcher::fuzz
