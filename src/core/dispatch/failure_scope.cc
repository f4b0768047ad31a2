#include "core/dispatch/failure_scope.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace dispatcher::core::dispatch {
namespace {

using namespace std::string_view_literals;

// AWS error codes that say the deployment is wrong: the table, the role or the credentials.
constexpr std::array kDeploymentAwsCodes = {
    "ResourceNotFoundException"sv,
    "AccessDeniedException"sv,
    "AccessDenied"sv,
    "UnrecognizedClientException"sv,
    "InvalidSignatureException"sv,
    "MissingAuthenticationToken"sv,
    "MissingAuthenticationTokenException"sv,
    "IncompleteSignature"sv,
    "InvalidClientTokenId"sv,
    "ExpiredTokenException"sv,
    "ExpiredToken"sv,
    "NoCredentials"sv,
    "TableNotFoundException"sv,
};

// librdkafka's error names (rd_kafka_err2name) that say the cluster, the topic or the login is
// wrong, not one message.
constexpr std::array kDeploymentKafkaCodes = {
    "_UNKNOWN_TOPIC"sv,
    "UNKNOWN_TOPIC_OR_PART"sv,
    "_UNKNOWN_PARTITION"sv,
    "TOPIC_AUTHORIZATION_FAILED"sv,
    "CLUSTER_AUTHORIZATION_FAILED"sv,
    "_AUTHENTICATION"sv,
    "SASL_AUTHENTICATION_FAILED"sv,
    "_SSL"sv,
};

// Transport failures that no retry mends: the endpoint or its certificate is wrong.
constexpr std::array kDeploymentHttpCodes = {
    "HttpInvalidUrl"sv,
    "HttpTlsVerificationFailed"sv,
};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& codes, std::string_view code) noexcept {
  return std::ranges::find(codes, code) != codes.end();
}

bool is_deployment_error(const Error& error) noexcept {
  if (error.service == "config") {
    return true;
  }
  if (error.service == "kafka") {
    return contains(kDeploymentKafkaCodes, error.code);
  }
  if (error.service == "http") {
    return contains(kDeploymentHttpCodes, error.code);
  }
  return contains(kDeploymentAwsCodes, error.code) || error.http_status == 403;
}

}  // namespace

const char* failure_scope_name(FailureScope scope) noexcept {
  switch (scope) {
    case FailureScope::kRetry:
      return "retry";
    case FailureScope::kHoldAggregate:
      return "hold-aggregate";
    case FailureScope::kFailInvocation:
      return "fail-invocation";
  }
  return "unknown";
}

FailureScope failure_scope(const Error& error) noexcept {
  if (is_deployment_error(error)) {
    return FailureScope::kFailInvocation;
  }
  if (error.retryable()) {
    return FailureScope::kRetry;
  }
  return FailureScope::kHoldAggregate;
}

}  // namespace dispatcher::core::dispatch
