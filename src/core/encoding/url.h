#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace dispatcher::core::encoding {

/// Percent-encodes every byte except the RFC 3986 unreserved characters (A-Z a-z 0-9 - _ . ~)
/// and the characters in `also_keep` (for example "/" for a path), with uppercase hex digits,
/// as SigV4 requires.
[[nodiscard]] std::string uri_encode(std::string_view bytes, std::string_view also_keep = {});

/// Decodes %XX sequences. A '%' not followed by two hex digits is kept literally (as servers
/// and Python's urllib do) and '+' stays '+': this is URI decoding, not form decoding.
[[nodiscard]] std::string uri_decode(std::string_view text);

/// The five parts of a URL as the text spells them, split the way Python's urllib.parse.urlsplit
/// does: never fails, nothing is decoded. `scheme://authority/path?query#fragment`.
struct UrlParts {
  std::string_view scheme;     ///< "https"; empty when the text has none
  std::string_view authority;  ///< "user@host:port"; empty when there is no "//"
  std::string_view path;       ///< "/a/b"; may be empty
  std::string_view query;      ///< without the '?'
  std::string_view fragment;   ///< without the '#'
  bool has_query = false;      ///< a '?' was present (even with nothing after it)
  bool has_fragment = false;
};

/// Splits `url` into its parts (views into `url`).
[[nodiscard]] UrlParts split_url(std::string_view url);

/// The host of an authority as an HTTP Host header names it: userinfo removed, host lowercased,
/// the port kept only when it is not the scheme's default (80 for http, 443 for https).
[[nodiscard]] std::string host_header_value(std::string_view scheme, std::string_view authority);

/// A URL checked for what an HTTP client needs: http or https, a host, an optional numeric port.
struct HttpUrl {
  std::string scheme;  ///< "http" or "https", lowercased
  std::string host;    ///< lowercased; IPv6 literals keep their brackets
  std::optional<unsigned short> port;
  std::string path;  ///< "/" when the text had none
  std::string query;
};

/// Parses an absolute http(s) URL. Errors: permanent "InvalidUrl" naming what is wrong (the URL
/// text is quoted; callers must not pass URLs that carry secrets).
[[nodiscard]] Result<HttpUrl> parse_http_url(std::string_view url);

}  // namespace dispatcher::core::encoding
