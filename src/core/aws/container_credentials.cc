#include "core/aws/container_credentials.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "core/encoding/url.h"

namespace dispatcher::core::aws {
namespace {

constexpr std::string_view kRelativeUri = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
constexpr std::string_view kFullUri = "AWS_CONTAINER_CREDENTIALS_FULL_URI";

bool is_ipv4_loopback(std::string_view host) {
  // 127.0.0.0/8 written as four decimal octets.
  int octets = 0;
  std::string_view rest = host;
  while (true) {
    const std::size_t dot = rest.find('.');
    const std::string_view octet = rest.substr(0, dot);
    unsigned value = 0;
    const auto [end, error] = std::from_chars(octet.data(), octet.data() + octet.size(), value);
    if (octet.empty() || error != std::errc{} || end != octet.data() + octet.size() ||
        value > 255) {
      return false;
    }
    if (octets == 0 && value != 127) {
      return false;
    }
    ++octets;
    if (dot == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(dot + 1);
  }
  return octets == 4;
}

bool is_allowed_http_host(std::string_view host) {
  return host == "localhost" || host == "[::1]" || host == "169.254.170.2" ||
         host == "169.254.170.23" || host == "[fd00:ec2::23]" || is_ipv4_loopback(host);
}

Error invalid_response(std::string_view what) {
  return permanent_error("InvalidCredentialsResponse",
                         "container credentials response: " + std::string(what));
}

Result<std::string> required_field(const nlohmann::json& document, std::string_view name) {
  const auto found = document.find(name);
  if (found == document.end()) {
    return fail(invalid_response("missing " + std::string(name)));
  }
  if (!found->is_string() || found->get_ref<const std::string&>().empty()) {
    return fail(invalid_response(std::string(name) + " is not a non-empty string"));
  }
  return found->get<std::string>();
}

bool take_number(std::string_view& text, std::size_t digits, int& value) {
  if (text.size() < digits) {
    return false;
  }
  const std::string_view part = text.substr(0, digits);
  if (!std::ranges::all_of(part, [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  std::from_chars(part.data(), part.data() + part.size(), value);
  text.remove_prefix(digits);
  return true;
}

bool take_char(std::string_view& text, char expected) {
  if (text.empty() || text.front() != expected) {
    return false;
  }
  text.remove_prefix(1);
  return true;
}

}  // namespace

Result<std::optional<ContainerCredentialsEndpoint>> container_credentials_endpoint(
    const EnvironmentLookup& environment) {
  ContainerCredentialsEndpoint endpoint;
  if (const auto relative = non_empty_variable(environment, kRelativeUri)) {
    if (relative->front() != '/') {
      return fail(permanent_error("InvalidContainerCredentialsUri",
                                  std::string(kRelativeUri) + " must start with '/'"));
    }
    endpoint.url = std::string(kEcsCredentialsHost) + *relative;
  } else if (const auto full = non_empty_variable(environment, kFullUri)) {
    Result<encoding::HttpUrl> url = encoding::parse_http_url(*full);
    if (!url) {
      return fail(permanent_error("InvalidContainerCredentialsUri",
                                  std::string(kFullUri) + ": " + url.error().message));
    }
    if (url->scheme == "http" && !is_allowed_http_host(url->host)) {
      return fail(permanent_error(
          "InvalidContainerCredentialsUri",
          std::string(kFullUri) + " uses http to host '" + url->host +
              "'; http is only allowed to loopback addresses, 169.254.170.2, 169.254.170.23 "
              "and fd00:ec2::23 (use https otherwise)"));
    }
    endpoint.url = *full;
  } else {
    return std::optional<ContainerCredentialsEndpoint>();
  }
  if (auto file = non_empty_variable(environment, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    endpoint.authorization_token_file = std::move(*file);
  } else if (auto token = non_empty_variable(environment, "AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
    if (Status valid = check_authorization_token(*token, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
        !valid) {
      return fail(std::move(valid.error()));
    }
    endpoint.authorization_token = std::move(*token);
  }
  return std::optional<ContainerCredentialsEndpoint>(std::move(endpoint));
}

Status check_authorization_token(std::string_view token, std::string_view source) {
  if (token.find_first_of("\r\n") != std::string_view::npos) {
    return fail(permanent_error("InvalidContainerAuthorizationToken",
                                "the authorization token from " + std::string(source) +
                                    " contains a line break and cannot be sent as a header value"));
  }
  return {};
}

Result<Credentials> parse_container_credentials(std::string_view body) {
  nlohmann::json document = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return fail(invalid_response("not a JSON object"));
  }
  if (!document.contains("AccessKeyId") && document.contains("code")) {
    const auto text = [&document](std::string_view name) {
      const auto found = document.find(name);
      return found != document.end() && found->is_string() ? found->get<std::string>()
                                                           : std::string();
    };
    return fail(invalid_response("the agent answered " + text("code") + ": " + text("message")));
  }
  Credentials credentials;
  Result<std::string> key_id = required_field(document, "AccessKeyId");
  if (!key_id) {
    return fail(std::move(key_id.error()));
  }
  Result<std::string> secret = required_field(document, "SecretAccessKey");
  if (!secret) {
    return fail(std::move(secret.error()));
  }
  Result<std::string> token = required_field(document, "Token");
  if (!token) {
    return fail(std::move(token.error()));
  }
  Result<std::string> expiration_text = required_field(document, "Expiration");
  if (!expiration_text) {
    return fail(std::move(expiration_text.error()));
  }
  Result<std::chrono::system_clock::time_point> expiration = parse_iso8601(*expiration_text);
  if (!expiration) {
    return fail(invalid_response("Expiration: " + expiration.error().message));
  }
  credentials.access_key_id = std::move(*key_id);
  credentials.secret_access_key = std::move(*secret);
  credentials.session_token = std::move(*token);
  credentials.expiration = *expiration;
  return credentials;
}

Result<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text) {
  const auto invalid = [text]() {
    return fail(permanent_error(
        "InvalidTimestamp",
        "'" + std::string(text) + "' is not an ISO 8601 timestamp like 2024-01-01T00:00:00Z"));
  };
  std::string_view rest = text;
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!take_number(rest, 4, year) || !take_char(rest, '-') || !take_number(rest, 2, month) ||
      !take_char(rest, '-') || !take_number(rest, 2, day) ||
      !(take_char(rest, 'T') || take_char(rest, 't')) || !take_number(rest, 2, hour) ||
      !take_char(rest, ':') || !take_number(rest, 2, minute) || !take_char(rest, ':') ||
      !take_number(rest, 2, second)) {
    return invalid();
  }
  std::chrono::nanoseconds fraction{0};
  if (take_char(rest, '.')) {
    long long scale = 100'000'000;
    std::size_t digits = 0;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      fraction += std::chrono::nanoseconds((rest.front() - '0') * scale);
      scale /= 10;
      rest.remove_prefix(1);
      ++digits;
    }
    if (digits == 0) {
      return invalid();
    }
  }
  std::chrono::minutes offset{0};
  if (take_char(rest, 'Z') || take_char(rest, 'z')) {
    // UTC
  } else if (!rest.empty() && (rest.front() == '+' || rest.front() == '-')) {
    const bool negative = rest.front() == '-';
    rest.remove_prefix(1);
    int offset_hours = 0;
    int offset_minutes = 0;
    if (!take_number(rest, 2, offset_hours) || !take_char(rest, ':') ||
        !take_number(rest, 2, offset_minutes)) {
      return invalid();
    }
    offset = std::chrono::hours(offset_hours) + std::chrono::minutes(offset_minutes);
    if (negative) {
      offset = -offset;
    }
  } else {
    return invalid();
  }
  if (!rest.empty() || hour > 23 || minute > 59 || second > 60) {
    return invalid();
  }
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) {
    return invalid();
  }
  const auto time_of_day =
      std::chrono::hours(hour) + std::chrono::minutes(minute) + std::chrono::seconds(second);
  const std::chrono::sys_days days{date};
  // In seconds no four-digit year overflows; system_clock's nanoseconds only reach the years
  // 1677 to 2262, and converting a time outside them was signed overflow (found by fuzzing). Such
  // a time is clamped to the nearest one the clock holds: for an expiration that keeps its
  // meaning (long expired, or never).
  const std::chrono::sys_seconds instant = days + time_of_day - offset;
  constexpr auto kEarliest =
      std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::duration::min()) +
      std::chrono::seconds(1);
  constexpr auto kLatest =
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::duration::max()) -
      std::chrono::seconds(1);
  if (instant.time_since_epoch() < kEarliest) {
    return std::chrono::system_clock::time_point(kEarliest);
  }
  if (instant.time_since_epoch() > kLatest) {
    return std::chrono::system_clock::time_point(kLatest);
  }
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(instant) + fraction;
}

}  // namespace dispatcher::core::aws
