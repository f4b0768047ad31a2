#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace dispatcher::core::encoding {

/// An instant in RFC 3339 (ISO 8601) UTC to the millisecond, "2026-11-24T02:13:20.123Z": how log
/// lines (as Powertools writes them), CloudEvents' `ce_time`, the state and offsets items and the
/// operator's reports and markers write instants. Instants before year 0 or after 9999 are
/// clamped to its first and last millisecond (a corrupt stored time still prints as a date).
[[nodiscard]] std::string rfc3339_utc(std::chrono::system_clock::time_point time);

/// The same for milliseconds since the Unix epoch, as the items store instants.
[[nodiscard]] std::string rfc3339_utc_from_epoch_milliseconds(std::int64_t milliseconds);

}  // namespace dispatcher::core::encoding
