#include "core/dispatch/event_timestamp.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace dispatcher::core::dispatch {

std::optional<std::chrono::system_clock::time_point> event_timestamp(const dynamodb::Item& item) {
  const std::string* text = dynamodb::number_attribute(item, "timestamp");
  if (text == nullptr) {
    return std::nullopt;
  }
  double value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc{} || end != text->data() + text->size() || !std::isfinite(value) ||
      value < 0) {
    return std::nullopt;
  }
  constexpr double kSecondsBelow = 1e11;
  constexpr double kMicrosecondsAbove = 1e14;
  double milliseconds = value;
  if (value < kSecondsBelow) {
    milliseconds = value * 1e3;
  } else if (value > kMicrosecondsAbove) {
    milliseconds = value / 1e3;
  }
  // The year 2255: beyond it system_clock's nanoseconds overflow, and no event is dated there.
  constexpr double kLatestMilliseconds = 9e12;
  if (milliseconds > kLatestMilliseconds) {
    return std::nullopt;
  }
  return std::chrono::system_clock::time_point(
      std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(milliseconds))));
}

std::string rfc3339_utc(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;  // NOLINT(google-build-using-namespace): calendar arithmetic
  const auto milliseconds_since_epoch = time_point_cast<milliseconds>(time);
  const auto day = floor<days>(milliseconds_since_epoch);
  const year_month_day date(day);
  const hh_mm_ss clock(milliseconds_since_epoch - day);
  std::array<char, 32> text{};
  const int length = std::snprintf(
      text.data(), text.size(), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
      static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
      static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
      static_cast<int>(clock.minutes().count()), static_cast<int>(clock.seconds().count()),
      static_cast<int>(clock.subseconds().count()));
  return {text.data(), static_cast<std::size_t>(length)};
}

}  // namespace dispatcher::core::dispatch
