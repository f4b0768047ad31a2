#pragma once

#include <algorithm>
#include <chrono>

namespace dispatcher::core::runner {

/// Doubling delays between a floor and a ceiling: idle polls of a stream with nothing new, and
/// retries of a shard whose batch failed. reset() after progress.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds floor, std::chrono::milliseconds ceiling)
      : floor_(floor), ceiling_(std::max(floor, ceiling)), next_(floor) {}

  /// The delay to wait now; the following one is twice as long, up to the ceiling.
  [[nodiscard]] std::chrono::milliseconds next() {
    const auto current = next_;
    next_ = std::min(ceiling_, next_ * 2);
    return current;
  }
  void reset() { next_ = floor_; }

 private:
  std::chrono::milliseconds floor_;
  std::chrono::milliseconds ceiling_;
  std::chrono::milliseconds next_;
};

}  // namespace dispatcher::core::runner
