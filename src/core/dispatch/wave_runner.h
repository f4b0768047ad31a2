#pragma once

// The one loop every wave of an invocation runs (internal to the Dispatcher): a wave that cannot
// start in time refuses all its targets; otherwise one request per target, one port call for all
// of them, one result per target, and the wave's wall time in the report.

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/dispatch/dispatch_report.h"
#include "core/dispatch/ports.h"
#include "core/result.h"
#include "core/time_budget.h"

namespace dispatcher::core::dispatch {

/// The result of a request the port did not answer. A port that answers with the wrong number of
/// results broke its contract; the requests without a result count as failed (retryable), so
/// Lambda retries them instead of the process dying on a broken adapter.
template <typename Value>
[[nodiscard]] Value missing_result(const char* port_call) {
  if constexpr (std::is_same_v<Value, PublishOutcome>) {
    return PublishOutcome{.delivered = 0,
                          .error = retryable_error("PortContractViolation",
                                                   "publish returned fewer outcomes than runs")};
  } else {
    return fail(retryable_error("PortContractViolation",
                                std::string(port_call) + " returned fewer results than requests"));
  }
}

/// What one wave does; each member is a callable, for targets of type Target and requests of the
/// type `request` returns.
template <typename Request, typename Call, typename Take, typename Refuse>
struct WaveSteps {
  Request request;  ///< (Target&) -> the port's request for that target
  Call call;        ///< (std::span<const request type>) -> one result per request: the port call
  Take take;        ///< (Target&, request&, result): one target's result
  Refuse refuse;    ///< (Target&, const Error&): the budget is spent, the wave does not start
};

/// Runs the waves of one invocation within its TimeBudget, and times them.
class WaveRunner {
 public:
  using Durations = std::array<std::chrono::nanoseconds, kPhaseCount>;

  /// `durations` (the report's, indexed by Phase) must outlive the runner.
  WaveRunner(const Clock& clock, TimeBudget budget, Durations& durations)
      : clock_(clock), budget_(budget), durations_(durations) {}

  /// Why a wave may not start (the budget is spent), or nothing when it may.
  [[nodiscard]] std::optional<Error> time_refusal(Phase phase) const {
    if (budget_.left(clock_) > std::chrono::milliseconds::zero()) {
      return std::nullopt;
    }
    return retryable_error(
        "DeadlineExceeded",
        std::string(phase_name(phase)) + " not started: the invocation's time budget is spent");
  }

  /// The deadline of a wave that is followed by others: it keeps time for them.
  [[nodiscard]] Deadline keeping(std::chrono::milliseconds reserve) const {
    return budget_.keeping(clock_, reserve);
  }

  /// The deadline of the last wave.
  [[nodiscard]] Deadline respond_by() const { return budget_.respond_by(); }

  /// The I/O wave `phase` over `targets` (nothing when there are none): see WaveSteps. A result
  /// the port did not return is missing_result(port_call).
  template <typename Target, typename Request, typename Call, typename Take, typename Refuse>
  void run(Phase phase, const char* port_call, std::span<Target> targets,
           WaveSteps<Request, Call, Take, Refuse> steps) {
    if (targets.empty()) {
      return;
    }
    const auto started = clock_.now();
    if (const std::optional<Error> refusal = time_refusal(phase)) {
      for (Target& target : targets) {
        steps.refuse(target, *refusal);
      }
      return;
    }
    using RequestType = std::remove_cvref_t<std::invoke_result_t<Request&, Target&>>;
    std::vector<RequestType> requests;
    requests.reserve(targets.size());
    for (Target& target : targets) {
      requests.push_back(steps.request(target));
    }
    auto results = steps.call(std::span<const RequestType>(requests));
    using Value = typename decltype(results)::value_type;
    for (std::size_t index = 0; index < targets.size(); ++index) {
      steps.take(
          targets[index], requests[index],
          index < results.size() ? std::move(results[index]) : missing_result<Value>(port_call));
    }
    record_duration(phase, started);
  }

  /// The wave `phase` without I/O: `work` for each of `targets` (nothing when there are none).
  template <typename Target, typename Work>
  void run_local(Phase phase, std::span<Target> targets, Work work) {
    if (targets.empty()) {
      return;
    }
    const auto started = clock_.now();
    for (Target& target : targets) {
      work(target);
    }
    record_duration(phase, started);
  }

 private:
  void record_duration(Phase phase, std::chrono::steady_clock::time_point started) {
    durations_[static_cast<std::size_t>(phase)] += clock_.now() - started;
  }

  const Clock& clock_;
  TimeBudget budget_;
  Durations& durations_;
};

}  // namespace dispatcher::core::dispatch
