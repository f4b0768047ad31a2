#include "core/encoding/utc_time.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace dispatcher::core::encoding {

std::string rfc3339_utc(std::chrono::system_clock::time_point time) {
  return rfc3339_utc_from_epoch_milliseconds(
      std::chrono::floor<std::chrono::milliseconds>(time.time_since_epoch()).count());
}

std::string rfc3339_utc_from_epoch_milliseconds(std::int64_t milliseconds) {
  using namespace std::chrono;  // NOLINT(google-build-using-namespace): calendar arithmetic
  constexpr std::int64_t kFirst = -62'167'219'200'000;  // 0000-01-01T00:00:00.000Z
  constexpr std::int64_t kLast = 253'402'300'799'999;   // 9999-12-31T23:59:59.999Z
  const std::chrono::milliseconds since_epoch(std::clamp(milliseconds, kFirst, kLast));
  const auto day = floor<days>(since_epoch);
  const year_month_day date{sys_days(day)};
  const hh_mm_ss clock(since_epoch - day);
  std::array<char, 32> text{};
  const int length = std::snprintf(
      text.data(), text.size(), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
      static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
      static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
      static_cast<int>(clock.minutes().count()), static_cast<int>(clock.seconds().count()),
      static_cast<int>(clock.subseconds().count()));
  return {text.data(), static_cast<std::size_t>(std::max(length, 0))};
}

}  // namespace dispatcher::core::encoding
