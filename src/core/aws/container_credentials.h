#pragma once

// Container credentials (ECS task roles, EKS Pod Identity): where to fetch them and how to read
// the answer. The fetch itself is I/O and lives in adapters/aws.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/aws/credentials.h"
#include "core/aws/environment_lookup.h"
#include "core/result.h"

namespace dispatcher::core::aws {

/// The ECS agent's fixed address, prefixed to AWS_CONTAINER_CREDENTIALS_RELATIVE_URI.
inline constexpr std::string_view kEcsCredentialsHost = "http://169.254.170.2";

/// Where and how to ask for container credentials.
struct ContainerCredentialsEndpoint {
  std::string url;
  /// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: read on every fetch (EKS rotates it); wins over
  /// `authorization_token`.
  std::string authorization_token_file;
  std::string authorization_token;  ///< AWS_CONTAINER_AUTHORIZATION_TOKEN
};

/// The endpoint named by the environment, nullopt when neither
/// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set (the
/// relative one wins, as in the SDKs). A full URI must be https, or http to a loopback address
/// (127.0.0.0/8, ::1, localhost) or to the ECS/EKS agents (169.254.170.2, 169.254.170.23,
/// fd00:ec2::23), so credentials never travel in clear text elsewhere. Errors: permanent
/// "InvalidContainerCredentialsUri" naming the variable and the rule broken.
[[nodiscard]] Result<std::optional<ContainerCredentialsEndpoint>> container_credentials_endpoint(
    const EnvironmentLookup& environment);

/// Checks that an authorization token can be sent as a header value (no CR or LF).
/// Errors: permanent "InvalidContainerAuthorizationToken" naming `source` (never the value).
[[nodiscard]] Status check_authorization_token(std::string_view token, std::string_view source);

/// Reads the credentials document the container agent returns:
/// {"AccessKeyId", "SecretAccessKey", "Token", "Expiration": "2024-01-01T00:00:00Z"}.
/// Errors: permanent "InvalidCredentialsResponse" naming the missing or malformed field; the
/// document itself is never quoted (it holds secrets). A {"code", "message"} error document is
/// reported with its code and message.
[[nodiscard]] Result<Credentials> parse_container_credentials(std::string_view body);

/// Parses an RFC 3339 / ISO 8601 UTC timestamp: "2024-01-01T00:00:00Z", optional fractional
/// seconds, 'Z' or a numeric offset ("+01:00"). A time outside the years system_clock holds
/// (about 1678 to 2261; Go's zero time "0001-01-01T00:00:00Z" is one) is clamped to the nearest
/// one it holds.
/// Errors: permanent "InvalidTimestamp".
[[nodiscard]] Result<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text);

}  // namespace dispatcher::core::aws
