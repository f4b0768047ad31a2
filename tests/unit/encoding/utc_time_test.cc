#include "core/encoding/utc_time.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>

namespace dispatcher::core::encoding {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

TEST(Rfc3339Utc, FormatsUtcToTheMillisecond) {
  EXPECT_EQ(rfc3339_utc(system_clock::time_point(milliseconds(1700000000123))),
            "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(rfc3339_utc(system_clock::time_point(milliseconds(0))), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(rfc3339_utc(system_clock::time_point(milliseconds(951782400000))),
            "2000-02-29T00:00:00.000Z");
}

TEST(Rfc3339Utc, DropsWhatIsFinerThanAMillisecondTowardsThePast) {
  const auto at = system_clock::time_point(milliseconds(1700000000123));
  EXPECT_EQ(rfc3339_utc(at + std::chrono::microseconds(999)), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(rfc3339_utc(system_clock::time_point(std::chrono::microseconds(-1))),
            "1969-12-31T23:59:59.999Z");
}

TEST(Rfc3339Utc, EpochMillisecondsGiveTheSameText) {
  EXPECT_EQ(rfc3339_utc_from_epoch_milliseconds(1700000000123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(rfc3339_utc_from_epoch_milliseconds(0), "1970-01-01T00:00:00.000Z");
  // Before the epoch the millisecond still counts forwards from the second before.
  EXPECT_EQ(rfc3339_utc_from_epoch_milliseconds(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(rfc3339_utc_from_epoch_milliseconds(-1001), "1969-12-31T23:59:58.999Z");
}

TEST(Rfc3339Utc, ClampsInstantsOutsideYearsZeroTo9999) {
  // A corrupt stored instant still prints as a four-digit date, never as garbage or by overflow.
  EXPECT_EQ(rfc3339_utc_from_epoch_milliseconds(std::numeric_limits<std::int64_t>::max()),
            "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(rfc3339_utc_from_epoch_milliseconds(std::numeric_limits<std::int64_t>::min()),
            "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(rfc3339_utc_from_epoch_milliseconds(253402300800000), "9999-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace dispatcher::core::encoding
