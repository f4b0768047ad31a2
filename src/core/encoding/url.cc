#include "core/encoding/url.h"

#include "core/encoding/ascii.h"

#include <algorithm>
#include <charconv>

namespace dispatcher::core::encoding {
namespace {

bool is_unreserved(char character) {
  return (character >= 'A' && character <= 'Z') || (character >= 'a' && character <= 'z') ||
         (character >= '0' && character <= '9') || character == '-' || character == '_' ||
         character == '.' || character == '~';
}

int hex_value(char character) {
  if (character >= '0' && character <= '9') {
    return character - '0';
  }
  if (character >= 'a' && character <= 'f') {
    return character - 'a' + 10;
  }
  if (character >= 'A' && character <= 'F') {
    return character - 'A' + 10;
  }
  return -1;
}

bool is_scheme_character(char character) {
  return (character >= 'A' && character <= 'Z') || (character >= 'a' && character <= 'z') ||
         (character >= '0' && character <= '9') || character == '+' || character == '-' ||
         character == '.';
}

struct HostAndPort {
  std::string_view host;  ///< without brackets
  std::string_view port;  ///< text after ':'; may be empty
  bool bracketed = false;
  bool has_port = false;  ///< a ':' introduced a port (possibly empty)
};

HostAndPort split_host_and_port(std::string_view authority) {
  const std::size_t at = authority.rfind('@');
  const std::string_view host_info =
      at == std::string_view::npos ? authority : authority.substr(at + 1);
  HostAndPort result;
  const std::size_t open = host_info.find('[');
  if (open != std::string_view::npos) {
    result.bracketed = true;
    const std::string_view bracketed = host_info.substr(open + 1);
    const std::size_t close = bracketed.find(']');
    result.host = bracketed.substr(0, close);
    if (close != std::string_view::npos) {
      const std::string_view after = bracketed.substr(close + 1);
      const std::size_t colon = after.find(':');
      if (colon != std::string_view::npos) {
        result.port = after.substr(colon + 1);
        result.has_port = true;
      }
    }
    return result;
  }
  const std::size_t colon = host_info.find(':');
  result.host = host_info.substr(0, colon);
  if (colon != std::string_view::npos) {
    result.port = host_info.substr(colon + 1);
    result.has_port = true;
  }
  return result;
}

std::optional<unsigned short> parse_port(std::string_view text) {
  unsigned int value = 0;
  if (text.empty() || !std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value > 65535U) {
    return std::nullopt;
  }
  return static_cast<unsigned short>(value);
}

}  // namespace

std::string uri_encode(std::string_view bytes, std::string_view also_keep) {
  constexpr std::string_view kHexDigits = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() + (bytes.size() / 2));
  for (const char character : bytes) {
    if (is_unreserved(character) || also_keep.find(character) != std::string_view::npos) {
      out.push_back(character);
      continue;
    }
    const auto value = static_cast<unsigned char>(character);
    out.push_back('%');
    out.push_back(kHexDigits[value >> 4U]);
    out.push_back(kHexDigits[value & 0x0FU]);
  }
  return out;
}

std::string uri_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t index = 0; index < text.size(); ++index) {
    if (text[index] == '%' && index + 2 < text.size()) {
      const int high = hex_value(text[index + 1]);
      const int low = hex_value(text[index + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>((high << 4) | low));
        index += 2;
        continue;
      }
    }
    out.push_back(text[index]);
  }
  return out;
}

UrlParts split_url(std::string_view url) {
  UrlParts parts;
  std::string_view rest = url;
  const std::size_t colon = rest.find(':');
  if (colon != std::string_view::npos && colon > 0 &&
      ((rest[0] >= 'A' && rest[0] <= 'Z') || (rest[0] >= 'a' && rest[0] <= 'z')) &&
      std::ranges::all_of(rest.substr(0, colon), is_scheme_character)) {
    parts.scheme = rest.substr(0, colon);
    rest.remove_prefix(colon + 1);
  }
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    const std::size_t end = rest.find_first_of("/?#");
    parts.authority = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }
  const std::size_t hash = rest.find('#');
  if (hash != std::string_view::npos) {
    parts.fragment = rest.substr(hash + 1);
    parts.has_fragment = true;
    rest = rest.substr(0, hash);
  }
  const std::size_t question = rest.find('?');
  if (question != std::string_view::npos) {
    parts.query = rest.substr(question + 1);
    parts.has_query = true;
    rest = rest.substr(0, question);
  }
  parts.path = rest;
  return parts;
}

std::string host_header_value(std::string_view scheme, std::string_view authority) {
  const HostAndPort host_and_port = split_host_and_port(authority);
  std::string host = ascii_lowercase(host_and_port.host);
  if (host_and_port.bracketed) {
    host = "[" + host + "]";
  }
  const std::optional<unsigned short> port = parse_port(host_and_port.port);
  if (port) {
    const std::string lower_scheme = ascii_lowercase(scheme);
    const bool is_default =
        (lower_scheme == "http" && *port == 80) || (lower_scheme == "https" && *port == 443);
    if (!is_default) {
      host += ":" + std::to_string(*port);
    }
  }
  return host;
}

Result<HttpUrl> parse_http_url(std::string_view url) {
  const auto invalid = [url](std::string_view why) {
    return fail(permanent_error("InvalidUrl",
                                "invalid URL '" + std::string(url) + "': " + std::string(why)));
  };
  if (url.find_first_of(" \t\r\n") != std::string_view::npos) {
    return invalid("contains whitespace");
  }
  const UrlParts parts = split_url(url);
  HttpUrl result;
  result.scheme = ascii_lowercase(parts.scheme);
  if (result.scheme != "http" && result.scheme != "https") {
    return invalid("the scheme must be http or https");
  }
  if (parts.authority.empty()) {
    return invalid("no host");
  }
  const HostAndPort host_and_port = split_host_and_port(parts.authority);
  if (host_and_port.host.empty()) {
    return invalid("no host");
  }
  result.host = ascii_lowercase(host_and_port.host);
  if (host_and_port.bracketed) {
    result.host = "[" + result.host + "]";
  }
  if (host_and_port.has_port) {
    result.port = parse_port(host_and_port.port);
    if (!result.port) {
      return invalid("the port must be a number from 0 to 65535");
    }
  }
  if (parts.has_fragment) {
    return invalid("a fragment ('#') is not allowed");
  }
  result.path = parts.path.empty() ? std::string("/") : std::string(parts.path);
  result.query = std::string(parts.query);
  return result;
}

}  // namespace dispatcher::core::encoding
