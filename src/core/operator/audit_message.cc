#include "core/operator/audit_message.h"

#include <algorithm>
#include <charconv>
#include <string>

namespace dispatcher::core::operator_tools {

Result<std::chrono::system_clock::time_point> parse_audit_time(std::string_view text) {
  const auto usage = [text] {
    return fail(permanent_error("UsageError",
                                "--since takes a UTC time such as "
                                "2026-11-24T02:00:00Z or epoch milliseconds, not '" +
                                    std::string(text) + "'"));
  };
  const auto number = [](std::string_view digits, int& value) {
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return error == std::errc{} && end == digits.data() + digits.size() && !digits.empty();
  };
  if (!text.empty() && std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; })) {
    std::int64_t milliseconds = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), milliseconds);
    if (error != std::errc{}) {
      return usage();
    }
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(milliseconds));
  }
  // YYYY-MM-DDTHH:MM:SS[.f+]Z
  constexpr std::size_t kSecondsEnd = 19;
  if (text.size() < kSecondsEnd + 1 || text.back() != 'Z' || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':') {
    return usage();
  }
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!number(text.substr(0, 4), year) || !number(text.substr(5, 2), month) ||
      !number(text.substr(8, 2), day) || !number(text.substr(11, 2), hour) ||
      !number(text.substr(14, 2), minute) || !number(text.substr(17, 2), second) || hour > 23 ||
      minute > 59 || second > 60) {
    return usage();
  }
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) {
    return usage();
  }
  std::chrono::milliseconds fraction{0};
  const std::string_view rest = text.substr(kSecondsEnd, text.size() - kSecondsEnd - 1);
  if (!rest.empty()) {
    if (rest.front() != '.' || rest.size() < 2 ||
        !std::ranges::all_of(rest.substr(1), [](char c) { return c >= '0' && c <= '9'; })) {
      return usage();
    }
    std::string digits(rest.substr(1, 3));
    digits.resize(3, '0');
    int millis = 0;
    static_cast<void>(number(digits, millis));
    fraction = std::chrono::milliseconds(millis);
  }
  return std::chrono::system_clock::time_point(std::chrono::sys_days(date)) +
         std::chrono::hours(hour) + std::chrono::minutes(minute) + std::chrono::seconds(second) +
         fraction;
}

// ---- messages --------------------------------------------------------------------------------

Result<AuditedMessage> read_audited_message(
    std::int32_t partition, std::int64_t offset, std::optional<std::string_view> key,
    std::span<const std::pair<std::string_view, std::string_view>> headers) {
  std::optional<std::string_view> stream_type;
  std::optional<std::string_view> stream_id;
  std::optional<std::string_view> version_text;
  for (const auto& [name, value] : headers) {
    if (name == "streamType") {
      stream_type = value;
    } else if (name == "streamId") {
      stream_id = value;
    } else if (name == "version") {
      version_text = value;
    }
  }
  const auto missing = [](std::string_view header) {
    return fail(permanent_error("NotADispatcherMessage", "no " + std::string(header) + " header"));
  };
  if (!stream_type) {
    return missing("streamType");
  }
  if (!stream_id) {
    return missing("streamId");
  }
  if (!version_text) {
    return missing("version");
  }
  std::int64_t version = 0;
  const std::string_view digits = *version_text;
  const auto [position, error] =
      std::from_chars(digits.data(), digits.data() + digits.size(), version);
  const char* end = digits.data() + digits.size();
  if (error != std::errc{} || position != end || version < 0 || version > kMostAuditedVersion) {
    return fail(permanent_error("NotADispatcherMessage",
                                "the version header is not a whole number from 0 to " +
                                    std::to_string(kMostAuditedVersion)));
  }
  return AuditedMessage{.partition = partition,
                        .offset = offset,
                        .key = key,
                        .stream_type = *stream_type,
                        .stream_id = *stream_id,
                        .version = version};
}

}  // namespace dispatcher::core::operator_tools
