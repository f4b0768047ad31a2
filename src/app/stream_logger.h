#pragma once

#include <cstdio>

#include "core/config/settings.h"
#include "core/observability/logger.h"

namespace dispatcher::app {

/// A logger that writes one JSON document per line to `stream`, flushed after each, for the
/// service SERVICE_NAME names (as under Lambda, whose log agent reads standard output).
core::observability::Logger stream_logger(const core::config::Environment& environment,
                                          core::config::LogLevel level, std::FILE* stream);

}  // namespace dispatcher::app
