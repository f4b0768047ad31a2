#include "fakes/scenario.h"

#include <algorithm>
#include <deque>
#include <random>
#include <set>
#include <sstream>

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
       << " constant_trigger=" << parameters.constant_marker_trigger;
  return text.str();
}

ScenarioOutcome run_scenario(const ScenarioParameters& parameters) {
  SimulationOptions options;
  options.shard_count = parameters.shards;
  options.max_batch_size = parameters.max_batch_size;
  options.dispatcher.max_events_per_aggregate = parameters.max_events_per_invocation;
  options.invocation_budget = parameters.invocation_budget;
  options.constant_marker_trigger = parameters.constant_marker_trigger;
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
    if (!simulation.drain(kMaxCalmBatches)) {
      outcome.violations.push_back("round " + std::to_string(round) +
                                   ": still records pending after " +
                                   std::to_string(kMaxCalmBatches) + " calm batches");
      break;
    }
    for (std::string& violation : simulation.check_guarantees()) {
      outcome.violations.push_back("round " + std::to_string(round) + ": " + std::move(violation));
    }
    if (!outcome.violations.empty()) {
      break;
    }
  }
  outcome.messages = simulation.kafka().log().size();
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
