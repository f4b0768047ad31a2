#pragma once

// Amazon MSK IAM authentication tokens (SASL/OAUTHBEARER), built exactly as the official signer
// aws-msk-iam-sasl-signer-python 1.0.2 builds them: a SigV4 query-presigned
// "GET https://kafka.<region>.amazonaws.com/?Action=kafka-cluster%3AConnect" (service
// "kafka-cluster", X-Amz-Expires=900), then a "User-Agent" query parameter, the whole URL in
// URL-safe base64 without padding. Pure: the presigning (HMAC) is done by the caller
// (adapters::aws::presign_url), so this part stays free of crypto libraries.

#include <chrono>
#include <string>
#include <string_view>

namespace dispatcher::core::aws {

/// The SigV4 service name MSK IAM tokens are signed for.
inline constexpr std::string_view kMskIamSigningService = "kafka-cluster";
/// X-Amz-Expires of the presigned URL; the token is valid this long after its signing time.
inline constexpr std::chrono::seconds kMskIamTokenLifetime{900};
/// A token is replaced once less than this is left: the broker checks the token only when a
/// connection authenticates, so a fresh one must be ready for every reconnect, and a Lambda may
/// thaw long after the token was made.
inline constexpr std::chrono::seconds kMskIamRefreshMargin{300};
/// What this product sends as the token's User-Agent parameter.
inline constexpr std::string_view kMskIamUserAgent = "ddb-eventstore-dispatcher";

/// A token and the instant it stops being accepted.
struct MskIamToken {
  std::string value;
  std::chrono::system_clock::time_point expiry;
};

/// "https://kafka.<region>.amazonaws.com/?Action=kafka-cluster%3AConnect": the URL to presign
/// (GET, service kMskIamSigningService, expires kMskIamTokenLifetime).
[[nodiscard]] std::string msk_iam_connect_url(std::string_view region);

/// The token for `presigned_url` (msk_iam_connect_url presigned at `signing_time` with
/// X-Amz-Expires = `lifetime`): the URL with "&User-Agent=<user_agent, URI-encoded>" appended, in
/// unpadded URL-safe base64. Its expiry is `signing_time` truncated to whole seconds (as
/// X-Amz-Date is) plus `lifetime`.
[[nodiscard]] MskIamToken msk_iam_token(std::string_view presigned_url, std::string_view user_agent,
                                        std::chrono::system_clock::time_point signing_time,
                                        std::chrono::seconds lifetime = kMskIamTokenLifetime);

/// Whether a token expiring at `expiry` must be replaced at `now`: true once less than `margin`
/// is left, including after expiry (a Lambda thawed after a long freeze).
[[nodiscard]] bool token_needs_refresh(std::chrono::system_clock::time_point expiry,
                                       std::chrono::system_clock::time_point now,
                                       std::chrono::seconds margin = kMskIamRefreshMargin);

}  // namespace dispatcher::core::aws
