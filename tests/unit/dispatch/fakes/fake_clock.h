#pragma once

#include <chrono>

#include "core/clock.h"

namespace dispatcher::fakes {

/// A clock that moves only when told to: the fakes advance it by each port call's latency.
class FakeClock final : public core::Clock {
 public:
  [[nodiscard]] std::chrono::steady_clock::time_point now() const override {
    return std::chrono::steady_clock::time_point{} + std::chrono::hours(1) + elapsed_;
  }
  [[nodiscard]] std::chrono::system_clock::time_point wall_now() const override {
    return std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 54) + elapsed_;
  }
  void advance(std::chrono::nanoseconds duration) { elapsed_ += duration; }

 private:
  std::chrono::nanoseconds elapsed_{0};
};

}  // namespace dispatcher::fakes
