#pragma once

// Signature Version 4 text building, exactly as AWS documents it and botocore implements it:
// canonical URI, canonical query string, canonical headers, canonical request, string to sign.
// Pure: the caller hashes (SHA-256) and signs (HMAC) in the adapter and passes hashes in as hex.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dispatcher::core::sigv4 {

using Headers = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
/// SHA-256 of the empty string, the payload hash of a request without a body.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// How the URL path enters the canonical request.
enum class PathEncoding : unsigned char {
  /// Every service but S3: remove "." and ".." segments and empty segments, then URI-encode the
  /// (already encoded) path again, so "%20" becomes "%2520".
  kNormalizeAndEncodeAgain,
  /// S3: the path exactly as sent.
  kAsSent,
};

/// "20150830T123600Z": the X-Amz-Date form of `time` (UTC, whole seconds).
[[nodiscard]] std::string amz_date(std::chrono::system_clock::time_point time);

/// "20150830/us-east-1/iam/aws4_request" for the date part of `amz_date_text`.
[[nodiscard]] std::string credential_scope(std::string_view amz_date_text, std::string_view region,
                                           std::string_view service);

/// RFC 3986 section 5.2.4 dot-segment removal, which also drops empty segments ("a//b" -> "a/b")
/// as AWS services expect; an empty path becomes "/".
[[nodiscard]] std::string normalize_path(std::string_view path);

/// The canonical URI of a URL path as the URL text spells it.
[[nodiscard]] std::string canonical_uri(std::string_view path, PathEncoding encoding);

/// The canonical query string of a raw query (without '?'): each "key=value" pair (a pair
/// without '=' has an empty value) is percent-decoded and re-encoded with the unreserved set,
/// then pairs are sorted by key, then value. Repeated keys are kept. '+' is a literal plus
/// (encoded %2B), not a space: build URLs with encoding::uri_encode to avoid the ambiguity.
[[nodiscard]] std::string canonical_query_string(std::string_view query);

/// Whether a header takes part in the signature. Hop-by-hop and tracing headers that proxies or
/// the HTTP client may add or rewrite (user-agent, expect, connection, transfer-encoding,
/// traceparent, x-amzn-trace-id, ...) are left out, as in botocore.
[[nodiscard]] bool is_signed_header(std::string_view lowercase_name);

struct CanonicalHeaders {
  std::string block;           ///< "name:value\n" per signed header, sorted by name
  std::string signed_headers;  ///< "host;x-amz-date"
};

/// Names lowercased and trimmed; values trimmed with inner whitespace runs folded to one space;
/// repeated names joined with ',' in order of appearance; sorted by name.
[[nodiscard]] CanonicalHeaders canonical_headers(const Headers& headers);

/// The canonical request: method (uppercased), canonical URI and query of `url`, canonical
/// headers of `headers` (which must already hold host and x-amz-date), signed header names and
/// the payload hash.
[[nodiscard]] std::string canonical_request(std::string_view method, std::string_view url,
                                            const Headers& headers,
                                            std::string_view payload_sha256_hex,
                                            PathEncoding encoding);

/// "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex SHA-256 of the canonical request>".
[[nodiscard]] std::string string_to_sign(std::string_view amz_date_text, std::string_view scope,
                                         std::string_view canonical_request_sha256_hex);

/// "AWS4-HMAC-SHA256 Credential=<key id>/<scope>, SignedHeaders=<names>, Signature=<hex>".
[[nodiscard]] std::string authorization_header(std::string_view access_key_id,
                                               std::string_view scope,
                                               std::string_view signed_headers,
                                               std::string_view signature_hex);

/// A query-string (presigned) request before its signature is known.
struct PresignRequest {
  std::string url_without_signature;  ///< append "&X-Amz-Signature=<hex>" to finish it
  std::string canonical_request;
};

/// Builds the presigned form of `url`: its own query parameters first (decoded and re-encoded,
/// in their order), then X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
/// X-Amz-SignedHeaders=host and, when `session_token` is not empty, X-Amz-Security-Token.
/// The only signed header is host; the payload is empty. A fragment is dropped.
[[nodiscard]] PresignRequest presign_request(std::string_view method, std::string_view url,
                                             std::string_view access_key_id,
                                             std::string_view session_token,
                                             std::string_view amz_date_text, std::string_view scope,
                                             std::chrono::seconds expires, PathEncoding encoding);

}  // namespace dispatcher::core::sigv4
