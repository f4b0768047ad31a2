#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/config/settings.h"

namespace dispatcher::core::observability {

/// The function's identity as the Lambda environment gives it; empty outside Lambda.
struct FunctionContext {
  std::string name;                            ///< AWS_LAMBDA_FUNCTION_NAME
  std::optional<std::int64_t> memory_size_mb;  ///< AWS_LAMBDA_FUNCTION_MEMORY_SIZE

  friend bool operator==(const FunctionContext&, const FunctionContext&) = default;
};

/// Reads AWS_LAMBDA_FUNCTION_NAME and AWS_LAMBDA_FUNCTION_MEMORY_SIZE; a memory size that is not
/// a whole number is left out rather than failing start-up over a log field.
[[nodiscard]] FunctionContext function_context_from_environment(
    const config::Environment& environment);

/// Structured JSON logs in the conventions of AWS Lambda Powertools: one line per notable event
/// with Powertools' keys (level, message, timestamp, service, cold_start, function_name,
/// function_memory_size, function_arn, function_request_id, xray_trace_id; a key is left out while
/// unknown), plus event-specific fields.
class Logger {
 public:
  /// Receives each finished line (without the newline). Production writes it to stdout.
  using Sink = std::function<void(std::string_view line)>;
  using WallClock = std::function<std::chrono::system_clock::time_point()>;

  Logger(std::string service, config::LogLevel level, Sink sink, WallClock wall_clock);

  /// Sets the per-invocation context carried on every following line. `function_arn` is the
  /// invoked ARN (qualified when invoked through an alias or version).
  void begin_invocation(std::string request_id, std::string trace_id, bool cold_start,
                        std::string function_arn = {});
  /// Back to the between-invocations context: no request id, trace id or ARN; cold_start false.
  void end_invocation();

  /// Sets the function's identity, carried on every following line.
  void set_function(FunctionContext function);

  [[nodiscard]] std::string service() const;
  [[nodiscard]] FunctionContext function() const;
  /// The current invocation's request id; empty between invocations.
  [[nodiscard]] std::string request_id() const;

  void set_level(config::LogLevel level);
  [[nodiscard]] bool enabled(config::LogLevel level) const;

  void debug(std::string_view message, const nlohmann::json& fields = nlohmann::json::object());
  void info(std::string_view message, const nlohmann::json& fields = nlohmann::json::object());
  void warn(std::string_view message, const nlohmann::json& fields = nlohmann::json::object());
  void error(std::string_view message, const nlohmann::json& fields = nlohmann::json::object());

  /// Writes a line that is not a log record (an EMF metrics document), unconditionally.
  void write_raw(std::string_view line);

  /// The line as it would be written; exposed for tests of the format.
  [[nodiscard]] std::string format(config::LogLevel level, std::string_view message,
                                   const nlohmann::json& fields) const;

 private:
  void log(config::LogLevel level, std::string_view message, const nlohmann::json& fields);
  [[nodiscard]] std::string format_locked(config::LogLevel level, std::string_view message,
                                          const nlohmann::json& fields) const;

  mutable std::mutex mutex_;  // guards everything below and serialises the sink
  std::string service_;
  config::LogLevel level_;
  Sink sink_;
  WallClock wall_clock_;
  FunctionContext function_;
  std::string request_id_;
  std::string trace_id_;
  std::string function_arn_;
  bool cold_start_ = true;  // true until the first invocation ends: start-up lines are cold
};

}  // namespace dispatcher::core::observability
