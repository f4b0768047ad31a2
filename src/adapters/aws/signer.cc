#include "adapters/aws/signer.h"

#include <algorithm>

#include "adapters/aws/hashing.h"
#include "core/encoding/hex.h"
#include "core/encoding/url.h"
#include "core/sigv4/canonical_request.h"

namespace dispatcher::adapters::aws {
namespace {

namespace sigv4 = core::sigv4;

bool equals_ignoring_case(std::string_view left, std::string_view right) {
  return std::ranges::equal(left, right, [](char a, char b) {
    const auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    return lower(a) == lower(b);
  });
}

void remove_header(std::vector<std::pair<std::string, std::string>>& headers,
                   std::string_view name) {
  std::erase_if(headers,
                [name](const auto& header) { return equals_ignoring_case(header.first, name); });
}

bool has_header(const std::vector<std::pair<std::string, std::string>>& headers,
                std::string_view name) {
  return std::ranges::any_of(
      headers, [name](const auto& header) { return equals_ignoring_case(header.first, name); });
}

sigv4::PathEncoding path_encoding(const SigningScope& scope) {
  return scope.service == "s3" ? sigv4::PathEncoding::kAsSent
                               : sigv4::PathEncoding::kNormalizeAndEncodeAgain;
}

/// The SigV4 signing key: an HMAC chain over date, region, service. It changes once a day per
/// scope, so each thread keeps the last one it derived (four HMACs saved on every request).
const std::string& signing_key(const Credentials& credentials, std::string_view date,
                               const SigningScope& scope) {
  struct CachedKey {
    std::string secret;
    std::string date;
    std::string region;
    std::string service;
    std::string key;
  };
  thread_local CachedKey cached;
  if (cached.key.empty() || cached.secret != credentials.secret_access_key || cached.date != date ||
      cached.region != scope.region || cached.service != scope.service) {
    const std::string date_key = hmac_sha256("AWS4" + credentials.secret_access_key, date);
    const std::string region_key = hmac_sha256(date_key, scope.region);
    const std::string service_key = hmac_sha256(region_key, scope.service);
    cached = CachedKey{.secret = credentials.secret_access_key,
                       .date = std::string(date),
                       .region = scope.region,
                       .service = scope.service,
                       .key = hmac_sha256(service_key, "aws4_request")};
  }
  return cached.key;
}

/// The hex signature of `string_to_sign`.
std::string signature(const Credentials& credentials, std::string_view amz_date,
                      const SigningScope& scope, std::string_view string_to_sign) {
  return core::encoding::hex_lower(
      hmac_sha256(signing_key(credentials, amz_date.substr(0, 8), scope), string_to_sign));
}

}  // namespace

void sign_request(std::string_view method, std::string_view url,
                  std::vector<std::pair<std::string, std::string>>& headers, std::string_view body,
                  const Credentials& credentials, const SigningScope& scope,
                  std::chrono::system_clock::time_point now, bool add_content_sha256_header) {
  remove_header(headers, "authorization");
  remove_header(headers, "x-amz-date");
  remove_header(headers, "x-amz-security-token");
  if (!has_header(headers, "host")) {
    const core::encoding::UrlParts parts = core::encoding::split_url(url);
    headers.emplace_back("host", core::encoding::host_header_value(parts.scheme, parts.authority));
  }
  const std::string amz_date = sigv4::amz_date(now);
  headers.emplace_back("x-amz-date", amz_date);
  if (!credentials.session_token.empty()) {
    headers.emplace_back("x-amz-security-token", credentials.session_token);
  }
  const std::string payload_hash =
      body.empty() ? std::string(sigv4::kEmptyPayloadSha256) : sha256_hex(body);
  if (add_content_sha256_header) {
    remove_header(headers, "x-amz-content-sha256");
    headers.emplace_back("x-amz-content-sha256", payload_hash);
  }
  const std::string canonical =
      sigv4::canonical_request(method, url, headers, payload_hash, path_encoding(scope));
  const std::string credential_scope =
      sigv4::credential_scope(amz_date, scope.region, scope.service);
  const std::string to_sign =
      sigv4::string_to_sign(amz_date, credential_scope, sha256_hex(canonical));
  const sigv4::CanonicalHeaders signed_headers = sigv4::canonical_headers(headers);
  headers.emplace_back("Authorization", sigv4::authorization_header(
                                            credentials.access_key_id, credential_scope,
                                            signed_headers.signed_headers,
                                            signature(credentials, amz_date, scope, to_sign)));
}

std::string presign_url(std::string_view method, std::string_view url,
                        const Credentials& credentials, const SigningScope& scope,
                        std::chrono::system_clock::time_point now, std::chrono::seconds expires) {
  const std::string amz_date = sigv4::amz_date(now);
  const std::string credential_scope =
      sigv4::credential_scope(amz_date, scope.region, scope.service);
  sigv4::PresignRequest request =
      sigv4::presign_request(method, url, credentials.access_key_id, credentials.session_token,
                             amz_date, credential_scope, expires, path_encoding(scope));
  const std::string to_sign =
      sigv4::string_to_sign(amz_date, credential_scope, sha256_hex(request.canonical_request));
  request.url_without_signature += "&X-Amz-Signature=";
  request.url_without_signature += signature(credentials, amz_date, scope, to_sign);
  return std::move(request.url_without_signature);
}

}  // namespace dispatcher::adapters::aws
