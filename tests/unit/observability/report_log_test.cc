#include "core/observability/report_log.h"

#include <gtest/gtest.h>

#include <set>

#include <string>
#include <vector>

namespace dispatcher::core::observability {
namespace {

using dispatch::DispatchReport;
using dispatch::HoldReason;
using dispatch::Phase;
using std::chrono::milliseconds;

struct CapturedLogger {
  explicit CapturedLogger(config::LogLevel level = config::LogLevel::kInfo)
      : logger(
            "dispatcher-test", level, [this](std::string_view line) { lines.emplace_back(line); },
            [] { return std::chrono::system_clock::time_point(milliseconds(0)); }) {}

  std::vector<nlohmann::json> parsed() const {
    std::vector<nlohmann::json> result;
    for (const auto& line : lines) {
      result.push_back(nlohmann::json::parse(line));
    }
    return result;
  }

  std::vector<std::string> lines;
  Logger logger;
};

DispatchReport report_with_one_of_each() {
  DispatchReport report;
  report.records = 12;
  report.events_published = 7;
  report.warnings.push_back({"RemoveRecordIgnored", "101", "record 101 removes an item"});
  report.held.push_back({"Order:gap", {.version = 3, .reason = HoldReason::kGap, .detail = "d1"}});
  report.held.push_back(
      {"Order:poison", {.version = 5, .reason = HoldReason::kPoison, .detail = "no payload"}});
  report.dead_lettered.push_back({"Order:dead", 2, "MessageTooLarge: 2000000 bytes"});
  report.failed.push_back({.aggregate_id = "Order:failed",
                           .phase = Phase::kCommitOffsets,
                           .sequence_number = "205",
                           .error = retryable_error("ThrottlingException", "slow down"),
                           .uncommitted_messages = 2});
  report.response.retry_from = "205";
  report.phase_durations[static_cast<std::size_t>(Phase::kPublish)] = milliseconds(40);
  return report;
}

const nlohmann::json* find(const std::vector<nlohmann::json>& lines, std::string_view message) {
  for (const auto& line : lines) {
    if (line["message"] == message) {
      return &line;
    }
  }
  return nullptr;
}

TEST(LogDispatchReport, WritesOneLinePerNotableAggregateThenOneSummary) {
  CapturedLogger captured;
  log_dispatch_report(captured.logger, report_with_one_of_each(), milliseconds(55));
  const auto lines = captured.parsed();
  ASSERT_EQ(lines.size(), 6U);
  EXPECT_EQ(lines.back()["message"], "batch handled");

  const auto* warning = find(lines, "record 101 removes an item");
  ASSERT_NE(warning, nullptr);
  EXPECT_EQ((*warning)["level"], "WARN");
  EXPECT_EQ((*warning)["code"], "RemoveRecordIgnored");

  const auto* gap = find(lines, "aggregate held at a gap; waits for the missing version");
  ASSERT_NE(gap, nullptr);
  EXPECT_EQ((*gap)["level"], "WARN");
  EXPECT_EQ((*gap)["aggregate_id"], "Order:gap");
  EXPECT_EQ((*gap)["held_at_version"], 3);
  EXPECT_EQ((*gap)["reason"], "gap");

  const auto* poison = find(lines, "aggregate held at a poison event; waits for an operator");
  ASSERT_NE(poison, nullptr);
  EXPECT_EQ((*poison)["aggregate_id"], "Order:poison");
  EXPECT_EQ((*poison)["reason"], "poison");
  EXPECT_EQ((*poison)["detail"], "no payload");

  const auto* dead = find(lines, "event dead-lettered; its aggregate continues");
  ASSERT_NE(dead, nullptr);
  EXPECT_EQ((*dead)["level"], "WARN");
  EXPECT_EQ((*dead)["aggregate_id"], "Order:dead");
  EXPECT_EQ((*dead)["version"], 2);
  EXPECT_EQ((*dead)["reason"], "MessageTooLarge: 2000000 bytes");

  const auto* failed = find(lines, "aggregate not dispatched; Lambda retries from its record");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ((*failed)["level"], "ERROR");
  EXPECT_EQ((*failed)["phase"], "commit-offsets");
  EXPECT_EQ((*failed)["sequence_number"], "205");
  EXPECT_EQ((*failed)["retryable"], true);
  EXPECT_EQ((*failed)["uncommitted_messages"], 2);
  EXPECT_NE((*failed)["error"].get<std::string>().find("ThrottlingException"), std::string::npos);
}

TEST(LogDispatchReport, SummaryCarriesCountsDurationsAndRetryPoint) {
  CapturedLogger captured;
  log_dispatch_report(captured.logger, report_with_one_of_each(), milliseconds(55));
  const auto summary = captured.parsed().back();
  EXPECT_EQ(summary["level"], "INFO");
  EXPECT_EQ(summary["records"], 12);
  EXPECT_EQ(summary["events_published"], 7);
  EXPECT_EQ(summary["aggregates_held"], 2);
  EXPECT_EQ(summary["aggregates_held_at_gap"], 1);
  EXPECT_EQ(summary["aggregates_held_at_poison"], 1);
  EXPECT_EQ(summary["events_dead_lettered"], 1);
  EXPECT_EQ(summary["aggregates_failed"], 1);
  EXPECT_EQ(summary["retry_from"], "205");
  EXPECT_DOUBLE_EQ(summary["duration_milliseconds"].get<double>(), 55.0);
  EXPECT_DOUBLE_EQ(summary["phase_milliseconds"]["publish"].get<double>(), 40.0);
  EXPECT_DOUBLE_EQ(summary["phase_milliseconds"]["write-markers"].get<double>(), 0.0);
  EXPECT_FALSE(summary.contains("lag_max_milliseconds"));
}

TEST(LogDispatchReport, LostOffsetRacesAreCountedApartFromCommits) {
  CapturedLogger captured;
  DispatchReport report;
  report.offsets_committed = 2;
  report.offset_races_lost = 1;
  report.deferred = 4;
  log_dispatch_report(captured.logger, report, milliseconds(1));
  const auto summary = captured.parsed().back();
  EXPECT_EQ(summary["offsets_committed"], 2);
  EXPECT_EQ(summary["offset_races_lost"], 1);
  EXPECT_EQ(summary["aggregates_deferred"], 4);
}

TEST(LogDispatchReport, EachHoldReasonHasItsOwnMessage) {
  CapturedLogger captured;
  DispatchReport report;
  for (const auto reason : {dispatch::HoldReason::kGap, dispatch::HoldReason::kPoison,
                            dispatch::HoldReason::kRefused, dispatch::HoldReason::kCorrupt}) {
    report.held.push_back({"Order:1", {.version = 3, .reason = reason}, 1'700'000'000'000});
  }
  log_dispatch_report(captured.logger, report, milliseconds(1));
  const auto lines = captured.parsed();
  std::set<std::string> messages;
  for (std::size_t i = 0; i < 4; ++i) {
    messages.insert(lines[i]["message"].get<std::string>());
    EXPECT_EQ(lines[i]["held_since_milliseconds"], 1'700'000'000'000);
  }
  EXPECT_EQ(messages.size(), 4U);
  EXPECT_EQ(lines[2]["reason"], "refused");
  EXPECT_EQ(lines[3]["reason"], "corrupt");
}

TEST(LogDispatchReport, SummaryHasLagOnlyWhenEventsWereDelivered) {
  CapturedLogger captured;
  DispatchReport report;
  report.lag = {.events = 3, .max = milliseconds(700), .total = milliseconds(900)};
  log_dispatch_report(captured.logger, report, milliseconds(1));
  const auto summary = captured.parsed().back();
  EXPECT_EQ(summary["lag_max_milliseconds"], 700);
  EXPECT_EQ(summary["lag_average_milliseconds"], 300);
  EXPECT_EQ(summary["retry_from"], nullptr);
}

TEST(LogDispatchReport, AtWarnLevelKeepsOnlyWhatAnOperatorMustSee) {
  CapturedLogger captured(config::LogLevel::kWarn);
  log_dispatch_report(captured.logger, report_with_one_of_each(), milliseconds(1));
  const auto lines = captured.parsed();
  EXPECT_EQ(lines.size(), 5U);
  EXPECT_EQ(find(lines, "batch handled"), nullptr);
}

}  // namespace
}  // namespace dispatcher::core::observability
