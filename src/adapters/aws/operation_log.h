#pragma once

// The process-wide record of every AWS action the adapters called, as IAM names it
// ("dynamodb:Query", "secretsmanager:GetSecretValue"). The packaging checks compare it with the
// IAM policy the dispatcher ships, so a missing permission shows up in tests, not in production.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace dispatcher::adapters::aws {

/// The environment variable naming the file the log is written to.
inline constexpr std::string_view kOperationLogVariable = "DISPATCHER_OPERATION_LOG";

/// Records one call of `action` ("service:Operation"). When DISPATCHER_OPERATION_LOG names a file
/// and the action is new to this process, the file is updated at once (merged under an exclusive
/// lock with what other processes wrote), so the record survives a process that is killed.
/// Thread-safe. Failing to write the file never fails the call; it is reported on stderr once.
void record_operation(std::string_view action);

/// The actions recorded by this process so far, sorted, without duplicates.
[[nodiscard]] std::vector<std::string> recorded_operations();

/// Merges this process's actions into `path` (one action per line, sorted, deduplicated; lines
/// already there are kept). Errors: permanent "OperationLogWriteFailed" naming the path.
[[nodiscard]] core::Status write_operation_log(const std::filesystem::path& path);

}  // namespace dispatcher::adapters::aws
