#pragma once

#include <algorithm>
#include <chrono>

#include "core/clock.h"

namespace dispatcher::core {

/// The one time budget of an invocation: the runtime's deadline minus a margin that is kept for
/// answering (the response, its log lines and metrics, the Runtime API call). Every port call of
/// the invocation gets a deadline from here, never the runtime's own, and must return by it.
class TimeBudget {
 public:
  TimeBudget(Deadline runtime_deadline, std::chrono::milliseconds margin) noexcept
      : respond_by_(runtime_deadline - margin) {}

  /// The moment by which all work is finished and the answer can be sent.
  [[nodiscard]] Deadline respond_by() const noexcept { return respond_by_; }

  /// Time left until respond_by(); zero or negative once it has passed.
  [[nodiscard]] std::chrono::milliseconds left(const Clock& clock) const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(respond_by_ - clock.now());
  }

  [[nodiscard]] bool spent(const Clock& clock) const { return clock.now() >= respond_by_; }

  /// A deadline for one step that keeps time for the steps after it: a quarter of what is left,
  /// at most `reserve`, stays after the returned moment.
  [[nodiscard]] Deadline keeping(const Clock& clock, std::chrono::milliseconds reserve) const {
    const auto left_now = std::max(left(clock), std::chrono::milliseconds::zero());
    return respond_by_ - std::min(reserve, left_now / 4);
  }

 private:
  Deadline respond_by_;
};

}  // namespace dispatcher::core
