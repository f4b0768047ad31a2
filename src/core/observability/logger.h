#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/config/settings.h"

namespace dispatcher::core::observability {

/// Structured JSON logs in the conventions of AWS Lambda Powertools: one line per notable event
/// with level, timestamp, service, cold start flag, request id and trace id, plus event-specific
/// fields.
class Logger {
 public:
  /// Receives each finished line (without the newline). Production writes it to stdout.
  using Sink = std::function<void(std::string_view line)>;
  using WallClock = std::function<std::chrono::system_clock::time_point()>;

  Logger(std::string service, config::LogLevel level, Sink sink, WallClock wall_clock);

  /// Sets the per-invocation context carried on every following line.
  void begin_invocation(std::string request_id, std::string trace_id, bool cold_start);
  void end_invocation();

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
  std::string request_id_;
  std::string trace_id_;
  bool cold_start_ = true;
};

/// ISO-8601 UTC with milliseconds, as Powertools writes it: 2026-11-24T10:00:00.123Z.
[[nodiscard]] std::string iso8601_milliseconds(std::chrono::system_clock::time_point time);

}  // namespace dispatcher::core::observability
