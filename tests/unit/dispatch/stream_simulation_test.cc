// The simulation and its checker are what the property tests stand on; these tests show the
// checker sees the failures it exists for, starting with the trap the original fell into.

#include "fakes/stream_simulation.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "fakes/event_items.h"
#include "fakes/scenario.h"

namespace dispatcher::fakes {
namespace {

bool mentions(const std::vector<std::string>& violations, std::string_view text) {
  return std::ranges::any_of(violations, [text](const std::string& violation) {
    return violation.find(text) != std::string::npos;
  });
}

std::string joined(const std::vector<std::string>& violations) {
  std::string text;
  for (const std::string& violation : violations) {
    text += violation + "\n";
  }
  return text;
}

TEST(StreamSimulation, DeliversEveryEventOfSeveralRoundsWithoutFaults) {
  StreamSimulation simulation(SimulationOptions{}, 11);
  simulation.write_event("a", 0);
  simulation.write_event("a", 1);
  ASSERT_TRUE(simulation.drain(1000));
  simulation.write_event("a", 2);
  simulation.write_event("b", 0);
  ASSERT_TRUE(simulation.drain(1000));
  const auto violations = simulation.check_guarantees();
  EXPECT_TRUE(violations.empty()) << joined(violations);
  EXPECT_EQ(simulation.published_versions("a"), (std::vector<std::int64_t>{0, 1, 2}));
}

TEST(StreamSimulation, ConstantMarkerTriggerLosesTheEventsOfALaterRound) {
  // The original wrote the identical marker {id, -1001} every time. DynamoDB Streams makes no
  // record for a put that changes nothing, so after the first dispatch the doorbell never rings.
  SimulationOptions options;
  options.constant_marker_trigger = true;
  StreamSimulation simulation(options, 11);
  simulation.write_event("a", 0);
  ASSERT_TRUE(simulation.drain(1000));
  simulation.write_event("a", 1);
  ASSERT_TRUE(simulation.drain(1000));
  const auto violations = simulation.check_guarantees();
  EXPECT_TRUE(mentions(violations, "stream a: version 1 was written but never published"))
      << joined(violations);
  EXPECT_EQ(simulation.published_versions("a"), (std::vector<std::int64_t>{0}));
}

TEST(StreamSimulation, ConstantMarkerTriggerFailsTheRandomScenarios) {
  // The property's own scenario, with the trap injected: it must find lost events.
  std::size_t failing_runs = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const ScenarioOutcome outcome =
        run_scenario(ScenarioParameters{.seed = seed,
                                        .aggregates = 3,
                                        .rounds = 3,
                                        .max_events_per_round = 4,
                                        .constant_marker_trigger = true});
    if (mentions(outcome.violations, "never published")) {
      ++failing_runs;
    }
  }
  EXPECT_GE(failing_runs, 15U);
}

TEST(StreamSimulation, CheckerFlagsADuplicateThatNoFaultExplains) {
  StreamSimulation simulation(SimulationOptions{}, 5);
  simulation.write_event("a", 0);
  simulation.write_event("a", 1);
  ASSERT_TRUE(simulation.drain(1000));
  // As if a dispatcher ignored the committed offset: version 0 again, with no fault behind it.
  const dispatch::OutgoingMessage first = simulation.kafka().log().front().message;
  simulation.kafka().append(first, simulation.invocations());
  const auto violations = simulation.check_guarantees();
  EXPECT_TRUE(mentions(violations, "re-sent although invocation")) << joined(violations);
}

TEST(StreamSimulation, CheckerFlagsASkippedVersion) {
  StreamSimulation simulation(SimulationOptions{}, 5);
  simulation.write_event("a", 0);
  ASSERT_TRUE(simulation.drain(1000));
  dispatch::OutgoingMessage skipped = simulation.kafka().log().front().message;
  for (auto& [name, value] : skipped.headers) {
    if (name == "version") {
      value = "2";
    }
  }
  simulation.kafka().append(skipped, simulation.invocations());
  const auto violations = simulation.check_guarantees();
  EXPECT_TRUE(mentions(violations, "a gap was skipped")) << joined(violations);
}

TEST(StreamSimulation, CheckerFlagsAnUnfilledGapAsIncomplete) {
  StreamSimulation simulation(SimulationOptions{}, 5);
  simulation.write_event("a", 0);
  simulation.write_event("a", 2);
  ASSERT_TRUE(simulation.drain(1000));
  const auto violations = simulation.check_guarantees();
  EXPECT_TRUE(mentions(violations, "stream a: version 2 was written but never published"))
      << joined(violations);
  EXPECT_TRUE(simulation.check_guarantees({"a"}).empty());
}

TEST(StreamSimulation, CrashAfterPublishBeforeCommitResendsASuffixAndIsAllowed) {
  StreamSimulation simulation(SimulationOptions{.shard_count = 1}, 5);
  simulation.write_event("a", 0);
  simulation.write_event("a", 1);
  simulation.faults().script_crash(PortCall::kCommitOffsets, CrashPoint::kBefore);
  ASSERT_TRUE(simulation.drain(1000));
  EXPECT_EQ(simulation.published_versions("a"), (std::vector<std::int64_t>{0, 1, 0, 1}));
  const auto violations = simulation.check_guarantees();
  EXPECT_TRUE(violations.empty()) << joined(violations);
}

TEST(StreamSimulation, FaultFreeScenariosHaveNoViolations) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const ScenarioParameters parameters{.seed = seed,
                                        .aggregates = 4,
                                        .rounds = 3,
                                        .fault_probability = 0.0,
                                        .crash_probability = 0.0};
    const ScenarioOutcome outcome = run_scenario(parameters);
    EXPECT_TRUE(outcome.violations.empty()) << describe(parameters) << "\n"
                                            << joined(outcome.violations);
    EXPECT_EQ(outcome.faults_injected, 0U);
  }
}

TEST(StreamSimulation, AnswerAfterTheDeadlineCountsAsACrashAndTheBatchComesAgain) {
  StreamSimulation simulation(SimulationOptions{.shard_count = 1}, 5);
  simulation.write_event("a", 0);
  ASSERT_TRUE(simulation.deliver_batch());  // the marker write
  // Something outside the ports eats the invocation's whole time while it runs.
  bool stalled = false;
  simulation.between_port_calls = [&] {
    if (!stalled) {
      stalled = true;
      simulation.clock().advance(std::chrono::minutes(2));
    }
  };
  const std::size_t reports_before = simulation.reports().size();
  ASSERT_TRUE(simulation.deliver_batch());
  EXPECT_EQ(simulation.late_answers(), 1U);
  EXPECT_EQ(simulation.reports().size(), reports_before) << "Lambda discarded the late answer";
  EXPECT_TRUE(simulation.has_pending_records()) << "the batch is delivered again";
  simulation.between_port_calls = nullptr;
  ASSERT_TRUE(simulation.drain(1000));
  const auto violations = simulation.check_guarantees();
  EXPECT_TRUE(violations.empty()) << joined(violations);
}

TEST(StreamSimulation, TinyByteBudgetLosesNothing) {
  SimulationOptions options{.shard_count = 2, .max_batch_size = 6};
  options.page_bytes = 150;  // about one event per Query page
  options.dispatcher.max_read_bytes = 150;
  StreamSimulation simulation(options, 9);
  for (std::int64_t version = 0; version < 6; ++version) {
    for (const char* stream : {"a", "b", "c", "d"}) {
      simulation.write_event(stream, version);
    }
  }
  ASSERT_TRUE(simulation.drain(5000));
  const auto violations = simulation.check_guarantees();
  EXPECT_TRUE(violations.empty()) << joined(violations);
  std::size_t deferred = 0;
  for (const auto& report : simulation.reports()) {
    deferred += report.deferred;
  }
  EXPECT_GT(deferred, 0U) << "the budget left aggregates unread";
}

TEST(StreamSimulation, CorruptOffsetItemIsHeldVisiblyAndCompletesOnceRepaired) {
  StreamSimulation simulation(SimulationOptions{}, 13);
  simulation.write_event("a", 0);
  simulation.write_event("b", 0);
  ASSERT_TRUE(simulation.drain(1000));
  simulation.corrupt_offset_item("a");
  simulation.write_event("a", 1);
  simulation.write_event("b", 1);
  ASSERT_TRUE(simulation.drain(1000));
  EXPECT_EQ(simulation.stored_hold_reason("a"), "corrupt");
  EXPECT_EQ(simulation.published_versions("a"), (std::vector<std::int64_t>{0}));
  const auto while_broken = simulation.check_guarantees({"a"});
  EXPECT_TRUE(while_broken.empty()) << joined(while_broken);
  for (const auto& report : simulation.reports()) {
    EXPECT_TRUE(report.failed.empty()) << "a broken item is a hold, not a batch failure";
  }

  simulation.repair_offset_item("a");
  simulation.ring_doorbell("a");
  ASSERT_TRUE(simulation.drain(1000));
  EXPECT_EQ(simulation.published_versions("a"), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(simulation.stored_hold_reason("a"), "");
  const auto violations = simulation.check_guarantees();
  EXPECT_TRUE(violations.empty()) << joined(violations);
}

TEST(StreamSimulation, CheckerFlagsAStoredHoldThatOutlivedItsStop) {
  StreamSimulation simulation(SimulationOptions{}, 5);
  simulation.write_event("a", 0);
  ASSERT_TRUE(simulation.drain(1000));
  dynamodb::Item item = *simulation.table().offset_item(aggregate_id_of("a"));
  item["hold_version"] = dynamodb::integer_value(0);
  item["hold_reason"] = dynamodb::string_value("gap");
  simulation.table().put_offset_item(aggregate_id_of("a"), item);
  const auto violations = simulation.check_guarantees();
  EXPECT_TRUE(mentions(violations, "still stores a gap hold")) << joined(violations);
}

}  // namespace
}  // namespace dispatcher::fakes
