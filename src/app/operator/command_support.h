#pragma once

// What several operator commands share: their console output (usage and service errors, audit
// lines, the scan progress line, versions as text and JSON), who the operator is, and the steps
// on one aggregate (inspect it, ring its doorbell).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "app/operator/operator_commands.h"
#include "app/operator/operator_context.h"
#include "core/clock.h"
#include "core/config/settings.h"
#include "core/operator/aggregate_status.h"
#include "core/result.h"

namespace dispatcher::app::operator_tools {

/// The deadline of each call a command makes.
inline constexpr auto kCommandTime = std::chrono::seconds(60);
/// Parallel Scan segments when --segments is not given.
inline constexpr std::int64_t kDefaultSegments = 4;
/// The least time between two progress lines.
inline constexpr auto kProgressInterval = std::chrono::seconds(1);

/// Prints "bootstrap <command>: <message>" and the command's help on standard error; kExitUsage.
int usage_error(Console& console, std::string_view command, const core::Error& error,
                std::string_view help);

/// Prints "bootstrap <command>: <error described>" on standard error; kExitError.
int command_error(Console& console, std::string_view command, const core::Error& error);

/// "user@host", for audit lines: who acted, as far as this machine knows.
[[nodiscard]] std::string operator_identity(const core::config::Environment& environment);

/// Writes `line` with "audit": true as one JSON line on standard error.
void log_audit_line(Console& console, nlohmann::json line);

/// The version, or JSON null for none.
[[nodiscard]] nlohmann::json optional_version(std::optional<std::int64_t> version);

/// The version, or "none".
[[nodiscard]] std::string version_text(std::optional<std::int64_t> version);

/// Prints "<what>: scanned N items, M aggregates" at most once per interval, from the first
/// interval on.
class ProgressLine {
 public:
  ProgressLine(Console& console, std::string what, const core::Clock& clock);

  /// `acted` > 0 adds ", K doorbells rung".
  void update(std::size_t items, std::size_t aggregates, std::size_t acted = 0);

 private:
  Console& console_;
  std::string what_;
  const core::Clock& clock_;
  core::Deadline next_;
};

/// The status of one aggregate found by id (no Scan). Error: the first DynamoDB error met.
[[nodiscard]] core::Result<core::operator_tools::AggregateStatus> inspect_one(
    OperatorContext& context, const std::string& aggregate_id);

/// "<action>:<UTC time now>", the marker trigger a command's doorbell carries.
[[nodiscard]] std::string trigger_for(std::string_view action, const OperatorContext& context);

/// Rings the doorbell of `aggregate_id` (its marker write, as the dispatcher's). Error: the
/// write's.
[[nodiscard]] core::Status ring(OperatorContext& context, const std::string& aggregate_id,
                                const std::string& trigger);

}  // namespace dispatcher::app::operator_tools
