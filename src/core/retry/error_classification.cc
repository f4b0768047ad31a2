#include "core/retry/error_classification.h"

#include <algorithm>
#include <array>

namespace dispatcher::core::retry {
namespace {

// The union of the throttling codes the AWS SDKs recognise (botocore's standard mode list).
constexpr std::array<std::string_view, 14> kThrottlingCodes = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};

constexpr std::array<std::string_view, 5> kTransientCodes = {
    "RequestTimeout",      "RequestTimeoutException", "InternalError",
    "InternalServerError", "ServiceUnavailable",
};

}  // namespace

bool is_throttling_code(std::string_view code) noexcept {
  return std::ranges::find(kThrottlingCodes, code) != kThrottlingCodes.end();
}

bool is_transient_code(std::string_view code) noexcept {
  return std::ranges::find(kTransientCodes, code) != kTransientCodes.end();
}

bool is_retryable_http_status(int http_status) noexcept {
  return http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504;
}

ErrorKind classify_service_error(std::string_view code, int http_status) noexcept {
  if (is_throttling_code(code) || is_transient_code(code) ||
      is_retryable_http_status(http_status)) {
    return ErrorKind::kRetryable;
  }
  return ErrorKind::kPermanent;
}

}  // namespace dispatcher::core::retry
