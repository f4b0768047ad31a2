#include "core/operator/status_report.h"

#include <gtest/gtest.h>

#include <vector>

namespace dispatcher::core::operator_tools {
namespace {

AggregateStatus status(std::string id, std::int64_t lag_value, AggregateCondition condition) {
  AggregateStatus result{.id = std::move(id),
                         .head_version = lag_value,
                         .offset = 0,
                         .lag = lag_value,
                         .condition = condition};
  if (condition == AggregateCondition::kHeld) {
    result.hold = dispatch::Hold{.version = 1, .reason = dispatch::HoldReason::kGap, .detail = "d"};
  }
  return result;
}

TEST(StatusReport, PutsHeldAggregatesFirstThenTheLargestLag) {
  const auto ordered = most_behind(
      {status("a", 1, AggregateCondition::kBehind), status("b", 0, AggregateCondition::kUpToDate),
       status("c", 9, AggregateCondition::kBehind), status("d", 2, AggregateCondition::kHeld)},
      3);
  ASSERT_EQ(ordered.size(), 3U);
  EXPECT_EQ(ordered[0].id, "d");
  EXPECT_EQ(ordered[1].id, "c");
  EXPECT_EQ(ordered[2].id, "a");
}

TEST(StatusReport, SummarisesByConditionAndReason) {
  auto poison = status("p", 3, AggregateCondition::kHeld);
  poison.hold->reason = dispatch::HoldReason::kPoison;
  const std::vector<AggregateStatus> statuses{status("a", 1, AggregateCondition::kBehind),
                                              status("b", 0, AggregateCondition::kUpToDate),
                                              status("d", 2, AggregateCondition::kHeld), poison};
  const auto summary = summarize(statuses);
  EXPECT_EQ(summary_line(summary),
            "aggregates 4: 1 up to date, 1 behind, 2 held (1 gap, 1 poison); total lag 6");
  const auto document = status_document(statuses, summary);
  EXPECT_EQ(document["summary"]["held"], 2);
  EXPECT_EQ(document["aggregates"][2]["hold"]["reason"], "gap");
  EXPECT_EQ(document["aggregates"][3]["hold"]["reason"], "poison");
  EXPECT_TRUE(document["aggregates"][0]["hold"].is_null());
}

TEST(StatusReport, TableAlignsColumnsAndShowsDashesForMissingValues) {
  AggregateStatus fresh{.id = "Order:long-name",
                        .head_version = 2,
                        .lag = 3,
                        .condition = AggregateCondition::kBehind};
  const std::vector<AggregateStatus> statuses{fresh};
  const std::string table = status_table(statuses);
  const auto newline = table.find('\n');
  const std::string header = table.substr(0, newline);
  const std::string row = table.substr(newline + 1);
  EXPECT_EQ(header.find("HEAD"), row.find("2  "));
  EXPECT_NE(row.find("behind"), std::string::npos);
  EXPECT_EQ(row.find("Order:long-name"), 0U);
  EXPECT_NE(row.find(" -  "), std::string::npos);
}

TEST(StatusReport, FormatsEpochMillisecondsAsUtc) {
  EXPECT_EQ(format_epoch_milliseconds(1700000000123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(format_epoch_milliseconds(0), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace dispatcher::core::operator_tools
