#include "core/dispatch/dispatcher.h"

#include <gtest/gtest.h>

#include "fakes/event_items.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_dynamodb.h"
#include "fakes/fake_event_store.h"
#include "fakes/fake_kafka.h"
#include "fakes/faults.h"

namespace dispatcher::core::dispatch {
namespace {

using namespace std::chrono_literals;
using fakes::aggregate_id_of;
using fakes::EntryFault;
using fakes::PortCall;

StreamRecord event_record(std::string sequence_number, std::string_view stream_id,
                          std::int64_t version) {
  return StreamRecord{.sequence_number = std::move(sequence_number),
                      .aggregate_id = aggregate_id_of(stream_id),
                      .version = version};
}

StreamRecord marker_record(std::string sequence_number, std::string_view stream_id) {
  return event_record(std::move(sequence_number), stream_id, kMarkerVersion);
}

class DispatcherTest : public ::testing::Test {
 protected:
  DispatchReport handle(std::vector<StreamRecord> records, std::chrono::milliseconds budget = 60s) {
    Dispatcher dispatcher(store_, publisher_, clock_, options_);
    return dispatcher.handle(StreamBatch{.records = std::move(records), .warnings = {}},
                             clock_.now() + budget);
  }

  void write(std::string_view stream_id, std::initializer_list<std::int64_t> versions) {
    for (const std::int64_t version : versions) {
      table_.put_item(fakes::event_item(stream_id, version));
    }
  }

  std::vector<std::int64_t> published(std::string_view stream_id) const {
    std::vector<std::int64_t> versions;
    for (const fakes::DeliveredMessage& delivered : kafka_.log()) {
      if (delivered.message.key == stream_id) {
        for (const Header& header : delivered.message.headers) {
          if (header.first == "version") {
            versions.push_back(std::stoll(header.second));
          }
        }
      }
    }
    return versions;
  }

  std::optional<std::int64_t> offset(std::string_view stream_id) const {
    return table_.offset(aggregate_id_of(stream_id));
  }

  std::string marker_trigger(std::string_view stream_id) const {
    const dynamodb::Item* marker = table_.find(aggregate_id_of(stream_id), kMarkerVersion);
    if (marker == nullptr) {
      return "<no marker>";
    }
    const std::string* trigger = dynamodb::string_attribute(*marker, "trigger");
    return trigger == nullptr ? "<no trigger>" : *trigger;
  }

  std::int64_t now_milliseconds() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               clock_.wall_now().time_since_epoch())
        .count();
  }

  fakes::Faults faults_{7};
  fakes::FakeClock clock_;
  fakes::FakeDynamoDb table_{1, 7};
  fakes::FakeKafka kafka_{3};
  fakes::FakeEventStore store_{table_, faults_, clock_};
  fakes::FakePublisher publisher_{kafka_, faults_, clock_};
  DispatcherOptions options_{.topic = "orders-out"};
};

TEST_F(DispatcherTest, WritesOneMarkerPerAggregateWithNewEvents) {
  const DispatchReport report =
      handle({event_record("10", "a", 0), event_record("9", "b", 0), event_record("11", "a", 1)});
  EXPECT_EQ(report.markers_written, 2U);
  EXPECT_EQ(marker_trigger("a"), "11");
  EXPECT_EQ(marker_trigger("b"), "9");
  EXPECT_TRUE(kafka_.log().empty());
  EXPECT_EQ(report.response.retry_from, std::nullopt);
  EXPECT_EQ(publisher_.calls(), 0U);
}

TEST_F(DispatcherTest, EveryNewEventChangesTheMarkerSoTheDoorbellRingsAgain) {
  std::ignore = handle({event_record("10", "a", 0)});
  const std::size_t records_after_first = table_.stream_record_count();
  std::ignore = handle({event_record("12", "a", 1)});
  EXPECT_EQ(table_.stream_record_count(), records_after_first + 1) << "the doorbell did not ring";
  EXPECT_EQ(marker_trigger("a"), "12");
}

TEST_F(DispatcherTest, RetriedBatchRingsNoExtraDoorbell) {
  std::ignore = handle({event_record("10", "a", 0), event_record("12", "a", 1)});
  const std::size_t records_after_first = table_.stream_record_count();
  std::ignore = handle({event_record("10", "a", 0), event_record("12", "a", 1)});
  EXPECT_EQ(table_.stream_record_count(), records_after_first);
}

TEST_F(DispatcherTest, PublishesContiguousRunInOrderAndCommitsItsLastVersion) {
  write("a", {0, 1, 2});
  const DispatchReport report = handle({marker_record("20", "a")});
  EXPECT_EQ(published("a"), (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(offset("a"), 2);
  EXPECT_EQ(report.events_published, 3U);
  EXPECT_EQ(report.aggregates_dispatched, 1U);
  EXPECT_EQ(report.aggregates_published, 1U);
  EXPECT_EQ(report.offsets_committed, 1U);
  EXPECT_EQ(report.response.to_json(), R"({"batchItemFailures":[]})");
}

TEST_F(DispatcherTest, AbsentOffsetPublishesVersionZero) {
  write("a", {0});
  std::ignore = handle({marker_record("20", "a")});
  EXPECT_EQ(published("a"), (std::vector<std::int64_t>{0}));
  EXPECT_EQ(offset("a"), 0);
}

TEST_F(DispatcherTest, StartsRightAfterTheCommittedOffset) {
  write("a", {0, 1, 2, 3});
  ASSERT_TRUE(table_.commit_offset(aggregate_id_of("a"), 1));
  std::ignore = handle({marker_record("20", "a")});
  EXPECT_EQ(published("a"), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(offset("a"), 3);
}

TEST_F(DispatcherTest, MessagesGoToTheTopicKeyedByStreamIdWithContractHeaders) {
  write("a", {0});
  std::ignore = handle({marker_record("20", "a")});
  ASSERT_EQ(kafka_.log().size(), 1U);
  const OutgoingMessage& message = kafka_.log()[0].message;
  EXPECT_EQ(message.topic, "orders-out");
  EXPECT_EQ(message.key, "a");
  EXPECT_EQ(message.value, *dynamodb::binary_attribute(fakes::event_item("a", 0), "data"));
  EXPECT_EQ(message.headers.at(1), (Header{"messageId", fakes::event_id_of("a", 0)}));
}

TEST_F(DispatcherTest, NothingNewMeansNoPublishAndNoCommit) {
  write("a", {0});
  ASSERT_TRUE(table_.commit_offset(aggregate_id_of("a"), 0));
  const DispatchReport report = handle({marker_record("20", "a")});
  EXPECT_TRUE(kafka_.log().empty());
  EXPECT_EQ(publisher_.calls(), 0U);
  EXPECT_EQ(store_.calls().commit_offsets, 0U);
  EXPECT_EQ(report.response.retry_from, std::nullopt);
}

TEST_F(DispatcherTest, GapHoldsOnlyItsAggregate) {
  write("a", {0, 1, 3});
  write("b", {0, 1});
  const DispatchReport report = handle({marker_record("20", "a"), marker_record("21", "b")});
  EXPECT_EQ(published("a"), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(published("b"), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(offset("a"), 1);
  ASSERT_EQ(report.held.size(), 1U);
  EXPECT_EQ(report.held[0].aggregate_id, aggregate_id_of("a"));
  EXPECT_EQ(report.held[0].hold.version, 2);
  EXPECT_EQ(report.held[0].hold.reason, HoldReason::kGap);
  // A hold is not a failure: the missing version's own record will ring the doorbell.
  EXPECT_EQ(report.response.retry_from, std::nullopt);
  EXPECT_TRUE(report.failed.empty());
}

TEST_F(DispatcherTest, FilledGapIsPublishedInOrderByTheNextDoorbell) {
  write("a", {0, 2});
  std::ignore = handle({marker_record("20", "a")});
  write("a", {1});
  std::ignore = handle({marker_record("30", "a")});
  EXPECT_EQ(published("a"), (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(offset("a"), 2);
}

TEST_F(DispatcherTest, PoisonEventHoldsOnlyItsAggregateAfterPublishingThePrefix) {
  write("a", {0, 2});
  dynamodb::Item poison = fakes::event_item("a", 1);
  poison.erase("data");
  table_.put_item(poison);
  write("b", {0});
  const DispatchReport report = handle({marker_record("20", "a"), marker_record("21", "b")});
  EXPECT_EQ(published("a"), (std::vector<std::int64_t>{0}));
  EXPECT_EQ(published("b"), (std::vector<std::int64_t>{0}));
  ASSERT_EQ(report.held.size(), 1U);
  EXPECT_EQ(report.held[0].hold.version, 1);
  EXPECT_EQ(report.held[0].hold.reason, HoldReason::kPoison);
  EXPECT_NE(report.held[0].hold.detail.find("data"), std::string::npos);
  EXPECT_EQ(report.response.retry_from, std::nullopt);
}

TEST_F(DispatcherTest, FailedMarkerWriteReportsLowestEventSequenceNumberOfThatAggregate) {
  faults_.script_entry_fault(PortCall::kWriteMarkers, aggregate_id_of("a"), EntryFault::kTransient);
  const DispatchReport report = handle(
      {event_record("300", "a", 0), event_record("200", "b", 0), event_record("250", "a", 1)});
  ASSERT_EQ(report.failed.size(), 1U);
  EXPECT_EQ(report.failed[0].aggregate_id, aggregate_id_of("a"));
  EXPECT_EQ(report.failed[0].phase, Phase::kWriteMarkers);
  EXPECT_EQ(report.failed[0].sequence_number, "250");
  EXPECT_EQ(report.response.retry_from, "250");
  EXPECT_EQ(report.markers_written, 1U);
  EXPECT_EQ(marker_trigger("b"), "200");
}

TEST_F(DispatcherTest, TransientOffsetReadFailureOfOneAggregateLetsOthersCommit) {
  write("a", {0});
  write("b", {0});
  faults_.script_entry_fault(PortCall::kReadOffsets, aggregate_id_of("a"), EntryFault::kTransient);
  const DispatchReport report = handle({marker_record("40", "a"), marker_record("41", "b")});
  EXPECT_TRUE(published("a").empty());
  EXPECT_EQ(offset("b"), 0);
  ASSERT_EQ(report.failed.size(), 1U);
  EXPECT_EQ(report.failed[0].phase, Phase::kReadOffsets);
  EXPECT_EQ(report.response.retry_from, "40");
}

TEST_F(DispatcherTest, TransientEventReadFailureReportsLowestMarkerSequenceNumber) {
  write("a", {0});
  write("b", {0});
  faults_.script_entry_fault(PortCall::kReadEvents, aggregate_id_of("a"), EntryFault::kTransient);
  const DispatchReport report =
      handle({marker_record("1000", "a"), marker_record("99", "b"), marker_record("998", "a")});
  EXPECT_EQ(offset("b"), 0);
  EXPECT_EQ(offset("a"), std::nullopt);
  ASSERT_EQ(report.failed.size(), 1U);
  EXPECT_EQ(report.failed[0].phase, Phase::kReadEvents);
  EXPECT_EQ(report.response.retry_from, "998");
}

TEST_F(DispatcherTest, PublishFailureCommitsTheDeliveredPrefixAndReportsFailure) {
  write("a", {0, 1, 2, 3});
  write("b", {0});
  faults_.script_entry_fault(PortCall::kPublish, "a", EntryFault::kTransient, 2);
  const DispatchReport report = handle({marker_record("50", "a"), marker_record("51", "b")});
  EXPECT_EQ(published("a"), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(offset("a"), 1);
  EXPECT_EQ(offset("b"), 0);
  ASSERT_EQ(report.failed.size(), 1U);
  EXPECT_EQ(report.failed[0].phase, Phase::kPublish);
  EXPECT_EQ(report.failed[0].uncommitted_messages, 0U);
  EXPECT_EQ(report.response.retry_from, "50");
}

TEST_F(DispatcherTest, PublishFailureOfFirstMessageCommitsNothingForThatAggregate) {
  write("a", {0, 1});
  faults_.script_entry_fault(PortCall::kPublish, "a", EntryFault::kTransient, 0);
  const DispatchReport report = handle({marker_record("50", "a")});
  EXPECT_EQ(offset("a"), std::nullopt);
  EXPECT_EQ(store_.calls().commit_offsets, 0U);
  EXPECT_EQ(report.response.retry_from, "50");
}

TEST_F(DispatcherTest, PermanentPublishErrorHoldsTheAggregateWithoutBatchFailure) {
  write("a", {0, 1, 2});
  faults_.script_entry_fault(PortCall::kPublish, "a", EntryFault::kPermanent, 1);
  const DispatchReport report = handle({marker_record("50", "a")});
  EXPECT_EQ(offset("a"), 0);
  ASSERT_EQ(report.held.size(), 1U);
  EXPECT_EQ(report.held[0].hold.version, 1);
  EXPECT_EQ(report.held[0].hold.reason, HoldReason::kRefused);  // issue 11: was kPoison
  EXPECT_NE(report.held[0].hold.detail.find("MSG_SIZE_TOO_LARGE"), std::string::npos);
  EXPECT_TRUE(report.failed.empty());
  EXPECT_EQ(report.response.retry_from, std::nullopt);
}

TEST_F(DispatcherTest, CommitFailureReportsPublishedButUncommittedMessages) {
  write("a", {0, 1, 2});
  write("b", {0});
  faults_.script_entry_fault(PortCall::kCommitOffsets, aggregate_id_of("a"),
                             EntryFault::kTransient);
  const DispatchReport report = handle({marker_record("60", "a"), marker_record("61", "b")});
  EXPECT_EQ(offset("a"), std::nullopt);
  EXPECT_EQ(offset("b"), 0);
  ASSERT_EQ(report.failed.size(), 1U);
  EXPECT_EQ(report.failed[0].phase, Phase::kCommitOffsets);
  EXPECT_EQ(report.failed[0].uncommitted_messages, 3U);
  EXPECT_EQ(report.response.retry_from, "60");
}

TEST_F(DispatcherTest, RetryAfterCommitFailureResendsAContiguousSuffixThenCommits) {
  write("a", {0, 1, 2});
  faults_.script_entry_fault(PortCall::kCommitOffsets, aggregate_id_of("a"),
                             EntryFault::kTransient);
  std::ignore = handle({marker_record("60", "a")});
  const DispatchReport retry = handle({marker_record("60", "a")});
  EXPECT_EQ(published("a"), (std::vector<std::int64_t>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(offset("a"), 2);
  EXPECT_EQ(retry.response.retry_from, std::nullopt);
}

TEST_F(DispatcherTest, CappedAggregateRingsItsDoorbellAgainWithANewTrigger) {
  options_.max_events_per_aggregate = 2;
  write("a", {0, 1, 2, 3, 4});
  const std::size_t records_before = table_.stream_record_count();
  const DispatchReport report = handle({marker_record("70", "a")});
  EXPECT_EQ(published("a"), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(offset("a"), 1);
  EXPECT_EQ(report.continuations, 1U);
  EXPECT_EQ(marker_trigger("a"), "continue:1");
  EXPECT_EQ(table_.stream_record_count(), records_before + 1);

  const DispatchReport next = handle({marker_record("80", "a")});
  EXPECT_EQ(marker_trigger("a"), "continue:3");
  const DispatchReport last = handle({marker_record("90", "a")});
  EXPECT_EQ(last.continuations, 0U);
  EXPECT_EQ(published("a"), (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(next.continuations, 1U);
}

TEST_F(DispatcherTest, NoContinuationWhenThePageHoldsEverything) {
  options_.max_events_per_aggregate = 3;
  write("a", {0, 1, 2});
  const DispatchReport report = handle({marker_record("70", "a")});
  EXPECT_EQ(report.continuations, 0U);
  EXPECT_EQ(marker_trigger("a"), "<no marker>");
}

TEST_F(DispatcherTest, NoContinuationForAHeldAggregate) {
  options_.max_events_per_aggregate = 2;
  write("a", {0, 2, 3});
  const DispatchReport report = handle({marker_record("70", "a")});
  EXPECT_EQ(report.continuations, 0U);
  ASSERT_EQ(report.held.size(), 1U);
}

TEST_F(DispatcherTest, FailedContinuationIsReportedForRetry) {
  options_.max_events_per_aggregate = 1;
  write("a", {0, 1});
  faults_.script_entry_fault(PortCall::kWriteMarkers, aggregate_id_of("a"), EntryFault::kTransient);
  const DispatchReport report = handle({marker_record("70", "a")});
  EXPECT_EQ(offset("a"), 0);
  ASSERT_EQ(report.failed.size(), 1U);
  EXPECT_EQ(report.failed[0].phase, Phase::kContinue);
  EXPECT_EQ(report.failed[0].uncommitted_messages, 0U);
  EXPECT_EQ(report.response.retry_from, "70");
}

TEST_F(DispatcherTest, StartsNoWaveWithLessThanTheSafetyMarginLeft) {
  write("a", {0});
  const DispatchReport report =
      handle({event_record("5", "b", 0), marker_record("7", "a")}, /*budget=*/1999ms);
  EXPECT_EQ(store_.calls().write_markers + store_.calls().read_offsets, 0U);
  EXPECT_EQ(publisher_.calls(), 0U);
  ASSERT_EQ(report.failed.size(), 2U);
  for (const FailedAggregate& failure : report.failed) {
    EXPECT_EQ(failure.error.code, "DeadlineExceeded");
    EXPECT_TRUE(failure.error.retryable());
  }
  EXPECT_EQ(report.response.retry_from, "5");
}

TEST_F(DispatcherTest, CommitSkippedAtDeadlineReportsPublishedButUncommittedMessages) {
  write("a", {0, 1});
  publisher_.before_call = [this] { clock_.advance(10s); };
  const DispatchReport report = handle({marker_record("7", "a")}, /*budget=*/11s);
  EXPECT_EQ(published("a"), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(store_.calls().commit_offsets, 0U);
  ASSERT_EQ(report.failed.size(), 1U);
  EXPECT_EQ(report.failed[0].phase, Phase::kCommitOffsets);
  EXPECT_EQ(report.failed[0].uncommitted_messages, 2U);
  EXPECT_EQ(report.response.retry_from, "7");
}

TEST_F(DispatcherTest, WaveCountDoesNotGrowWithTheNumberOfAggregates) {
  std::vector<StreamRecord> records;
  for (int index = 0; index < 200; ++index) {
    const std::string stream_id = "s" + std::to_string(index);
    write(stream_id, {0, 1});
    records.push_back(marker_record(std::to_string(1000 + index), stream_id));
    records.push_back(event_record(std::to_string(5000 + index), "new-" + stream_id, 0));
  }
  options_.max_events_per_aggregate = 1;  // every aggregate also needs a continuation
  const DispatchReport report = handle(records);
  EXPECT_EQ(store_.calls().write_markers, 2U);  // doorbells + continuations
  EXPECT_EQ(store_.calls().read_offsets, 1U);
  EXPECT_EQ(store_.calls().read_events, 1U);
  EXPECT_EQ(store_.calls().commit_offsets, 1U);
  EXPECT_EQ(publisher_.calls(), 1U);
  EXPECT_EQ(report.events_published, 200U);
  EXPECT_EQ(report.continuations, 200U);
  EXPECT_EQ(report.markers_written, 200U);
}

TEST_F(DispatcherTest, ReportsCountsWarningsAndPhaseDurations) {
  write("a", {0, 1});
  store_.before_call = [this] { clock_.advance(5ms); };
  publisher_.before_call = [this] { clock_.advance(7ms); };
  Dispatcher dispatcher(store_, publisher_, clock_, options_);
  const DispatchReport report = dispatcher.handle(
      StreamBatch{.records = {marker_record("9", "a"), event_record("8", "b", 0),
                              event_record("10", "c", -5)},
                  .warnings = {Warning{.code = "RemoveRecordIgnored", .sequence_number = "7"}}},
      clock_.now() + 60s);
  EXPECT_EQ(report.records, 3U);
  ASSERT_EQ(report.warnings.size(), 2U);
  EXPECT_EQ(report.warnings[0].code, "RemoveRecordIgnored");
  EXPECT_EQ(report.warnings[1].code, "UnknownNegativeVersion");
  EXPECT_EQ(report.duration(Phase::kWriteMarkers), 5ms);
  EXPECT_EQ(report.duration(Phase::kReadOffsets), 5ms);
  EXPECT_EQ(report.duration(Phase::kReadEvents), 5ms);
  EXPECT_EQ(report.duration(Phase::kPublish), 7ms);
  EXPECT_EQ(report.duration(Phase::kCommitOffsets), 5ms);
  EXPECT_EQ(report.duration(Phase::kContinue), 0ms);
  EXPECT_STREQ(phase_name(Phase::kCommitOffsets), "commit-offsets");
}

/// A store that breaks its promises, to check the dispatcher does not trust it blindly.
class MisbehavingEventStore final : public EventStore {
 public:
  explicit MisbehavingEventStore(EventStore& inner) : inner_(inner) {}
  std::vector<Status> write_markers(std::span<const MarkerWrite> markers,
                                    Deadline deadline) override {
    return inner_.write_markers(markers, deadline);
  }
  std::vector<Result<OffsetState>> read_offsets(std::span<const AggregateId> ids,
                                                Deadline deadline) override {
    auto offsets = inner_.read_offsets(ids, deadline);
    if (drop_last_offset && !offsets.empty()) {
      offsets.pop_back();
    }
    return offsets;
  }
  std::vector<Result<EventPage>> read_events(std::span<const EventQuery> queries, ReadBudget budget,
                                             Deadline deadline) override {
    auto pages = inner_.read_events(queries, budget, deadline);
    if (repeat_last_item) {
      for (std::size_t index = 0; index < pages.size() && index < queries.size(); ++index) {
        auto& page = pages[index];
        const bool chosen =
            repeat_only_for.empty() || queries[index].aggregate_id == repeat_only_for;
        if (chosen && page && !page->items.empty()) {
          page->items.push_back(page->items.back());
        }
      }
    }
    return pages;
  }
  std::vector<Result<CommitOutcome>> commit_offsets(std::span<const OffsetCommit> commits,
                                                    Deadline deadline) override {
    return inner_.commit_offsets(commits, deadline);
  }
  bool drop_last_offset = false;
  bool repeat_last_item = false;
  AggregateId repeat_only_for;  ///< empty: every page

 private:
  EventStore& inner_;
};

TEST_F(DispatcherTest, PortAnsweringTooFewResultsFailsTheUnansweredAggregates) {
  write("a", {0});
  write("b", {0});
  MisbehavingEventStore store(store_);
  store.drop_last_offset = true;
  Dispatcher dispatcher(store, publisher_, clock_, options_);
  const DispatchReport report = dispatcher.handle(
      StreamBatch{.records = {marker_record("1", "a"), marker_record("2", "b")}, .warnings = {}},
      clock_.now() + 60s);
  EXPECT_EQ(offset("a"), 0);
  EXPECT_EQ(offset("b"), std::nullopt);
  ASSERT_EQ(report.failed.size(), 1U);
  EXPECT_EQ(report.failed[0].error.code, "PortContractViolation");
  EXPECT_EQ(report.response.retry_from, "2");
}

// Issue 11: the order violation was a batch failure (retried forever); it is about the
// aggregate's data, so it now holds that aggregate (corrupt) after the valid prefix.
TEST_F(DispatcherTest, OutOfOrderPagePublishesTheValidPrefixThenHoldsTheAggregateAsCorrupt) {
  write("a", {0, 1});
  write("b", {0});
  MisbehavingEventStore store(store_);
  store.repeat_last_item = true;
  store.repeat_only_for = aggregate_id_of("a");
  Dispatcher dispatcher(store, publisher_, clock_, options_);
  const DispatchReport report = dispatcher.handle(
      StreamBatch{.records = {marker_record("3", "a"), marker_record("4", "b")}, .warnings = {}},
      clock_.now() + 60s);
  EXPECT_EQ(published("a"), (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(offset("a"), 1);
  EXPECT_EQ(offset("b"), 0);
  EXPECT_TRUE(report.failed.empty());
  EXPECT_EQ(report.response.retry_from, std::nullopt);
  ASSERT_EQ(report.held.size(), 1U);
  EXPECT_EQ(report.held[0].aggregate_id, aggregate_id_of("a"));
  EXPECT_EQ(report.held[0].hold.reason, HoldReason::kCorrupt);
  EXPECT_EQ(report.held[0].hold.version, 2);
  EXPECT_NE(report.held[0].hold.detail.find("EventOrderViolation"), std::string::npos);
  const auto stored = table_.stored_hold(aggregate_id_of("a"));
  ASSERT_TRUE(stored.has_value()) << "the hold is stored with the commit of the prefix";
  EXPECT_EQ(stored->hold.reason, HoldReason::kCorrupt);
  EXPECT_EQ(stored->since_milliseconds, now_milliseconds());
}

TEST_F(DispatcherTest, RejectsUnusableOptions) {
  const auto construct = [this](DispatcherOptions options) {
    Dispatcher dispatcher(store_, publisher_, clock_, std::move(options));
  };
  EXPECT_THROW(construct(DispatcherOptions{.topic = ""}), std::invalid_argument);
  EXPECT_THROW(construct(DispatcherOptions{.topic = "t", .first_event_version = -1}),
               std::invalid_argument);
  EXPECT_THROW(construct(DispatcherOptions{.topic = "t", .max_events_per_aggregate = 0}),
               std::invalid_argument);
  EXPECT_THROW(construct(DispatcherOptions{.topic = "t", .max_message_bytes = 0}),
               std::invalid_argument);
  EXPECT_THROW(construct(DispatcherOptions{.topic = "t", .deadline_safety_margin = -1ms}),
               std::invalid_argument);
  EXPECT_THROW(construct(DispatcherOptions{.topic = "events.{unknown}"}), std::invalid_argument);
  EXPECT_THROW(
      construct(DispatcherOptions{.topic = "t", .poison_policy = PoisonPolicy::kDeadLetter}),
      std::invalid_argument);
  EXPECT_NO_THROW(construct(DispatcherOptions{.topic = "t"}));
  EXPECT_NO_THROW(construct(DispatcherOptions{.topic = "events.{streamType}",
                                              .poison_policy = PoisonPolicy::kDeadLetter,
                                              .dead_letter_topic = "t.dlq"}));
}

class DeadLetterDispatcherTest : public DispatcherTest {
 protected:
  DeadLetterDispatcherTest() {
    options_.poison_policy = PoisonPolicy::kDeadLetter;
    options_.dead_letter_topic = "orders-dlq";
    options_.source_table = "events-table";
  }

  /// (topic, version or dlq.version) of the stream's messages in Kafka's order.
  std::vector<std::pair<std::string, std::string>> topics_and_versions(
      std::string_view stream_id) const {
    std::vector<std::pair<std::string, std::string>> result;
    for (const fakes::DeliveredMessage& delivered : kafka_.log()) {
      if (delivered.message.key != stream_id) {
        continue;
      }
      const bool dead_letter = delivered.message.topic == options_.dead_letter_topic;
      result.emplace_back(delivered.message.topic,
                          header(delivered.message, dead_letter ? "dlq.version" : "version"));
    }
    return result;
  }

  static std::string header(const OutgoingMessage& message, std::string_view name) {
    for (const auto& [key, value] : message.headers) {
      if (key == name) {
        return value;
      }
    }
    return "<absent>";
  }

  const OutgoingMessage* dead_letter_message() const {
    for (const fakes::DeliveredMessage& delivered : kafka_.log()) {
      if (delivered.message.topic == options_.dead_letter_topic) {
        return &delivered.message;
      }
    }
    return nullptr;
  }
};

using TopicAndVersion = std::pair<std::string, std::string>;

TEST_F(DeadLetterDispatcherTest, PoisonEventGoesToTheDeadLetterTopicInPlaceAndTheAggregateGoesOn) {
  write("a", {0, 2});
  dynamodb::Item poison = fakes::event_item("a", 1);
  poison.erase("data");
  table_.put_item(poison);
  write("b", {0});
  const DispatchReport report = handle({marker_record("20", "a"), marker_record("21", "b")});
  EXPECT_EQ(topics_and_versions("a"),
            (std::vector<TopicAndVersion>{
                {"orders-out", "0"}, {"orders-dlq", "1"}, {"orders-out", "2"}}));
  EXPECT_EQ(offset("a"), 2);
  EXPECT_EQ(offset("b"), 0);
  EXPECT_TRUE(report.held.empty());
  ASSERT_EQ(report.dead_lettered.size(), 1U);
  EXPECT_EQ(report.dead_lettered[0].aggregate_id, aggregate_id_of("a"));
  EXPECT_EQ(report.dead_lettered[0].version, 1);
  EXPECT_NE(report.dead_lettered[0].reason.find("data"), std::string::npos);
  EXPECT_EQ(publisher_.calls(), 1U) << "a planned dead letter needs no extra publish call";
  const OutgoingMessage* dead_letter = dead_letter_message();
  ASSERT_NE(dead_letter, nullptr);
  EXPECT_EQ(dead_letter->key, "a");
  EXPECT_EQ(header(*dead_letter, "dlq.source-table"), "events-table");
  EXPECT_EQ(header(*dead_letter, "dlq.payload-format"), "dynamodb-json");
  EXPECT_EQ(report.response.retry_from, std::nullopt);
}

TEST_F(DeadLetterDispatcherTest, BrokerRejectionIsDeadLetteredWithTheRestOfTheRunInOneExtraCall) {
  write("a", {0, 1, 2});
  write("b", {0});
  faults_.script_entry_fault(PortCall::kPublish, "a", EntryFault::kPermanent, 1);
  const DispatchReport report = handle({marker_record("50", "a"), marker_record("51", "b")});
  EXPECT_EQ(topics_and_versions("a"),
            (std::vector<TopicAndVersion>{
                {"orders-out", "0"}, {"orders-dlq", "1"}, {"orders-out", "2"}}));
  EXPECT_EQ(publisher_.calls(), 2U);
  EXPECT_EQ(offset("a"), 2);
  EXPECT_EQ(offset("b"), 0);
  EXPECT_EQ(report.events_published, 4U);
  EXPECT_TRUE(report.held.empty());
  EXPECT_TRUE(report.failed.empty());
  ASSERT_EQ(report.dead_lettered.size(), 1U);
  EXPECT_EQ(report.dead_lettered[0].version, 1);
  const OutgoingMessage* dead_letter = dead_letter_message();
  ASSERT_NE(dead_letter, nullptr);
  EXPECT_EQ(header(*dead_letter, "dlq.reason"), "MSG_SIZE_TOO_LARGE");
  EXPECT_EQ(header(*dead_letter, "dlq.original-topic"), "orders-out");
  EXPECT_EQ(header(*dead_letter, "messageId"), fakes::event_id_of("a", 1));
  EXPECT_EQ(dead_letter->value, *dynamodb::binary_attribute(fakes::event_item("a", 1), "data"));
}

TEST_F(DeadLetterDispatcherTest, BrokerRejectingTheDeadLetterTooHoldsTheAggregate) {
  write("a", {0, 1, 2});
  faults_.script_entry_fault(PortCall::kPublish, "a", EntryFault::kPermanent, 1);
  faults_.script_entry_fault(PortCall::kPublish, "a", EntryFault::kPermanent, 0);
  const DispatchReport report = handle({marker_record("50", "a")});
  EXPECT_EQ(publisher_.calls(), 2U) << "never more than one extra publish call";
  EXPECT_EQ(offset("a"), 0);
  ASSERT_EQ(report.held.size(), 1U);
  EXPECT_EQ(report.held[0].hold.version, 1);
  EXPECT_EQ(report.held[0].hold.reason, HoldReason::kRefused);  // issue 11: was kPoison
  EXPECT_TRUE(report.dead_lettered.empty()) << "the dead letter was not delivered";
  EXPECT_TRUE(report.failed.empty());
}

TEST_F(DeadLetterDispatcherTest, TransientFailureInTheExtraCallIsRetriedByLambda) {
  write("a", {0, 1, 2});
  faults_.script_entry_fault(PortCall::kPublish, "a", EntryFault::kPermanent, 0);
  faults_.script_entry_fault(PortCall::kPublish, "a", EntryFault::kTransient, 1);
  const DispatchReport report = handle({marker_record("50", "a")});
  EXPECT_EQ(offset("a"), 0) << "the dead letter of version 0 was delivered and committed";
  ASSERT_EQ(report.failed.size(), 1U);
  EXPECT_EQ(report.failed[0].phase, Phase::kPublish);
  EXPECT_EQ(report.response.retry_from, "50");
  ASSERT_EQ(report.dead_lettered.size(), 1U);
  EXPECT_EQ(report.dead_lettered[0].version, 0);
}

TEST_F(DispatcherTest, RoutesEachEventByTheTemplateInOneOrderedRun) {
  options_.topic = "orders.{eventType}";
  dynamodb::Item shipped = fakes::event_item("a", 1);
  shipped["eventType"] = dynamodb::string_value("OrderShipped");
  write("a", {0});
  table_.put_item(shipped);
  write("a", {2});
  std::ignore = handle({marker_record("20", "a")});
  std::vector<std::string> topics;
  for (const fakes::DeliveredMessage& delivered : kafka_.log()) {
    topics.push_back(delivered.message.topic);
  }
  EXPECT_EQ(topics, (std::vector<std::string>{"orders.OrderPlaced", "orders.OrderShipped",
                                              "orders.OrderPlaced"}));
  EXPECT_EQ(published("a"), (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(offset("a"), 2);
}

TEST_F(DispatcherTest, ReportsDispatchLagOfDeliveredEventsAgainstTheWallClock) {
  write("a", {0, 1});
  write("b", {0});
  faults_.script_entry_fault(PortCall::kPublish, "b", EntryFault::kTransient, 0);
  const DispatchReport report = handle({marker_record("20", "a"), marker_record("21", "b")});
  const auto event_time = [](std::int64_t version) {
    const auto text = *dynamodb::number_attribute(fakes::event_item("a", version), "timestamp");
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(std::stoll(text)));
  };
  const auto lag = [&](std::int64_t version) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.wall_now() -
                                                                 event_time(version));
  };
  EXPECT_EQ(report.lag.events, 2U) << "b was not delivered: no lag for it";
  EXPECT_EQ(report.lag.max, lag(0));
  EXPECT_EQ(report.lag.total, lag(0) + lag(1));
}

// ---- Issue 11: one time budget -------------------------------------------------------------

TEST_F(DispatcherTest, EveryPortCallGetsADeadlineNoLaterThanTheDeadlineMinusTheMargin) {
  options_.max_events_per_aggregate = 1;  // a continuation wave too
  write("a", {0, 1});
  write("b", {0});
  faults_.script_entry_fault(PortCall::kPublish, "b", EntryFault::kPermanent, 0);
  const Deadline runtime_deadline = clock_.now() + 60s;
  Dispatcher dispatcher(store_, publisher_, clock_, options_);
  std::ignore = dispatcher.handle(
      StreamBatch{
          .records = {event_record("5", "c", 0), marker_record("7", "a"), marker_record("8", "b")},
          .warnings = {}},
      runtime_deadline);
  const Deadline respond_by = runtime_deadline - options_.deadline_safety_margin;
  std::size_t calls = 0;
  for (const auto* recorded : {&store_.recorded_calls(), &publisher_.recorded_calls()}) {
    for (const fakes::RecordedCall& call : *recorded) {
      ++calls;
      EXPECT_LE(call.deadline, respond_by) << "port call " << static_cast<int>(call.call);
    }
  }
  EXPECT_EQ(calls, 6U) << "markers, offsets, events, publish, commit, continue";
}

TEST_F(DispatcherTest, PublishDeadlineKeepsTimeForTheCommit) {
  write("a", {0});
  const Deadline runtime_deadline = clock_.now() + 60s;
  Dispatcher dispatcher(store_, publisher_, clock_, options_);
  std::ignore = dispatcher.handle(StreamBatch{.records = {marker_record("7", "a")}, .warnings = {}},
                                  runtime_deadline);
  ASSERT_EQ(publisher_.recorded_calls().size(), 1U);
  const Deadline respond_by = runtime_deadline - options_.deadline_safety_margin;
  EXPECT_LE(publisher_.recorded_calls()[0].deadline, respond_by - 1s)
      << "a second (at most a quarter of what is left) stays for the commit wave";
}

TEST_F(DispatcherTest, PublishThatUsesItsWholeDeadlineStillCommitsTheDeliveredPrefixInTime) {
  write("a", {0, 1, 2, 3});
  write("b", {0});
  // The flush hangs far past its deadline: the publisher gives up at the deadline with two of a's
  // messages confirmed and none of b's.
  faults_.script_latency(PortCall::kPublish, 10min);
  faults_.script_entry_fault(PortCall::kPublish, "a", EntryFault::kTransient, 2);
  faults_.script_entry_fault(PortCall::kPublish, "b", EntryFault::kTransient, 0);
  const Deadline runtime_deadline = clock_.now() + 6s;
  Dispatcher dispatcher(store_, publisher_, clock_, options_);
  const DispatchReport report = dispatcher.handle(
      StreamBatch{.records = {marker_record("7", "a"), marker_record("8", "b")}, .warnings = {}},
      runtime_deadline);
  ASSERT_EQ(publisher_.recorded_calls().size(), 1U);
  EXPECT_TRUE(publisher_.recorded_calls()[0].timed_out);
  EXPECT_EQ(offset("a"), 1) << "the confirmed prefix is committed after the publish timed out";
  EXPECT_EQ(offset("b"), std::nullopt);
  EXPECT_LE(clock_.now(), runtime_deadline - options_.deadline_safety_margin);
  ASSERT_EQ(report.failed.size(), 2U);
  for (const FailedAggregate& failure : report.failed) {
    EXPECT_EQ(failure.phase, Phase::kPublish);
    EXPECT_EQ(failure.uncommitted_messages, 0U);
  }
  EXPECT_EQ(report.response.retry_from, "7");
}

// ---- Issue 11: per-aggregate outcomes -------------------------------------------------------

TEST_F(DispatcherTest, CorruptOffsetItemHoldsOnlyThatAggregateAndStoresTheHold) {
  table_.put_offset_item(aggregate_id_of("a"),
                         dynamodb::Item{{"version", dynamodb::string_value("seven")}});
  write("a", {0, 1});
  write("b", {0});
  const DispatchReport report = handle({marker_record("20", "a"), marker_record("21", "b")});
  EXPECT_TRUE(published("a").empty());
  EXPECT_EQ(offset("b"), 0);
  EXPECT_TRUE(report.failed.empty()) << "an error about a's data is no batch failure";
  EXPECT_EQ(report.response.retry_from, std::nullopt);
  EXPECT_FALSE(report.invocation_error.has_value());
  ASSERT_EQ(report.held.size(), 1U);
  EXPECT_EQ(report.held[0].aggregate_id, aggregate_id_of("a"));
  EXPECT_EQ(report.held[0].hold.reason, HoldReason::kCorrupt);
  EXPECT_NE(report.held[0].hold.detail.find("InvalidOffsetItem"), std::string::npos);
  // Stored beside the unreadable version, which stays as it was for a person to fix.
  const dynamodb::Item* item = table_.offset_item(aggregate_id_of("a"));
  ASSERT_NE(item, nullptr);
  const std::string* version = dynamodb::string_attribute(*item, "version");
  const std::string* reason = dynamodb::string_attribute(*item, "hold_reason");
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(*version, "seven");
  ASSERT_NE(reason, nullptr) << "the hold is stored";
  EXPECT_EQ(*reason, "corrupt");
  EXPECT_EQ(dynamodb::integer_attribute(*item, "held_since"), now_milliseconds());
}

TEST_F(DispatcherTest, UndecodablePageHoldsOnlyThatAggregateAtItsNextVersion) {
  write("a", {0, 1, 2});
  write("b", {0});
  ASSERT_TRUE(table_.commit_offset(aggregate_id_of("a"), 0));
  faults_.set_undecodable_page(aggregate_id_of("a"), true);
  const DispatchReport report = handle({marker_record("20", "a"), marker_record("21", "b")});
  EXPECT_TRUE(published("a").empty());
  EXPECT_EQ(offset("a"), 0);
  EXPECT_EQ(offset("b"), 0);
  EXPECT_TRUE(report.failed.empty());
  EXPECT_EQ(report.response.retry_from, std::nullopt);
  ASSERT_EQ(report.held.size(), 1U);
  EXPECT_EQ(report.held[0].hold.reason, HoldReason::kCorrupt);
  EXPECT_EQ(report.held[0].hold.version, 1);
  const auto stored = table_.stored_hold(aggregate_id_of("a"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->hold.reason, HoldReason::kCorrupt);
  EXPECT_EQ(stored->hold.version, 1);
  EXPECT_EQ(stored->since_milliseconds, now_milliseconds());

  // Once the page reads again, a new doorbell dispatches the rest and removes the stored hold.
  faults_.set_undecodable_page(aggregate_id_of("a"), false);
  const DispatchReport fixed = handle({marker_record("30", "a")});
  EXPECT_EQ(published("a"), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(offset("a"), 2);
  EXPECT_TRUE(fixed.held.empty());
  EXPECT_EQ(table_.stored_hold(aggregate_id_of("a")), std::nullopt);
}

TEST_F(DispatcherTest, MissingTableOnEventReadFailsTheInvocation) {
  write("a", {0});
  core::Error missing =
      core::permanent_error("ResourceNotFoundException", "Requested resource not found");
  missing.service = "dynamodb";
  missing.http_status = 400;
  faults_.script_entry_error(PortCall::kReadEvents, aggregate_id_of("a"), missing);
  const DispatchReport report = handle({marker_record("20", "a")});
  ASSERT_TRUE(report.invocation_error.has_value());
  EXPECT_EQ(report.invocation_error->code, "ResourceNotFoundException");
  ASSERT_EQ(report.failed.size(), 1U);
  EXPECT_EQ(report.failed[0].phase, Phase::kReadEvents);
  EXPECT_TRUE(report.held.empty()) << "a deployment error is nobody's corrupt data";
  EXPECT_EQ(report.response.retry_from, "20");
}

TEST_F(DispatcherTest, UnknownTopicFromTheBrokerFailsTheInvocation) {
  write("a", {0, 1});
  core::Error unknown = core::permanent_error("UNKNOWN_TOPIC_OR_PART", "Broker: Unknown topic");
  unknown.service = "kafka";
  faults_.script_entry_error(PortCall::kPublish, "a", unknown, 0);
  const DispatchReport report = handle({marker_record("20", "a")});
  ASSERT_TRUE(report.invocation_error.has_value());
  EXPECT_EQ(report.invocation_error->code, "UNKNOWN_TOPIC_OR_PART");
  EXPECT_TRUE(report.held.empty()) << "not a refusal of one message";
  ASSERT_EQ(report.failed.size(), 1U);
  EXPECT_EQ(report.response.retry_from, "20");
  EXPECT_EQ(offset("a"), std::nullopt);
}

TEST_F(DispatcherTest, BrokerRefusalIsHeldAsRefusedAndStoredWithTheCommit) {
  write("a", {0, 1, 2});
  faults_.script_entry_fault(PortCall::kPublish, "a", EntryFault::kPermanent, 1);
  std::ignore = handle({marker_record("50", "a")});
  EXPECT_EQ(offset("a"), 0);
  const auto stored = table_.stored_hold(aggregate_id_of("a"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->hold.reason, HoldReason::kRefused);
  EXPECT_EQ(stored->hold.version, 1);
  EXPECT_EQ(store_.calls().commit_offsets, 1U) << "one write: the offset with its hold";
}

// ---- Issue 11: stored holds -----------------------------------------------------------------

TEST_F(DispatcherTest, HoldAtTheSameStopKeepsItsSinceAndIsNotRewritten) {
  write("a", {0, 2});
  const DispatchReport first = handle({marker_record("20", "a")});
  ASSERT_EQ(first.held.size(), 1U);
  const std::int64_t since = now_milliseconds();
  EXPECT_EQ(first.held[0].since_milliseconds, since);
  const std::size_t writes = table_.offset_writes();
  const std::size_t commit_calls = store_.calls().commit_offsets;

  clock_.advance(90s);
  const DispatchReport again = handle({marker_record("30", "a")});
  ASSERT_EQ(again.held.size(), 1U);
  EXPECT_EQ(again.held[0].hold.version, 1);
  EXPECT_EQ(again.held[0].since_milliseconds, since) << "the hold began at the first stop";
  EXPECT_EQ(store_.calls().commit_offsets, commit_calls) << "nothing changed: nothing written";
  EXPECT_EQ(table_.offset_writes(), writes);
  ASSERT_TRUE(table_.stored_hold(aggregate_id_of("a")).has_value());
  EXPECT_EQ(table_.stored_hold(aggregate_id_of("a"))->since_milliseconds, since);
}

TEST_F(DispatcherTest, HoldAtANewStopIsStoredWithANewSince) {
  write("a", {0, 2});
  std::ignore = handle({marker_record("20", "a")});
  clock_.advance(90s);
  write("a", {1, 4});
  const DispatchReport report = handle({marker_record("30", "a")});
  ASSERT_EQ(report.held.size(), 1U);
  EXPECT_EQ(report.held[0].hold.version, 3);
  EXPECT_EQ(report.held[0].since_milliseconds, now_milliseconds());
  const auto stored = table_.stored_hold(aggregate_id_of("a"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->hold.version, 3);
  EXPECT_EQ(stored->since_milliseconds, now_milliseconds());
  EXPECT_EQ(offset("a"), 2);
}

TEST_F(DispatcherTest, CommitPastAStoredHoldRemovesIt) {
  write("a", {0, 2});
  std::ignore = handle({marker_record("20", "a")});
  ASSERT_TRUE(table_.stored_hold(aggregate_id_of("a")).has_value());
  write("a", {1});
  const DispatchReport report = handle({marker_record("30", "a")});
  EXPECT_TRUE(report.held.empty());
  EXPECT_EQ(offset("a"), 2);
  EXPECT_EQ(table_.stored_hold(aggregate_id_of("a")), std::nullopt);
}

TEST_F(DispatcherTest, StoredHoldThatNoLongerAppliesIsRemovedWithoutACommit) {
  // Someone (a replay, say) moved the offset past the stored gap: nothing is left to publish.
  write("a", {0, 1});
  table_.put_offset_item(aggregate_id_of("a"),
                         dynamodb::Item{{"version", dynamodb::integer_value(1)},
                                        {"hold_version", dynamodb::integer_value(1)},
                                        {"hold_reason", dynamodb::string_value("gap")},
                                        {"hold_detail", dynamodb::string_value("missing")},
                                        {"held_since", dynamodb::integer_value(5)}});
  const DispatchReport report = handle({marker_record("30", "a")});
  EXPECT_TRUE(report.held.empty());
  EXPECT_TRUE(kafka_.log().empty());
  EXPECT_EQ(offset("a"), 1);
  EXPECT_EQ(table_.stored_hold(aggregate_id_of("a")), std::nullopt);
  ASSERT_EQ(store_.commits().size(), 1U);
  EXPECT_EQ(store_.commits()[0].version, std::nullopt) << "a hold-only write";
  EXPECT_EQ(store_.commits()[0].read_offset, 1) << "conditioned on the offset read";
  EXPECT_EQ(report.offsets_committed, 0U);
}

TEST_F(DispatcherTest, HoldOnlyWriteLosesWhenTheOffsetMovedMeanwhile) {
  write("a", {0, 2});
  // Another writer commits while this invocation reads the events.
  store_.before_call = [this] {
    if (store_.calls().read_events == 1 && store_.calls().commit_offsets == 0) {
      table_.commit_offset(aggregate_id_of("a"), 5);
    }
  };
  const DispatchReport report = handle({marker_record("30", "a")});
  EXPECT_EQ(report.offset_races_lost, 1U);
  EXPECT_EQ(offset("a"), 5);
  EXPECT_EQ(table_.stored_hold(aggregate_id_of("a")), std::nullopt)
      << "a hold planned against an offset that moved is not stored";
}

// ---- Issue 11: lost races -------------------------------------------------------------------

TEST_F(DispatcherTest, LostRaceIsCountedApartFromCommittedOffsets) {
  write("a", {0, 1, 2});
  write("b", {0});
  // Another dispatcher commits a newer offset of a while this one publishes.
  publisher_.before_call = [this] { table_.commit_offset(aggregate_id_of("a"), 7); };
  const DispatchReport report = handle({marker_record("30", "a"), marker_record("31", "b")});
  EXPECT_EQ(report.offset_races_lost, 1U);
  EXPECT_EQ(report.offsets_committed, 1U) << "only b's";
  EXPECT_EQ(offset("a"), 7) << "offsets never move back";
  EXPECT_TRUE(report.failed.empty()) << "a losing writer is not an error";
}

// ---- Issue 11: byte budget ------------------------------------------------------------------

class ByteBudgetDispatcherTest : public DispatcherTest {
 protected:
  ByteBudgetDispatcherTest() {
    item_bytes_ = dynamodb::approximate_size(fakes::event_item("a", 0));
    store_.set_page_bytes(2 * item_bytes_);     // about two events per Query page
    options_.max_read_bytes = 4 * item_bytes_;  // two pages in flight
  }
  std::size_t item_bytes_ = 0;
};

TEST_F(ByteBudgetDispatcherTest, BigAggregateIsReadPartlyAndContinues) {
  write("a", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  const DispatchReport report = handle({marker_record("20", "a")});
  EXPECT_EQ(store_.read_budgets().at(0).max_bytes, 4 * item_bytes_);
  const std::vector<std::int64_t> first = published("a");
  ASSERT_FALSE(first.empty());
  EXPECT_LT(first.size(), 10U) << "the budget stops the read";
  EXPECT_EQ(offset("a"), first.back());
  EXPECT_EQ(report.continuations, 1U);
  EXPECT_EQ(marker_trigger("a"), "continue:" + std::to_string(first.back()));
  for (int invocation = 0; invocation < 10 && offset("a") != 9; ++invocation) {
    std::ignore = handle({marker_record(std::to_string(30 + invocation), "a")});
  }
  EXPECT_EQ(published("a"), (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST_F(ByteBudgetDispatcherTest, UnreadAggregatesAreDeferredAndDispatchedLater) {
  write("a", {0, 1, 2, 3, 4, 5});
  write("b", {0});
  write("c", {0});
  write("d", {0});
  const DispatchReport report = handle({marker_record("20", "a"), marker_record("21", "b"),
                                        marker_record("22", "c"), marker_record("23", "d")});
  EXPECT_FALSE(published("a").empty());
  EXPECT_EQ(published("b"), (std::vector<std::int64_t>{0}));
  EXPECT_TRUE(published("c").empty());
  EXPECT_TRUE(published("d").empty());
  EXPECT_EQ(report.deferred, 2U);
  EXPECT_TRUE(report.failed.empty()) << "deferred is not failed: the doorbell rings again";
  EXPECT_EQ(report.response.retry_from, std::nullopt);
  EXPECT_EQ(marker_trigger("c"), "deferred:22");
  EXPECT_EQ(marker_trigger("d"), "deferred:23");
  EXPECT_EQ(table_.offset_item(aggregate_id_of("c")), nullptr) << "nothing is known: no hold";

  const DispatchReport later = handle({marker_record("40", "c"), marker_record("41", "d")});
  EXPECT_EQ(later.deferred, 0U);
  EXPECT_EQ(published("c"), (std::vector<std::int64_t>{0}));
  EXPECT_EQ(published("d"), (std::vector<std::int64_t>{0}));
}

// Found by the property scenario (byte budget, timeouts): an earlier attempt of this batch wrote
// "deferred:22" and timed out after the write landed; its stream record (60) is in this batch.
// Writing the lowest marker's number again changed nothing, rang no doorbell, and c was lost.
TEST_F(ByteBudgetDispatcherTest, DeferredDoorbellRingsEvenWhenAnEarlierAttemptWroteItsTrigger) {
  write("a", {0, 1, 2, 3, 4, 5});
  write("b", {0});
  write("c", {0});
  write("d", {0});
  ASSERT_TRUE(fakes::put_marker(
      table_, MarkerWrite{.aggregate_id = aggregate_id_of("c"), .trigger = "deferred:22"}));
  const std::size_t records_before = table_.stream_record_count();
  const DispatchReport report =
      handle({marker_record("20", "a"), marker_record("21", "b"), marker_record("22", "c"),
              marker_record("23", "d"), marker_record("60", "c")});
  ASSERT_EQ(report.deferred, 2U);
  EXPECT_TRUE(published("c").empty());
  EXPECT_NE(marker_trigger("c"), "deferred:22") << "the same value makes no stream record";
  EXPECT_EQ(table_.stream_record_count(), records_before + 3) << "a continues, c and d deferred";
}

}  // namespace
}  // namespace dispatcher::core::dispatch
