#include "core/sigv4/canonical_request.h"

#include <algorithm>
#include <array>

#include "core/encoding/ascii.h"
#include "core/encoding/url.h"

namespace dispatcher::core::sigv4 {
namespace {

using QueryPairs = std::vector<std::pair<std::string, std::string>>;

void append_padded(std::string& out, long long value, int width) {
  const std::string digits = std::to_string(value);
  if (static_cast<int>(digits.size()) < width) {
    out.append(static_cast<std::size_t>(width) - digits.size(), '0');
  }
  out += digits;
}

/// Trimall: trim, and fold each inner run of whitespace into one space.
void append_folded(std::string& out, std::string_view value) {
  value = encoding::trim_ascii(value);
  bool in_space = false;
  for (const char character : value) {
    if (encoding::is_ascii_space(character)) {
      in_space = true;
      continue;
    }
    if (in_space) {
      out.push_back(' ');
      in_space = false;
    }
    out.push_back(character);
  }
}

/// The decoded pairs of a raw query, in order; empty "&&" segments are skipped.
QueryPairs decode_query(std::string_view query) {
  QueryPairs pairs;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view segment = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (segment.empty()) {
      continue;
    }
    const std::size_t equals = segment.find('=');
    if (equals == std::string_view::npos) {
      pairs.emplace_back(encoding::uri_decode(segment), std::string());
    } else {
      pairs.emplace_back(encoding::uri_decode(segment.substr(0, equals)),
                         encoding::uri_decode(segment.substr(equals + 1)));
    }
  }
  return pairs;
}

std::string join_encoded(const QueryPairs& encoded_pairs) {
  std::string out;
  for (const auto& [key, value] : encoded_pairs) {
    if (!out.empty()) {
      out.push_back('&');
    }
    out += key;
    out.push_back('=');
    out += value;
  }
  return out;
}

}  // namespace

std::string amz_date(std::chrono::system_clock::time_point time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss clock_time{seconds - day};
  std::string out;
  out.reserve(16);
  append_padded(out, static_cast<int>(date.year()), 4);
  append_padded(out, static_cast<unsigned>(date.month()), 2);
  append_padded(out, static_cast<unsigned>(date.day()), 2);
  out.push_back('T');
  append_padded(out, clock_time.hours().count(), 2);
  append_padded(out, clock_time.minutes().count(), 2);
  append_padded(out, clock_time.seconds().count(), 2);
  out.push_back('Z');
  return out;
}

std::string credential_scope(std::string_view amz_date_text, std::string_view region,
                             std::string_view service) {
  std::string scope(amz_date_text.substr(0, 8));
  scope += '/';
  scope += region;
  scope += '/';
  scope += service;
  scope += "/aws4_request";
  return scope;
}

std::string normalize_path(std::string_view path) {
  if (path.empty()) {
    return "/";
  }
  std::vector<std::string_view> kept;
  std::string_view rest = path;
  while (true) {
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (segment == "..") {
      if (!kept.empty()) {
        kept.pop_back();
      }
    } else if (!segment.empty() && segment != ".") {
      kept.push_back(segment);
    }
    if (slash == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(slash + 1);
  }
  std::string out = path.front() == '/' ? "/" : "";
  for (std::size_t index = 0; index < kept.size(); ++index) {
    if (index > 0) {
      out.push_back('/');
    }
    out += kept[index];
  }
  if (path.back() == '/' && !kept.empty()) {
    out.push_back('/');
  }
  return out;
}

std::string canonical_uri(std::string_view path, PathEncoding encoding) {
  if (encoding == PathEncoding::kAsSent) {
    return path.empty() ? std::string("/") : std::string(path);
  }
  return encoding::uri_encode(normalize_path(path), "/");
}

std::string canonical_query_string(std::string_view query) {
  QueryPairs pairs = decode_query(query);
  for (auto& [key, value] : pairs) {
    key = encoding::uri_encode(key);
    value = encoding::uri_encode(value);
  }
  std::ranges::sort(pairs);
  return join_encoded(pairs);
}

bool is_signed_header(std::string_view lowercase_name) {
  static constexpr std::array<std::string_view, 14> kUnsigned = {
      "baggage",    "connection",         "expect",
      "keep-alive", "proxy-authenticate", "proxy-authorization",
      "te",         "traceparent",        "tracestate",
      "trailer",    "transfer-encoding",  "upgrade",
      "user-agent", "x-amzn-trace-id"};
  return std::ranges::find(kUnsigned, lowercase_name) == kUnsigned.end();
}

CanonicalHeaders canonical_headers(const Headers& headers) {
  // (lowercase name, original position) keeps repeated names in order of appearance.
  std::vector<std::pair<std::string, std::size_t>> names;
  names.reserve(headers.size());
  for (std::size_t index = 0; index < headers.size(); ++index) {
    std::string name = encoding::ascii_lowercase(encoding::trim_ascii(headers[index].first));
    if (is_signed_header(name)) {
      names.emplace_back(std::move(name), index);
    }
  }
  std::ranges::sort(names);
  CanonicalHeaders result;
  for (std::size_t index = 0; index < names.size(); ++index) {
    const std::string& name = names[index].first;
    const bool continues = index > 0 && names[index - 1].first == name;
    if (continues) {
      result.block.push_back(',');
    } else {
      if (index > 0) {
        result.block.push_back('\n');
        result.signed_headers.push_back(';');
      }
      result.block += name;
      result.block.push_back(':');
      result.signed_headers += name;
    }
    append_folded(result.block, headers[names[index].second].second);
  }
  if (!names.empty()) {
    result.block.push_back('\n');
  }
  return result;
}

std::string canonical_request(std::string_view method, std::string_view url, const Headers& headers,
                              std::string_view payload_sha256_hex, PathEncoding encoding) {
  const encoding::UrlParts parts = encoding::split_url(url);
  const CanonicalHeaders canonical = canonical_headers(headers);
  std::string out = encoding::ascii_uppercase(method);
  out.push_back('\n');
  out += canonical_uri(parts.path, encoding);
  out.push_back('\n');
  out += canonical_query_string(parts.query);
  out.push_back('\n');
  out += canonical.block;
  out.push_back('\n');
  out += canonical.signed_headers;
  out.push_back('\n');
  out += payload_sha256_hex;
  return out;
}

std::string string_to_sign(std::string_view amz_date_text, std::string_view scope,
                           std::string_view canonical_request_sha256_hex) {
  std::string out(kAlgorithm);
  out.push_back('\n');
  out += amz_date_text;
  out.push_back('\n');
  out += scope;
  out.push_back('\n');
  out += canonical_request_sha256_hex;
  return out;
}

std::string authorization_header(std::string_view access_key_id, std::string_view scope,
                                 std::string_view signed_headers, std::string_view signature_hex) {
  std::string out(kAlgorithm);
  out += " Credential=";
  out += access_key_id;
  out.push_back('/');
  out += scope;
  out += ", SignedHeaders=";
  out += signed_headers;
  out += ", Signature=";
  out += signature_hex;
  return out;
}

PresignRequest presign_request(std::string_view method, std::string_view url,
                               std::string_view access_key_id, std::string_view session_token,
                               std::string_view amz_date_text, std::string_view scope,
                               std::chrono::seconds expires, PathEncoding encoding) {
  const encoding::UrlParts parts = encoding::split_url(url);
  QueryPairs encoded = decode_query(parts.query);
  for (auto& [key, value] : encoded) {
    key = encoding::uri_encode(key);
    value = encoding::uri_encode(value);
  }
  std::string credential(access_key_id);
  credential.push_back('/');
  credential += scope;
  encoded.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
  encoded.emplace_back("X-Amz-Credential", encoding::uri_encode(credential));
  encoded.emplace_back("X-Amz-Date", std::string(amz_date_text));
  encoded.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  encoded.emplace_back("X-Amz-SignedHeaders", "host");
  if (!session_token.empty()) {
    encoded.emplace_back("X-Amz-Security-Token", encoding::uri_encode(session_token));
  }
  const std::string query = join_encoded(encoded);

  PresignRequest result;
  result.url_without_signature = encoding::ascii_lowercase(parts.scheme);
  result.url_without_signature += "://";
  result.url_without_signature += parts.authority;
  result.url_without_signature += parts.path;
  result.url_without_signature.push_back('?');
  result.url_without_signature += query;

  const Headers host_only = {{"host", encoding::host_header_value(parts.scheme, parts.authority)}};
  result.canonical_request = canonical_request(method, result.url_without_signature, host_only,
                                               kEmptyPayloadSha256, encoding);
  return result;
}

}  // namespace dispatcher::core::sigv4
