#pragma once

// One adversarial run of the whole system: writers append contiguous versions (from the first
// version) to several aggregates, in rounds, sometimes out of order (a transient gap) and sometimes
// in the middle of a handler's port calls; Lambda consumes sibling shards in a random interleaving
// with random batch sizes; ports fail, time out after acting, throttle, and the handler crashes
// between any two steps, calls end at their deadline when their latency would pass it, and one
// aggregate's stored data may break for a round. Each round ends by draining without faults until
// nothing is pending, and the guarantees are checked.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dispatcher::fakes {

struct ScenarioParameters {
  std::uint64_t seed = 1;
  std::size_t aggregates = 3;
  std::size_t rounds = 2;
  std::size_t max_events_per_round = 4;  ///< per aggregate and round, uniform in [0, max]
  std::size_t shards = 2;
  std::size_t max_batch_size = 5;
  std::size_t max_events_per_invocation = 3;  ///< the dispatcher's per-aggregate cap
  double reorder_probability = 0.2;           ///< a writer writes v + 1 or v + 2 before v
  double concurrent_write_probability = 0.2;  ///< a write happens between two port calls
  double fault_probability = 0.1;             ///< per port call entry
  double crash_probability = 0.05;            ///< per port call
  std::chrono::milliseconds max_latency{0};   ///< per port call, while faults are on
  std::chrono::milliseconds invocation_budget{60000};
  bool constant_marker_trigger = false;  ///< the original's bug
  /// Per round: one aggregate's stored data breaks (its offsets item becomes unreadable, or its
  /// Query pages stop decoding) until the round's end, when it is repaired and its doorbell rung.
  double corrupt_probability = 0.0;
  std::size_t max_read_bytes = 0;                  ///< the dispatcher's byte budget; 0: its default
  std::size_t page_bytes = std::size_t{1} << 20U;  ///< the most one Query page reads
};

struct ScenarioOutcome {
  std::vector<std::string> violations;
  std::size_t events_written = 0;
  std::size_t messages = 0;
  std::size_t invocations = 0;
  std::size_t faults_injected = 0;
  std::size_t deadline_refusals = 0;  ///< aggregates failed because a wave would pass the deadline
  std::size_t gap_holds = 0;          ///< holds reported at a missing version
  std::size_t continuations = 0;      ///< doorbells rung again because the cap was hit
  std::size_t resent_messages = 0;    ///< messages Kafka received more than once
  std::size_t corrupt_holds = 0;      ///< holds reported because stored data broke
  std::size_t deferred = 0;           ///< aggregates the byte budget left unread
  std::size_t timeouts = 0;           ///< port calls that ended at their deadline
};

[[nodiscard]] ScenarioOutcome run_scenario(const ScenarioParameters& parameters);

/// The parameters in one line, to reproduce a failing case.
[[nodiscard]] std::string describe(const ScenarioParameters& parameters);

}  // namespace dispatcher::fakes
