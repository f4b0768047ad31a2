#include "core/operator/status_report.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
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
            "aggregates 4: 1 up to date, 1 behind, 2 held (1 gap, 1 poison, 0 refused, 0 corrupt; "
            "0 stored, 2 derived); total lag 6");
  const auto document = status_document(statuses, summary);
  EXPECT_EQ(document["summary"]["held"], 2);
  EXPECT_EQ(document["aggregates"][2]["hold"]["reason"], "gap");
  EXPECT_EQ(document["aggregates"][3]["hold"]["reason"], "poison");
  EXPECT_TRUE(document["aggregates"][0]["hold"].is_null());
}

TEST(StatusReport, SaysWhichHoldsAreStoredAndWhichDerived) {
  auto refused = status("r", 1, AggregateCondition::kHeld);
  refused.hold->reason = dispatch::HoldReason::kRefused;
  refused.hold->detail = "MSG_SIZE_TOO_LARGE";
  refused.hold_source = HoldSource::kStored;
  refused.held_since_milliseconds = 1700000000123;
  auto corrupt = status("c", 0, AggregateCondition::kHeld);
  corrupt.hold = dispatch::Hold{.version = -1,
                                .reason = dispatch::HoldReason::kCorrupt,
                                .detail = "offset item unreadable: attribute 'version' is wrong"};
  corrupt.offset_problem = "attribute 'version' is wrong";
  corrupt.offset.reset();
  const auto gap = status("g", 2, AggregateCondition::kHeld);
  const std::vector<AggregateStatus> statuses{refused, corrupt, gap};
  const auto summary = summarize(statuses);
  EXPECT_EQ(summary.held_refused, 1U);
  EXPECT_EQ(summary.held_corrupt, 1U);
  EXPECT_EQ(summary.held_stored, 1U);
  EXPECT_EQ(summary.held_derived(), 2U);
  EXPECT_EQ(hold_line(refused),
            "r: held at version 1 (refused; stored by the dispatcher, held since "
            "2023-11-14T22:13:20.123Z): MSG_SIZE_TOO_LARGE");
  EXPECT_EQ(hold_line(gap),
            "g: would hold at version 1 (gap; derived by re-planning, not stored by the "
            "dispatcher yet): d");
  EXPECT_NE(hold_line(corrupt).find("--to-version"), std::string::npos) << hold_line(corrupt);
  const auto document = status_document(statuses, summary);
  const auto& stored = document["aggregates"][0]["hold"];
  EXPECT_EQ(stored["source"], "stored");
  EXPECT_EQ(stored["held_since"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(stored["reason"], "refused");
  EXPECT_EQ(document["aggregates"][1]["offset_problem"], "attribute 'version' is wrong");
  EXPECT_EQ(document["aggregates"][2]["hold"]["source"], "derived");
  EXPECT_TRUE(document["aggregates"][2]["hold"]["held_since"].is_null());
  EXPECT_EQ(document["summary"]["held_refused"], 1);
  EXPECT_EQ(document["summary"]["held_stored"], 1);
  EXPECT_EQ(document["summary"]["held_derived"], 2);
  const std::string table = status_table(statuses);
  EXPECT_NE(table.find("unreadable"), std::string::npos);
  EXPECT_NE(table.find("SOURCE"), std::string::npos);
}

TEST(StatusReport, HeldSinceOutsideTheCalendarIsClampedNotOverflowed) {
  // A corrupt offsets item can hold any 64-bit held_since; the formatter took 999 from the
  // lowest one (signed overflow, undefined behaviour) and printed year 292 million for the highest.
  auto held = status("h", 1, AggregateCondition::kHeld);
  held.hold_source = HoldSource::kStored;
  held.held_since_milliseconds = std::numeric_limits<std::int64_t>::min();
  EXPECT_NE(hold_line(held).find("held since 0000-01-01T00:00:00.000Z"), std::string::npos)
      << hold_line(held);
  held.held_since_milliseconds = std::numeric_limits<std::int64_t>::max();
  EXPECT_NE(hold_line(held).find("held since 9999-12-31T23:59:59.999Z"), std::string::npos)
      << hold_line(held);
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

}  // namespace
}  // namespace dispatcher::core::operator_tools
