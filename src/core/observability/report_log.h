#pragma once

#include <chrono>

#include "core/dispatch/dispatcher.h"
#include "core/observability/logger.h"

namespace dispatcher::core::observability {

/// Logs what an invocation did, as docs/operations.md (Logs) lists it: one WARN line per skipped
/// record (the report's warnings), per aggregate held at a gap, per aggregate held at a poison
/// event and per dead-lettered event; one ERROR line per failed aggregate; then exactly one INFO
/// summary line, "batch handled", with the counts, the phase and invocation durations, and the
/// dispatch lag when an event with a timestamp was delivered. Never fails.
void log_dispatch_report(Logger& logger, const dispatch::DispatchReport& report,
                         std::chrono::nanoseconds invocation_duration);

}  // namespace dispatcher::core::observability
