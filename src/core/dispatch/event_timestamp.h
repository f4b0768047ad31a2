#pragma once

#include <chrono>
#include <optional>

#include "core/dynamodb/attribute_value.h"

namespace dispatcher::core::dispatch {

/// When the event happened, from its `timestamp` attribute (N), for dispatch lag. The unit is
/// guessed from the magnitude, as writers differ: below 1e11 seconds, above 1e14 microseconds,
/// else milliseconds (1e11 s is the year 5138; 1e11 ms is 1973). A fraction is kept to the
/// millisecond. nullopt: missing, not a number, negative or out of range.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> event_timestamp(
    const dynamodb::Item& item);

}  // namespace dispatcher::core::dispatch
