#pragma once

// Fault injection for the in-memory ports: scripted faults for unit tests, random ones for the
// property tests. Every injected fault is counted, so a checker can tell a duplicate that follows
// a failure (allowed) from one that does not (a bug).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/dispatch/ports.h"

namespace dispatcher::fakes {

namespace dispatch = core::dispatch;
namespace dynamodb = core::dynamodb;

enum class PortCall : unsigned char {
  kWriteMarkers,
  kReadOffsets,
  kReadEvents,
  kCommitOffsets,
  kPublish
};

/// What happens to one entry of a port call.
enum class EntryFault : unsigned char {
  kNone,
  /// Not done; a retryable error (throttling after the adapter's retries, 5xx, unprocessed item,
  /// broker unavailable). For publish: messages from a random index on are not delivered.
  kTransient,
  /// Done, then reported as a retryable error (a timeout after the service acted). For publish:
  /// the failed message and possibly later ones reached the log although not confirmed.
  kDoneButFailed,
  /// A permanent error (for publish: the broker will never take message `index`).
  kPermanent,
};

/// Where the handler process dies during a port call.
enum class CrashPoint : unsigned char {
  kNone,
  kBefore,  ///< nothing of the call happened
  kMidway,  ///< some entries (publish: some messages of some runs) happened
  kAfter    ///< everything happened; the process died before seeing the result
};

/// Thrown by a fake port to model the handler process dying; the simulation catches it and, like
/// Lambda after a function error, redelivers the whole batch.
struct SimulatedCrash : std::runtime_error {
  SimulatedCrash() : std::runtime_error("simulated crash of the handler") {}
};

class Faults {
 public:
  struct RandomFaults {
    double entry_fault_probability = 0.0;      ///< per entry: transient or done-but-failed
    double crash_probability = 0.0;            ///< per port call
    std::chrono::milliseconds max_latency{0};  ///< per port call, uniform in [0, max]
    /// per publish run: the broker refuses one message for good (kPermanent)
    double permanent_publish_probability = 0.0;
  };

  explicit Faults(std::uint64_t seed = 1) : random_(seed) {}

  /// The next `call` entry for `aggregate_id` gets `fault` (once).
  void script_entry_fault(PortCall call, const dispatch::AggregateId& aggregate_id,
                          EntryFault fault, std::size_t publish_index = 0) {
    scripted_entries_[{call, aggregate_id}].push_back({fault, publish_index});
  }
  /// The next `call` crashes at `point` (once).
  void script_crash(PortCall call, CrashPoint point) { scripted_crashes_[call].push_back(point); }

  void set_random(RandomFaults random) { random_faults_ = random; }
  /// No more random faults or latency; scripted ones still apply.
  void calm() { random_faults_ = RandomFaults{}; }

  struct Decision {
    EntryFault fault = EntryFault::kNone;
    std::size_t publish_index = 0;  ///< for publish: the first message not confirmed
  };

  /// Decides the fate of one entry; for publish, `run_size` bounds the failing index.
  Decision entry_fault(PortCall call, const dispatch::AggregateId& aggregate_id,
                       std::size_t run_size = 1) {
    if (auto scripted = scripted_entries_.find({call, aggregate_id});
        scripted != scripted_entries_.end() && !scripted->second.empty()) {
      const Decision decision = scripted->second.front();
      scripted->second.pop_front();
      ++injected_;
      return decision;
    }
    if (call == PortCall::kPublish && random_faults_.permanent_publish_probability > 0.0 &&
        chance(random_faults_.permanent_publish_probability)) {
      ++injected_;
      return Decision{.fault = EntryFault::kPermanent, .publish_index = pick(run_size)};
    }
    if (random_faults_.entry_fault_probability > 0.0 &&
        chance(random_faults_.entry_fault_probability)) {
      ++injected_;
      return Decision{.fault = chance(0.5) ? EntryFault::kTransient : EntryFault::kDoneButFailed,
                      .publish_index = pick(run_size)};
    }
    return Decision{};
  }

  CrashPoint crash_point(PortCall call) {
    if (auto scripted = scripted_crashes_.find(call);
        scripted != scripted_crashes_.end() && !scripted->second.empty()) {
      const CrashPoint point = scripted->second.front();
      scripted->second.pop_front();
      ++injected_;
      return point;
    }
    if (random_faults_.crash_probability > 0.0 && chance(random_faults_.crash_probability)) {
      ++injected_;
      switch (pick(3)) {
        case 0:
          return CrashPoint::kBefore;
        case 1:
          return CrashPoint::kMidway;
        default:
          return CrashPoint::kAfter;
      }
    }
    return CrashPoint::kNone;
  }

  std::chrono::milliseconds latency() {
    if (random_faults_.max_latency.count() <= 0) {
      return std::chrono::milliseconds{0};
    }
    return std::chrono::milliseconds{static_cast<std::int64_t>(
        pick(static_cast<std::size_t>(random_faults_.max_latency.count()) + 1))};
  }

  /// Uniform in [0, bound); 0 when bound is 0.
  std::size_t pick(std::size_t bound) {
    if (bound <= 1) {
      return 0;
    }
    return std::uniform_int_distribution<std::size_t>(0, bound - 1)(random_);
  }
  bool chance(double probability) { return std::bernoulli_distribution(probability)(random_); }

  /// Faults and crashes injected so far.
  [[nodiscard]] std::size_t injected() const noexcept { return injected_; }

 private:
  std::mt19937_64 random_;
  RandomFaults random_faults_;
  std::map<std::pair<PortCall, dispatch::AggregateId>, std::deque<Decision>> scripted_entries_;
  std::map<PortCall, std::deque<CrashPoint>> scripted_crashes_;
  std::size_t injected_ = 0;
};

}  // namespace dispatcher::fakes
