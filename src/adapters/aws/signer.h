#pragma once

// AWS Signature Version 4: signs requests (Authorization header) and presigns URLs (query
// string), byte-identical to botocore's SigV4Auth and SigV4QueryAuth.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/aws/credentials.h"

namespace dispatcher::adapters::aws {

/// The region and service name a signature is scoped to ("eu-west-1", "dynamodb").
struct SigningScope {
  std::string region;
  std::string service;
};

/// Signs one request in place. Removes any earlier Authorization, X-Amz-Date and
/// X-Amz-Security-Token headers (so a retried request can be signed again), then adds
/// `host` (when no Host header is present), `x-amz-date`, `x-amz-security-token` (when the
/// credentials carry a session token), `x-amz-content-sha256` (when asked; replacing an earlier
/// one) and `Authorization`. Every header present takes part in the signature except hop-by-hop
/// and tracing headers (see core::sigv4::is_signed_header), so add Content-Type and the like
/// before signing. The URL's path is normalised and encoded again (S3 excepted) and its query
/// canonicalised; see core/sigv4/canonical_request.h.
void sign_request(std::string_view method, std::string_view url,
                  std::vector<std::pair<std::string, std::string>>& headers, std::string_view body,
                  const Credentials& credentials, const SigningScope& scope,
                  std::chrono::system_clock::time_point now,
                  bool add_content_sha256_header = false);

/// The presigned form of `url` (for example MSK IAM's
/// "https://kafka.<region>.amazonaws.com/?Action=kafka-cluster%3AConnect"): its query followed by
/// X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders=host,
/// X-Amz-Security-Token (when the credentials carry one) and X-Amz-Signature. The payload
/// signed is empty.
[[nodiscard]] std::string presign_url(std::string_view method, std::string_view url,
                                      const Credentials& credentials, const SigningScope& scope,
                                      std::chrono::system_clock::time_point now,
                                      std::chrono::seconds expires);

}  // namespace dispatcher::adapters::aws
