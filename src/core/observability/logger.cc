#include "core/observability/logger.h"

#include <cstdio>
#include <ctime>
#include <utility>

namespace dispatcher::core::observability {

Logger::Logger(std::string service, config::LogLevel level, Sink sink, WallClock wall_clock)
    : service_(std::move(service)),
      level_(level),
      sink_(std::move(sink)),
      wall_clock_(std::move(wall_clock)) {}

void Logger::set_level(config::LogLevel level) {
  const std::scoped_lock lock(mutex_);
  level_ = level;
}

bool Logger::enabled(config::LogLevel level) const {
  const std::scoped_lock lock(mutex_);
  return level >= level_;
}

void Logger::write_raw(std::string_view line) {
  const std::scoped_lock lock(mutex_);
  sink_(line);
}

void Logger::begin_invocation(std::string request_id, std::string trace_id, bool cold_start) {
  const std::scoped_lock lock(mutex_);
  request_id_ = std::move(request_id);
  trace_id_ = std::move(trace_id);
  cold_start_ = cold_start;
}

void Logger::end_invocation() {
  const std::scoped_lock lock(mutex_);
  request_id_.clear();
  trace_id_.clear();
  cold_start_ = false;
}

void Logger::debug(std::string_view message, const nlohmann::json& fields) {
  log(config::LogLevel::kDebug, message, fields);
}
void Logger::info(std::string_view message, const nlohmann::json& fields) {
  log(config::LogLevel::kInfo, message, fields);
}
void Logger::warn(std::string_view message, const nlohmann::json& fields) {
  log(config::LogLevel::kWarn, message, fields);
}
void Logger::error(std::string_view message, const nlohmann::json& fields) {
  log(config::LogLevel::kError, message, fields);
}

void Logger::log(config::LogLevel level, std::string_view message, const nlohmann::json& fields) {
  const std::scoped_lock lock(mutex_);
  if (level < level_) {
    return;
  }
  sink_(format_locked(level, message, fields));
}

std::string Logger::format(config::LogLevel level, std::string_view message,
                           const nlohmann::json& fields) const {
  const std::scoped_lock lock(mutex_);
  return format_locked(level, message, fields);
}

std::string Logger::format_locked(config::LogLevel level, std::string_view message,
                                  const nlohmann::json& fields) const {
  nlohmann::json line = nlohmann::json::object();
  line["level"] = config::to_string(level);
  line["message"] = message;
  line["timestamp"] = iso8601_milliseconds(wall_clock_());
  line["service"] = service_;
  line["cold_start"] = cold_start_;
  if (!request_id_.empty()) {
    line["function_request_id"] = request_id_;
  }
  if (!trace_id_.empty()) {
    line["xray_trace_id"] = trace_id_;
  }
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      line[key] = value;
    }
  }
  // Replace invalid UTF-8 rather than throw: a log line must never take the process down.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string iso8601_milliseconds(std::chrono::system_clock::time_point time) {
  const auto milliseconds =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = milliseconds / 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  const auto written = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  char result[48];
  std::snprintf(result, sizeof result, "%.*s.%03dZ", static_cast<int>(written), buffer,
                static_cast<int>(milliseconds % 1000));
  return result;
}

}  // namespace dispatcher::core::observability
