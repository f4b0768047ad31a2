#pragma once

#include <chrono>

#include "adapters/aws/credentials.h"
#include "adapters/http/client.h"

namespace dispatcher::adapters::aws {

/// An HttpGet for the credentials providers that sends through `client` (which must outlive
/// it). A 2xx answer yields the body; other statuses are errors "CredentialsEndpointStatus"
/// naming the status, retryable for 429 and 5xx, permanent otherwise; transport errors are the
/// client's, already classified.
[[nodiscard]] HttpGet http_get_through(http::Client& client,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace dispatcher::adapters::aws
