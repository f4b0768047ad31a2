#pragma once

#include <string_view>
#include <vector>

#include "core/config/settings.h"

namespace dispatcher::app::runner {

/// `bootstrap run ...`: the standalone runner. Consumes the events table's stream and feeds each
/// batch to Application::handle, as the Lambda event source mapping would; one active runner per
/// events table (lease), others wait as standbys. `arguments` follow "run".
/// Exit codes: 0 clean shutdown (SIGTERM/SIGINT) or --once done; 1 start-up error; 2 usage
/// error; 3 --once while another runner holds the lease.
[[nodiscard]] int run_command(const std::vector<std::string_view>& arguments,
                              const core::config::Environment& environment);

}  // namespace dispatcher::app::runner
