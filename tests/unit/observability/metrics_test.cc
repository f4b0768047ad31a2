#include "core/observability/metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "emf_validator.h"

namespace dispatcher::core::observability {
namespace {

using dispatch::DispatchReport;
using dispatch::Phase;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using testing::emf_problems;

constexpr std::int64_t kEpochMilliseconds = 1'795'000'000'123;

MetricsContext context() {
  return MetricsContext{
      .metrics_namespace = "Acme/Dispatcher",
      .service = "orders-dispatcher",
      .function_name = "orders-dispatcher-prod",
      .request_id = "req-1",
      .timestamp = std::chrono::system_clock::time_point(milliseconds(kEpochMilliseconds)),
      .invocation_duration = milliseconds(250),
  };
}

void set(DispatchReport& report, Phase phase, nanoseconds duration) {
  report.phase_durations[static_cast<std::size_t>(phase)] = duration;
}

/// A report where every counter differs, so a metric fed from the wrong field shows.
DispatchReport busy_report() {
  DispatchReport report;
  report.records = 40;
  report.markers_written = 7;
  report.aggregates_dispatched = 9;
  report.aggregates_published = 6;
  report.events_published = 31;
  report.offsets_committed = 5;
  report.continuations = 2;
  report.held.push_back({"Order:1", {.version = 4, .reason = dispatch::HoldReason::kGap}});
  report.held.push_back({"Order:2", {.version = 8, .reason = dispatch::HoldReason::kGap}});
  report.held.push_back({"Order:3", {.version = 1, .reason = dispatch::HoldReason::kPoison}});
  report.dead_lettered.push_back({"Order:4", 3, "MissingAttribute: payload"});
  report.dead_lettered.push_back({"Order:4", 5, "MessageTooLarge: 2000000 bytes"});
  report.dead_lettered.push_back({"Order:5", 0, "MissingAttribute: payload"});
  report.dead_lettered.push_back({"Order:6", 0, "MissingAttribute: payload"});
  report.failed.push_back({.aggregate_id = "Order:9",
                           .phase = Phase::kPublish,
                           .sequence_number = "100",
                           .error = retryable_error("BrokerDown", "no broker"),
                           .uncommitted_messages = 0});
  report.lag = {.events = 4, .max = milliseconds(900), .total = milliseconds(2000)};
  set(report, Phase::kWriteMarkers, milliseconds(12));
  set(report, Phase::kReadOffsets, nanoseconds(3'500'000));
  set(report, Phase::kReadEvents, milliseconds(20));
  set(report, Phase::kPlanRuns, nanoseconds(250'000));
  set(report, Phase::kPublish, milliseconds(80));
  set(report, Phase::kCommitOffsets, milliseconds(15));
  // kContinue did not run.
  return report;
}

std::vector<std::pair<std::string, std::string>> definitions(const nlohmann::json& document) {
  std::vector<std::pair<std::string, std::string>> names_and_units;
  for (const auto& metric : document["_aws"]["CloudWatchMetrics"][0]["Metrics"]) {
    names_and_units.emplace_back(metric["Name"], metric["Unit"]);
  }
  return names_and_units;
}

// ------------------------------------------------------------------ the validator can fail
TEST(EmfValidator, AcceptsTheSpecificationsExample) {
  const auto example = nlohmann::json::parse(R"({
    "_aws": {"Timestamp": 1574109732004, "CloudWatchMetrics": [{"Namespace": "lambda-function-metrics",
      "Dimensions": [["functionVersion"]], "Metrics": [{"Name": "time", "Unit": "Milliseconds"}]}]},
    "functionVersion": "$LATEST", "time": 100, "requestId": "989ffbf8"})");
  EXPECT_EQ(emf_problems(example), std::vector<std::string>{});
}

TEST(EmfValidator, RejectsEachBrokenRequirement) {
  const auto valid = nlohmann::json::parse(R"({
    "_aws": {"Timestamp": 1, "CloudWatchMetrics": [{"Namespace": "N", "Dimensions": [["service"]],
      "Metrics": [{"Name": "M", "Unit": "Count"}]}]}, "service": "s", "M": 1})");
  ASSERT_TRUE(emf_problems(valid).empty());
  auto broken = [&valid](auto change) {
    nlohmann::json document = valid;
    change(document);
    return emf_problems(document).size();
  };
  EXPECT_GT(broken([](auto& d) { d.erase("_aws"); }), 0U);
  EXPECT_GT(broken([](auto& d) { d["_aws"]["Timestamp"] = "1"; }), 0U);
  EXPECT_GT(broken([](auto& d) { d["_aws"]["Timestamp"] = 1.5; }), 0U);
  EXPECT_GT(broken([](auto& d) { d["_aws"].erase("CloudWatchMetrics"); }), 0U);
  EXPECT_GT(broken([](auto& d) { d["_aws"]["CloudWatchMetrics"][0]["Namespace"] = ""; }), 0U);
  EXPECT_GT(broken([](auto& d) { d["_aws"]["CloudWatchMetrics"][0]["Dimensions"] = {"service"}; }),
            0U);
  EXPECT_GT(broken([](auto& d) { d["service"] = 3; }), 0U);
  EXPECT_GT(broken([](auto& d) { d.erase("M"); }), 0U);
  EXPECT_GT(broken([](auto& d) { d["M"] = "1"; }), 0U);
  EXPECT_GT(broken([](auto& d) { d["M"] = {1, "2"}; }), 0U);
  EXPECT_GT(broken([](auto& d) { d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] = "ms"; }),
            0U);
  EXPECT_GT(broken([](auto& d) {
              auto& metrics = d["_aws"]["CloudWatchMetrics"][0]["Metrics"];
              for (int i = 0; i < 100; ++i) {
                metrics.push_back({{"Name", "M" + std::to_string(i)}});
                d["M" + std::to_string(i)] = i;
              }
            }),
            0U);
  EXPECT_GT(broken([](auto& d) {
              auto& set = d["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0];
              for (int i = 0; i < 30; ++i) {
                set.push_back("D" + std::to_string(i));
                d["D" + std::to_string(i)] = "v";
              }
            }),
            0U);
}

// ------------------------------------------------------------------------ the builder
TEST(InvocationMetrics, IsAValidEmfDocument) {
  EXPECT_EQ(emf_problems(invocation_metrics(busy_report(), context())), std::vector<std::string>{});
  EXPECT_EQ(emf_problems(invocation_metrics(DispatchReport{}, context())),
            std::vector<std::string>{});
}

TEST(InvocationMetrics, HasTheGoldenShape) {
  const auto document = invocation_metrics(busy_report(), context());
  const auto& aws = document["_aws"];
  EXPECT_EQ(aws["Timestamp"], kEpochMilliseconds);
  ASSERT_EQ(aws["CloudWatchMetrics"].size(), 1U);
  EXPECT_EQ(aws["CloudWatchMetrics"][0]["Namespace"], "Acme/Dispatcher");
  EXPECT_EQ(aws["CloudWatchMetrics"][0]["Dimensions"], nlohmann::json::parse(R"([["service"]])"));
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"StreamRecords", "Count"},
      {"EventsDispatched", "Count"},
      {"AggregatesDispatched", "Count"},
      {"AggregatesPublished", "Count"},
      {"MarkersWritten", "Count"},
      {"OffsetsCommitted", "Count"},
      {"Continuations", "Count"},
      {"AggregatesHeldAtGap", "Count"},
      {"AggregatesHeldAtPoison", "Count"},
      {"AggregatesHeldRefused", "Count"},
      {"AggregatesHeldCorrupt", "Count"},
      {"OffsetRacesLost", "Count"},
      {"AggregatesDeferred", "Count"},
      {"InvocationFailed", "Count"},
      {"EventsDeadLettered", "Count"},
      {"AggregatesFailed", "Count"},
      {"DispatchLagMax", "Milliseconds"},
      {"DispatchLagAverage", "Milliseconds"},
      {"PhaseWriteMarkersDuration", "Milliseconds"},
      {"PhaseReadOffsetsDuration", "Milliseconds"},
      {"PhaseReadEventsDuration", "Milliseconds"},
      {"PhasePlanRunsDuration", "Milliseconds"},
      {"PhasePublishDuration", "Milliseconds"},
      {"PhaseCommitOffsetsDuration", "Milliseconds"},
      {"InvocationDuration", "Milliseconds"},
  };
  EXPECT_EQ(definitions(document), expected);
  EXPECT_EQ(document["service"], "orders-dispatcher");
  EXPECT_EQ(document["function_name"], "orders-dispatcher-prod");
  EXPECT_EQ(document["function_request_id"], "req-1");
}

TEST(InvocationMetrics, TakesEachValueFromItsReportField) {
  const auto document = invocation_metrics(busy_report(), context());
  EXPECT_EQ(document["StreamRecords"], 40);
  EXPECT_EQ(document["EventsDispatched"], 31);
  EXPECT_EQ(document["AggregatesDispatched"], 9);
  EXPECT_EQ(document["AggregatesPublished"], 6);
  EXPECT_EQ(document["MarkersWritten"], 7);
  EXPECT_EQ(document["OffsetsCommitted"], 5);
  EXPECT_EQ(document["Continuations"], 2);
  EXPECT_EQ(document["AggregatesHeldAtGap"], 2);
  EXPECT_EQ(document["AggregatesHeldAtPoison"], 1);
  EXPECT_EQ(document["EventsDeadLettered"], 4);
  EXPECT_EQ(document["AggregatesFailed"], 1);
  EXPECT_DOUBLE_EQ(document["DispatchLagMax"].get<double>(), 900.0);
  EXPECT_DOUBLE_EQ(document["DispatchLagAverage"].get<double>(), 500.0);
  EXPECT_DOUBLE_EQ(document["PhaseReadOffsetsDuration"].get<double>(), 3.5);
  EXPECT_DOUBLE_EQ(document["PhasePlanRunsDuration"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(document["PhasePublishDuration"].get<double>(), 80.0);
  EXPECT_DOUBLE_EQ(document["InvocationDuration"].get<double>(), 250.0);
}

TEST(InvocationMetrics, CountsEveryHoldReasonLostRacesDeferralsAndAFailedInvocation) {
  DispatchReport report = busy_report();
  report.held.push_back({"Order:4", {.version = 2, .reason = dispatch::HoldReason::kRefused}});
  report.held.push_back({"Order:5", {.version = -1, .reason = dispatch::HoldReason::kCorrupt}});
  report.offset_races_lost = 3;
  report.deferred = 6;
  report.invocation_error = core::permanent_error("ResourceNotFoundException", "no table");
  const auto document = invocation_metrics(report, context());
  EXPECT_EQ(document["AggregatesHeldAtGap"], 2);
  EXPECT_EQ(document["AggregatesHeldAtPoison"], 3);  // every hold that waits for a fix
  EXPECT_EQ(document["AggregatesHeldRefused"], 1);
  EXPECT_EQ(document["AggregatesHeldCorrupt"], 1);
  EXPECT_EQ(document["OffsetRacesLost"], 3);
  EXPECT_EQ(document["AggregatesDeferred"], 6);
  EXPECT_EQ(document["InvocationFailed"], 1);
  EXPECT_TRUE(emf_problems(document).empty());
}

TEST(InvocationMetrics, LeavesOutLagWhenNoEventWasDelivered) {
  // A zero would pull the average down exactly when the function is doing nothing useful.
  DispatchReport report = busy_report();
  report.lag = {};
  const auto document = invocation_metrics(report, context());
  EXPECT_FALSE(document.contains("DispatchLagMax"));
  EXPECT_FALSE(document.contains("DispatchLagAverage"));
  EXPECT_TRUE(emf_problems(document).empty());
}

TEST(InvocationMetrics, HasADurationOnlyForPhasesThatRan) {
  DispatchReport report;
  set(report, Phase::kWriteMarkers, milliseconds(3));
  set(report, Phase::kContinue, milliseconds(1));
  const auto document = invocation_metrics(report, context());
  EXPECT_TRUE(document.contains("PhaseWriteMarkersDuration"));
  EXPECT_TRUE(document.contains("PhaseContinueDuration"));
  EXPECT_FALSE(document.contains("PhasePublishDuration"));
  EXPECT_FALSE(document.contains("PhaseReadEventsDuration"));
  EXPECT_TRUE(document.contains("InvocationDuration"));
}

TEST(InvocationMetrics, LeavesOutFunctionPropertiesOutsideLambda) {
  MetricsContext outside = context();
  outside.function_name.clear();
  outside.request_id.clear();
  const auto document = invocation_metrics(DispatchReport{}, outside);
  EXPECT_FALSE(document.contains("function_name"));
  EXPECT_FALSE(document.contains("function_request_id"));
  EXPECT_TRUE(emf_problems(document).empty());
}

TEST(InvocationMetrics, OneLineOfJson) {
  const std::string line = to_emf_line(invocation_metrics(busy_report(), context()));
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_TRUE(emf_problems(nlohmann::json::parse(line)).empty());
}

TEST(PhaseMetricName, IsTheLogPhaseNameInPascalCase) {
  EXPECT_EQ(phase_metric_name(Phase::kWriteMarkers), "PhaseWriteMarkersDuration");
  EXPECT_EQ(phase_metric_name(Phase::kReadOffsets), "PhaseReadOffsetsDuration");
  EXPECT_EQ(phase_metric_name(Phase::kReadEvents), "PhaseReadEventsDuration");
  EXPECT_EQ(phase_metric_name(Phase::kPlanRuns), "PhasePlanRunsDuration");
  EXPECT_EQ(phase_metric_name(Phase::kPublish), "PhasePublishDuration");
  EXPECT_EQ(phase_metric_name(Phase::kCommitOffsets), "PhaseCommitOffsetsDuration");
  EXPECT_EQ(phase_metric_name(Phase::kContinue), "PhaseContinueDuration");
}

}  // namespace
}  // namespace dispatcher::core::observability
