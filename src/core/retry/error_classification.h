#pragma once

#include <string_view>

#include "core/result.h"

namespace dispatcher::core::retry {

/// The error code the HTTP adapter gives a request that ran out of time. The retry quota charges
/// timeouts more than other transient failures, as the AWS SDKs' standard mode does.
inline constexpr std::string_view kTimeoutErrorCode = "HttpTimeout";

/// True for the error codes every AWS SDK's standard retry mode treats as throttling
/// (ThrottlingException, ProvisionedThroughputExceededException, SlowDown, ...).
[[nodiscard]] bool is_throttling_code(std::string_view code) noexcept;

/// True for the error codes the standard mode treats as transient (RequestTimeout,
/// InternalServerError, ServiceUnavailable, ...), throttling codes excluded.
[[nodiscard]] bool is_transient_code(std::string_view code) noexcept;

/// True for HTTP 500, 502, 503 and 504.
[[nodiscard]] bool is_retryable_http_status(int http_status) noexcept;

/// Classifies an error response of an AWS service: retryable when the code is throttling or
/// transient, or when the HTTP status is 500/502/503/504; permanent otherwise (validation errors,
/// failed conditions, missing resources, access denied, ...).
[[nodiscard]] ErrorKind classify_service_error(std::string_view code, int http_status) noexcept;

}  // namespace dispatcher::core::retry
