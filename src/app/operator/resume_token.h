#pragma once

// `bootstrap sweep --resume-token FILE`: the scan position saved after each page, so a sweep that
// stopped starts again where it was.

#include <optional>
#include <string>

#include "core/operator/sweep_plan.h"
#include "core/result.h"

namespace dispatcher::app::operator_tools {

/// The position saved in `path`; nullopt when there is no such file. Error (permanent
/// "InvalidResumeToken"): the file is not JSON, or not a scan position.
[[nodiscard]] core::Result<std::optional<core::operator_tools::ScanProgress>> load_resume_token(
    const std::string& path);

/// Saves `progress` in `path`, written aside then renamed: a crash leaves the old token or the
/// new one, never half of one. Error (permanent "ResumeTokenWriteFailed"): naming the file.
[[nodiscard]] core::Status save_resume_token(const std::string& path,
                                             const core::operator_tools::ScanProgress& progress);

}  // namespace dispatcher::app::operator_tools
