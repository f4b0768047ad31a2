#pragma once

#include <chrono>

namespace dispatcher::core {

/// The moment by which an invocation's work must be finished (monotonic clock).
using Deadline = std::chrono::steady_clock::time_point;

/// The only way core and adapters read time, so tests can drive it.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Monotonic time, for deadlines and backoff.
  [[nodiscard]] virtual std::chrono::steady_clock::time_point now() const = 0;
  /// Wall-clock time, for signatures, timestamps and lag.
  [[nodiscard]] virtual std::chrono::system_clock::time_point wall_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] std::chrono::steady_clock::time_point now() const override {
    return std::chrono::steady_clock::now();
  }
  [[nodiscard]] std::chrono::system_clock::time_point wall_now() const override {
    return std::chrono::system_clock::now();
  }
};

}  // namespace dispatcher::core
