#include "fakes/scenario.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include "fakes/event_items.h"
#include "fakes/stream_simulation.h"

namespace dispatcher::fakes {
namespace {

/// Far more batches than a calm drain needs (continuations included); a livelock stops here.
constexpr std::size_t kMaxCalmBatches = 5000;

}  // namespace

std::string describe(const ScenarioParameters& parameters) {
  std::ostringstream text;
  text << "seed=" << parameters.seed << " aggregates=" << parameters.aggregates
       << " rounds=" << parameters.rounds
       << " max_events_per_round=" << parameters.max_events_per_round
       << " shards=" << parameters.shards << " max_batch_size=" << parameters.max_batch_size
       << " cap=" << parameters.max_events_per_invocation
       << " reorder=" << parameters.reorder_probability
       << " concurrent_writes=" << parameters.concurrent_write_probability
       << " faults=" << parameters.fault_probability << " crashes=" << parameters.crash_probability
       << " max_latency_ms=" << parameters.max_latency.count()
       << " budget_ms=" << parameters.invocation_budget.count()
       << " constant_trigger=" << parameters.constant_marker_trigger
       << " corrupt=" << parameters.corrupt_probability
       << " max_read_bytes=" << parameters.max_read_bytes
       << " page_bytes=" << parameters.page_bytes;
  return text.str();
}

ScenarioOutcome run_scenario(const ScenarioParameters& parameters) {
  SimulationOptions options;
  options.shard_count = parameters.shards;
  options.max_batch_size = parameters.max_batch_size;
  options.dispatcher.max_events_per_aggregate = parameters.max_events_per_invocation;
  options.invocation_budget = parameters.invocation_budget;
  options.constant_marker_trigger = parameters.constant_marker_trigger;
  options.page_bytes = parameters.page_bytes;
  if (parameters.max_read_bytes > 0) {
    options.dispatcher.max_read_bytes = parameters.max_read_bytes;
  }
  StreamSimulation simulation(options, parameters.seed);
  std::mt19937_64 random(parameters.seed * 31 + 7);
  const auto chance = [&random](double probability) {
    return std::bernoulli_distribution(probability)(random);
  };
  const auto pick = [&random](std::size_t bound) {
    return bound <= 1 ? std::size_t{0}
                      : std::uniform_int_distribution<std::size_t>(0, bound - 1)(random);
  };

  ScenarioOutcome outcome;
  std::vector<std::int64_t> next_version(parameters.aggregates,
                                         options.dispatcher.first_event_version);
  std::vector<std::deque<std::int64_t>> pending(parameters.aggregates);
  const auto stream_id = [](std::size_t aggregate) { return "s" + std::to_string(aggregate); };

  // Writes one pending event; usually the lowest pending version, sometimes a later one (a gap
  // that the lower version fills later).
  const auto write_one = [&]() -> bool {
    std::vector<std::size_t> writers;
    for (std::size_t aggregate = 0; aggregate < pending.size(); ++aggregate) {
      if (!pending[aggregate].empty()) {
        writers.push_back(aggregate);
      }
    }
    if (writers.empty()) {
      return false;
    }
    const std::size_t aggregate = writers[pick(writers.size())];
    auto& versions = pending[aggregate];
    std::size_t index = 0;
    if (versions.size() > 1 && chance(parameters.reorder_probability)) {
      index = 1 + pick(std::min<std::size_t>(versions.size() - 1, 2));
    }
    simulation.write_event(stream_id(aggregate), versions[index]);
    versions.erase(versions.begin() + static_cast<std::ptrdiff_t>(index));
    ++outcome.events_written;
    return true;
  };

  for (std::size_t round = 0; round < parameters.rounds; ++round) {
    // The aggregate whose stored data breaks this round, if any.
    std::optional<std::string> corrupted;
    bool corrupt_offset = false;
    if (chance(parameters.corrupt_probability)) {
      corrupted = stream_id(pick(parameters.aggregates));
      corrupt_offset = chance(0.5);
      if (corrupt_offset) {
        simulation.corrupt_offset_item(*corrupted);
      } else {
        simulation.faults().set_undecodable_page(aggregate_id_of(*corrupted), true);
      }
    }
    for (std::size_t aggregate = 0; aggregate < parameters.aggregates; ++aggregate) {
      const std::size_t count = pick(parameters.max_events_per_round + 1);
      for (std::size_t event = 0; event < count; ++event) {
        pending[aggregate].push_back(next_version[aggregate]++);
      }
    }
    simulation.faults().set_random(Faults::RandomFaults{
        .entry_fault_probability = parameters.fault_probability,
        .crash_probability = parameters.crash_probability,
        .max_latency = parameters.max_latency,
    });
    simulation.between_port_calls = [&] {
      if (chance(parameters.concurrent_write_probability)) {
        write_one();
      }
    };
    // Writers and shard consumers interleave; then the consumers go on, still under faults.
    for (;;) {
      const bool writes_left =
          std::ranges::any_of(pending, [](const auto& versions) { return !versions.empty(); });
      if (!writes_left) {
        break;
      }
      if (chance(0.5)) {
        write_one();
      } else {
        simulation.deliver_batch();
      }
    }
    const std::size_t chaos_batches = 1 + pick(40);
    for (std::size_t batch = 0; batch < chaos_batches && simulation.deliver_batch(); ++batch) {
    }
    // Calm: no faults, no latency, no more writes, until nothing is pending.
    simulation.between_port_calls = nullptr;
    simulation.faults().calm();
    const auto drained = [&] {
      if (simulation.drain(kMaxCalmBatches)) {
        return true;
      }
      outcome.violations.push_back("round " + std::to_string(round) +
                                   ": still records pending after " +
                                   std::to_string(kMaxCalmBatches) + " calm batches");
      return false;
    };
    if (corrupted.has_value()) {
      // While broken, the aggregate is held (stored, visibly) and blocks nobody else.
      simulation.ring_doorbell(*corrupted);
      if (!drained()) {
        break;
      }
      for (std::string& violation : simulation.check_guarantees({*corrupted})) {
        outcome.violations.push_back("round " + std::to_string(round) + " (" + *corrupted +
                                     " broken): " + std::move(violation));
      }
      if (simulation.stored_hold_reason(*corrupted) != "corrupt") {
        outcome.violations.push_back("round " + std::to_string(round) + ": " + *corrupted +
                                     " has broken data but stores no corrupt hold (stores \"" +
                                     simulation.stored_hold_reason(*corrupted) + "\")");
      }
      // Fixed, and the doorbell rung again (an operator's release): it completes.
      if (corrupt_offset) {
        simulation.repair_offset_item(*corrupted);
      } else {
        simulation.faults().set_undecodable_page(aggregate_id_of(*corrupted), false);
      }
      simulation.ring_doorbell(*corrupted);
    }
    if (!drained()) {
      break;
    }
    for (std::string& violation : simulation.check_guarantees()) {
      outcome.violations.push_back("round " + std::to_string(round) + ": " + std::move(violation));
    }
    if (!outcome.violations.empty()) {
      break;
    }
  }
  if (simulation.late_answers() > 0) {
    outcome.violations.push_back(std::to_string(simulation.late_answers()) +
                                 " invocations answered after their deadline (Lambda killed them)");
  }
  outcome.messages = simulation.kafka().log().size();
  for (const auto* recorded :
       {&simulation.store().recorded_calls(), &simulation.publisher().recorded_calls()}) {
    outcome.timeouts += static_cast<std::size_t>(
        std::ranges::count_if(*recorded, [](const RecordedCall& call) { return call.timed_out; }));
  }
  outcome.invocations = simulation.invocations();
  outcome.faults_injected = simulation.faults().injected();
  for (const dispatch::DispatchReport& report : simulation.reports()) {
    outcome.deadline_refusals += static_cast<std::size_t>(
        std::ranges::count_if(report.failed, [](const dispatch::FailedAggregate& failure) {
          return failure.error.code == "DeadlineExceeded";
        }));
    outcome.gap_holds += static_cast<std::size_t>(
        std::ranges::count_if(report.held, [](const dispatch::HeldAggregate& held) {
          return held.hold.reason == dispatch::HoldReason::kGap;
        }));
    outcome.continuations += report.continuations;
    outcome.deferred += report.deferred;
    outcome.corrupt_holds += static_cast<std::size_t>(
        std::ranges::count_if(report.held, [](const dispatch::HeldAggregate& held) {
          return held.hold.reason == dispatch::HoldReason::kCorrupt;
        }));
  }
  std::set<std::pair<std::string, std::string>> distinct;
  for (const DeliveredMessage& delivered : simulation.kafka().log()) {
    for (const auto& [name, value] : delivered.message.headers) {
      if (name == "version") {
        distinct.emplace(delivered.message.key, value);
      }
    }
  }
  outcome.resent_messages = outcome.messages - distinct.size();
  return outcome;
}

}  // namespace dispatcher::fakes
