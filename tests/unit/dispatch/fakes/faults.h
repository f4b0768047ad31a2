#pragma once

// Fault injection for the in-memory ports: scripted faults for unit tests, random ones for the
// property tests. Every injected fault is counted, so a checker can tell a duplicate that follows
// a failure (allowed) from one that does not (a bug).

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/dispatch/ports.h"
#include "fakes/fake_clock.h"

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

/// One port call as a fake received it: when, and the deadline it was given.
struct RecordedCall {
  PortCall call = PortCall::kWriteMarkers;
  core::Deadline started;
  core::Deadline deadline;
  bool timed_out = false;  ///< its latency would have passed the deadline: it ended there
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

  struct Decision {
    EntryFault fault = EntryFault::kNone;
    std::size_t publish_index = 0;  ///< for publish: the first message not confirmed
    /// The error to report instead of the fake's usual one for `fault` (a deployment error, say).
    std::optional<core::Error> error;
  };

  /// The next `call` entry for `aggregate_id` gets `fault` (once).
  void script_entry_fault(PortCall call, const dispatch::AggregateId& aggregate_id,
                          EntryFault fault, std::size_t publish_index = 0) {
    scripted_entries_[{call, aggregate_id}].push_back({fault, publish_index});
  }
  /// The next `call` entry for `aggregate_id` fails with `error` (once): not done when it is
  /// permanent or plainly retryable (kTransient), as the real ports do.
  void script_entry_error(PortCall call, const dispatch::AggregateId& aggregate_id,
                          core::Error error, std::size_t publish_index = 0) {
    const EntryFault fault = error.retryable() ? EntryFault::kTransient : EntryFault::kPermanent;
    scripted_entries_[{call, aggregate_id}].push_back(
        {.fault = fault, .publish_index = publish_index, .error = std::move(error)});
  }
  /// The next call of `call` takes `latency` (once), instead of a random one.
  void script_latency(PortCall call, std::chrono::milliseconds latency) {
    scripted_latencies_[call].push_back(latency);
  }
  /// The next `call` crashes at `point` (once).
  void script_crash(PortCall call, CrashPoint point) { scripted_crashes_[call].push_back(point); }

  /// Until cleared, every Query page of the aggregate fails to decode (a permanent error about
  /// its data: InvalidAttributeValue), as when an item holds a value the codec cannot read.
  void set_undecodable_page(const dispatch::AggregateId& aggregate_id, bool undecodable) {
    if (undecodable) {
      undecodable_pages_.insert(aggregate_id);
    } else {
      undecodable_pages_.erase(aggregate_id);
    }
  }
  [[nodiscard]] bool undecodable_page(const dispatch::AggregateId& aggregate_id) const {
    return undecodable_pages_.contains(aggregate_id);
  }

  void set_random(RandomFaults random) { random_faults_ = random; }
  /// No more random faults or latency; scripted ones still apply.
  void calm() { random_faults_ = RandomFaults{}; }

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

  std::chrono::milliseconds latency(PortCall call) {
    if (auto scripted = scripted_latencies_.find(call);
        scripted != scripted_latencies_.end() && !scripted->second.empty()) {
      const std::chrono::milliseconds latency = scripted->second.front();
      scripted->second.pop_front();
      return latency;
    }
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

  /// Counts a fault the fakes made themselves (a call that ran out of its deadline).
  void count_injected() noexcept { ++injected_; }

  /// Faults and crashes injected so far.
  [[nodiscard]] std::size_t injected() const noexcept { return injected_; }

 private:
  std::mt19937_64 random_;
  RandomFaults random_faults_;
  std::map<std::pair<PortCall, dispatch::AggregateId>, std::deque<Decision>> scripted_entries_;
  std::map<PortCall, std::deque<CrashPoint>> scripted_crashes_;
  std::set<dispatch::AggregateId> undecodable_pages_;
  std::map<PortCall, std::deque<std::chrono::milliseconds>> scripted_latencies_;
  std::size_t injected_ = 0;
};

/// Spends one port call's latency on `clock`, as a real call that honours its deadline does: when
/// the latency would pass `deadline`, the call ends at the deadline (timed out; counted as an
/// injected fault). Records the call.
inline bool spend_latency(FakeClock& clock, Faults& faults, PortCall call, core::Deadline deadline,
                          std::vector<RecordedCall>& recorded) {
  const core::Deadline started = clock.now();
  const std::chrono::milliseconds latency = faults.latency(call);
  const bool timed_out = started + latency > deadline;
  if (timed_out) {
    clock.advance(std::max(deadline - started, core::Deadline::duration::zero()));
    faults.count_injected();
  } else {
    clock.advance(latency);
  }
  recorded.push_back(
      RecordedCall{.call = call, .started = started, .deadline = deadline, .timed_out = timed_out});
  return timed_out;
}

}  // namespace dispatcher::fakes
