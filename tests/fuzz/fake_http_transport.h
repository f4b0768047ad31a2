#pragma once

// A link seam for the fuzz targets: fake_http_transport.cc defines adapters::http::Client, so a
// target linked with it gets every adapter (JsonClient, DynamoDbClient, RuntimeClient, ...)
// exactly as shipped, with the fuzz input as the server's answer instead of a socket. The linker
// then never takes client.cc's object out of the dispatcher_adapters archive; if anything made
// it, the link would fail on the duplicate symbols rather than silently use curl.

#include <functional>
#include <vector>

#include "adapters/http/client.h"
#include "core/result.h"

namespace dispatcher::fuzz {

/// Answers every request any http::Client sends, in this process.
using Responder =
    std::function<core::Result<adapters::http::Response>(const adapters::http::Request& request)>;

/// Installs `responder` (for one fuzz input) and forgets the requests recorded so far.
void set_responder(Responder responder);

/// The requests sent since set_responder, in order.
[[nodiscard]] const std::vector<adapters::http::Request>& sent_requests();

}  // namespace dispatcher::fuzz
