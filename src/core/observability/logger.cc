#include "core/observability/logger.h"

#include <charconv>
#include <utility>

#include "core/encoding/utc_time.h"

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

void Logger::begin_invocation(std::string request_id, std::string trace_id, bool cold_start,
                              std::string function_arn) {
  const std::scoped_lock lock(mutex_);
  request_id_ = std::move(request_id);
  trace_id_ = std::move(trace_id);
  function_arn_ = std::move(function_arn);
  cold_start_ = cold_start;
}

void Logger::end_invocation() {
  const std::scoped_lock lock(mutex_);
  request_id_.clear();
  trace_id_.clear();
  function_arn_.clear();
  cold_start_ = false;
}

void Logger::set_function(FunctionContext function) {
  const std::scoped_lock lock(mutex_);
  function_ = std::move(function);
}

std::string Logger::service() const {
  const std::scoped_lock lock(mutex_);
  return service_;
}

FunctionContext Logger::function() const {
  const std::scoped_lock lock(mutex_);
  return function_;
}

std::string Logger::request_id() const {
  const std::scoped_lock lock(mutex_);
  return request_id_;
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
  line["timestamp"] = encoding::rfc3339_utc(wall_clock_());
  line["service"] = service_;
  line["cold_start"] = cold_start_;
  if (!function_.name.empty()) {
    line["function_name"] = function_.name;
  }
  if (function_.memory_size_mb) {
    line["function_memory_size"] = *function_.memory_size_mb;
  }
  if (!function_arn_.empty()) {
    line["function_arn"] = function_arn_;
  }
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

FunctionContext function_context_from_environment(const config::Environment& environment) {
  FunctionContext function;
  if (const auto name = environment.find("AWS_LAMBDA_FUNCTION_NAME"); name != environment.end()) {
    function.name = name->second;
  }
  if (const auto memory = environment.find("AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
      memory != environment.end()) {
    const std::string& text = memory->second;
    std::int64_t megabytes = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), megabytes);
    if (error == std::errc() && end == text.data() + text.size() && megabytes > 0) {
      function.memory_size_mb = megabytes;
    }
  }
  return function;
}

}  // namespace dispatcher::core::observability
