#include "core/dispatch/event_timestamp.h"

#include <charconv>
#include <cmath>
#include <cstdint>
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

}  // namespace dispatcher::core::dispatch
