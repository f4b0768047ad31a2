#pragma once

// Region and service endpoints as the AWS SDKs resolve them from the environment.

#include <string>
#include <string_view>

#include "core/aws/environment_lookup.h"
#include "core/result.h"

namespace dispatcher::core::aws {

/// Where to send a service's requests and how to sign them.
struct ServiceEndpoint {
  std::string url;  ///< "https://dynamodb.eu-west-1.amazonaws.com": scheme and authority, plus
                    ///< the override's path if it had one; no trailing '/'
  std::string signing_region;
  std::string signing_service;  ///< SigV4 service name ("dynamodb" also for streams.dynamodb)
};

/// The region from AWS_REGION, else AWS_DEFAULT_REGION.
/// Errors: permanent "MissingRegion" naming both variables when neither is set;
/// "InvalidRegion" when the value is not lowercase letters, digits and '-'.
[[nodiscard]] Result<std::string> region_from_environment(const EnvironmentLookup& environment);

/// The endpoint of `service_id`: "dynamodb", "streams.dynamodb", "secretsmanager", "ssm" or
/// "sts". An override from AWS_ENDPOINT_URL_<SERVICE> (DYNAMODB, DYNAMODB_STREAMS,
/// SECRETS_MANAGER, SSM, STS), else AWS_ENDPOINT_URL, wins unless
/// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true; otherwise https://<service_id>.<region>.amazonaws.com
/// (amazonaws.com.cn in cn-* regions).
/// Errors: permanent "UnknownService" for another id; "InvalidEndpoint" naming the variable
/// whose URL is malformed; "InvalidRegion" as above.
[[nodiscard]] Result<ServiceEndpoint> resolve_endpoint(std::string_view service_id,
                                                       std::string_view region,
                                                       const EnvironmentLookup& environment);

}  // namespace dispatcher::core::aws
