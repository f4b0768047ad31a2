#include "core/redrive/range_redrive.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "fakes/fake_clock.h"

namespace dispatcher::core::redrive {
namespace {

using dispatch::MarkerWrite;
using dispatch::StreamRecord;

/// One shard in memory, read the way DynamoDB Streams reads it: an iterator is a position,
/// GetRecords returns up to `page_size` records from it. Records can be trimmed (gone) from the
/// front, an iterator can be made to expire once, and empty pages can be served first.
class ShardModel final : public StreamRangeReader {
 public:
  std::string shard_id = "shardId-1";
  std::vector<StreamRecord> records;  // in shard order
  std::size_t trimmed_before = 0;     // records [0, trimmed_before) are past retention
  std::size_t page_size = 2;
  bool closed = false;
  int empty_pages_first = 0;
  bool expire_once = false;
  std::chrono::milliseconds latency{0};
  fakes::FakeClock* clock = nullptr;
  std::size_t iterator_calls = 0;
  std::size_t read_calls = 0;
  std::optional<std::size_t> trim_after_reads;  // then every record is past retention

  Result<RangeIterator> iterator_at(const StreamBatchInfo& batch, std::string_view sequence_number,
                                    bool after, Deadline /*deadline*/) override {
    ++iterator_calls;
    if (batch.shard_id != shard_id) {
      return RangeIterator{.status = IteratorStatus::kShardNotFound};
    }
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (records[i].sequence_number == sequence_number) {
        if (i < trimmed_before) {
          return RangeIterator{.status = IteratorStatus::kTrimmed};
        }
        return RangeIterator{.iterator = std::to_string(after ? i + 1 : i)};
      }
    }
    return RangeIterator{.status = IteratorStatus::kNotInShard};
  }

  Result<RangePage> read(const std::string& iterator, Deadline /*deadline*/) override {
    if (trim_after_reads && read_calls == *trim_after_reads) {
      trimmed_before = records.size();
    }
    ++read_calls;
    if (clock != nullptr) {
      clock->advance(latency);
    }
    if (expire_once) {
      expire_once = false;
      return RangePage{.status = PageStatus::kIteratorExpired};
    }
    std::size_t position = std::stoul(iterator);
    if (position < trimmed_before) {
      return RangePage{.status = PageStatus::kTrimmed};
    }
    if (empty_pages_first > 0) {
      --empty_pages_first;
      return RangePage{.next_iterator = iterator};
    }
    RangePage page;
    for (; position < records.size() && page.records.size() < page_size; ++position) {
      page.records.push_back(records[position]);
      page.last_sequence_number = records[position].sequence_number;
    }
    if (position < records.size() || !closed) {
      page.next_iterator = std::to_string(position);
    }
    return page;
  }
};

/// Only write_markers matters to redrive; it records every write and can fail.
class MarkerStore final : public dispatch::EventStore {
 public:
  std::vector<MarkerWrite> writes;
  std::optional<Error> failure;

  std::vector<Status> write_markers(std::span<const MarkerWrite> markers,
                                    Deadline /*deadline*/) override {
    std::vector<Status> statuses;
    for (const auto& marker : markers) {
      if (failure) {
        statuses.emplace_back(fail(*failure));
        continue;
      }
      writes.push_back(marker);
      statuses.emplace_back();
    }
    return statuses;
  }
  std::vector<Result<dispatch::OffsetState>> read_offsets(std::span<const dispatch::AggregateId>,
                                                          Deadline) override {
    ADD_FAILURE() << "redrive reads no offsets";
    return {};
  }
  std::vector<Result<dispatch::EventPage>> read_events(std::span<const dispatch::EventQuery>,
                                                       dispatch::ReadBudget, Deadline) override {
    ADD_FAILURE() << "redrive reads no events";
    return {};
  }
  std::vector<Result<dispatch::CommitOutcome>> commit_offsets(
      std::span<const dispatch::OffsetCommit>, Deadline) override {
    ADD_FAILURE() << "redrive commits no offsets";
    return {};
  }

  [[nodiscard]] std::map<std::string, int> rings() const {
    std::map<std::string, int> count;
    for (const auto& write : writes) {
      ++count[write.aggregate_id];
    }
    return count;
  }
};

StreamRecord record(std::string sequence, std::string aggregate, std::int64_t version) {
  return StreamRecord{.sequence_number = std::move(sequence),
                      .aggregate_id = std::move(aggregate),
                      .version = version};
}

class RangeRedriveTest : public ::testing::Test {
 protected:
  RangeRedriveTest() {
    shard.records = {record("100", "Order:a", 0),     record("200", "Order:b", 0),
                     record("300", "Order:a", 1),     record("400", "Order:a", -1001),
                     record("500", "Order:c", -2000), record("600", "Order:d", 0),
                     record("700", "Order:e", 0)};
    shard.clock = &clock;
  }

  StreamBatchInfo range(std::string start, std::string end) const {
    return StreamBatchInfo{.shard_id = shard.shard_id,
                           .start_sequence_number = std::move(start),
                           .end_sequence_number = std::move(end),
                           .stream_arn = "arn:aws:dynamodb:r:1:table/Events/stream/l",
                           .batch_size = 1};
  }

  RangeRedrive redrive(const StreamBatchInfo& batch, const std::string& trigger = "redrive:t") {
    return redrive_range(shard, store, batch, trigger, budget, clock);
  }

  fakes::FakeClock clock;
  TimeBudget budget{clock.now() + std::chrono::seconds(30), std::chrono::seconds(2)};
  ShardModel shard;
  MarkerStore store;
};

TEST_F(RangeRedriveTest, RingsEveryAggregateOfTheRangeOnceAndNothingOutsideIt) {
  const auto result = redrive(range("200", "600"));
  EXPECT_EQ(result.outcome, RangeOutcome::kRung);
  EXPECT_EQ(result.rung, (std::vector<std::string>{"Order:b", "Order:a", "Order:d"}));
  EXPECT_EQ(result.records_read, 4U) << "events and markers; not the foreign -2000 record";
  EXPECT_EQ(store.rings(),
            (std::map<std::string, int>{{"Order:a", 1}, {"Order:b", 1}, {"Order:d", 1}}));
  for (const auto& write : store.writes) {
    EXPECT_EQ(write.trigger, "redrive:t");
  }
}

TEST_F(RangeRedriveTest, ReadsAOneRecordRangeAndStopsThere) {
  const auto result = redrive(range("700", "700"));
  EXPECT_EQ(result.outcome, RangeOutcome::kRung);
  EXPECT_EQ(result.rung, std::vector<std::string>{"Order:e"});
  EXPECT_EQ(shard.read_calls, 1U);
}

TEST_F(RangeRedriveTest, ARangeDeliveredTwiceRingsTwiceAndStaysCorrect) {
  const auto batch = range("100", "300");
  ASSERT_EQ(redrive(batch, "redrive:first:m1").outcome, RangeOutcome::kRung);
  ASSERT_EQ(redrive(batch, "redrive:second:m1").outcome, RangeOutcome::kRung);
  EXPECT_EQ(store.rings(), (std::map<std::string, int>{{"Order:a", 2}, {"Order:b", 2}}));
  EXPECT_NE(store.writes.front().trigger, store.writes.back().trigger)
      << "each delivery writes a new trigger, so each marker write makes a stream record";
}

TEST_F(RangeRedriveTest, RangesRedrivenOutOfOrderRingTheSameAggregates) {
  ASSERT_EQ(redrive(range("600", "700")).outcome, RangeOutcome::kRung);
  ASSERT_EQ(redrive(range("100", "300")).outcome, RangeOutcome::kRung);
  EXPECT_EQ(store.rings(), (std::map<std::string, int>{
                               {"Order:a", 1}, {"Order:b", 1}, {"Order:d", 1}, {"Order:e", 1}}));
}

TEST_F(RangeRedriveTest, ATrimmedRangeRingsNothingAndAsksForTheFallback) {
  shard.trimmed_before = 3;
  const auto result = redrive(range("100", "400"));
  EXPECT_EQ(result.outcome, RangeOutcome::kTrimmed);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->code, "RedriveRangeTrimmed");
  EXPECT_NE(result.error->message.find("TrimmedDataAccessException"), std::string::npos);
  EXPECT_TRUE(store.writes.empty());
}

TEST_F(RangeRedriveTest, AShardThatIsGoneOrASequenceNotInItAsksForTheFallback) {
  auto gone = range("100", "200");
  gone.shard_id = "shardId-deleted";
  EXPECT_EQ(redrive(gone).outcome, RangeOutcome::kTrimmed);
  EXPECT_EQ(redrive(range("150", "200")).outcome, RangeOutcome::kTrimmed);
  EXPECT_TRUE(store.writes.empty());
}

TEST_F(RangeRedriveTest, AnExpiredIteratorIsRenewedAndTheReadGoesOn) {
  shard.page_size = 1;
  shard.expire_once = true;
  auto result = redrive(range("100", "300"));
  EXPECT_EQ(result.outcome, RangeOutcome::kRung);
  EXPECT_EQ(shard.iterator_calls, 2U);
  EXPECT_EQ(result.rung, (std::vector<std::string>{"Order:a", "Order:b"}));
}

TEST_F(RangeRedriveTest, RecordsTrimmedWhileReadingAskForTheFallback) {
  shard.page_size = 1;
  shard.trim_after_reads = 1;
  const auto result = redrive(range("100", "400"));
  EXPECT_EQ(result.outcome, RangeOutcome::kTrimmed);
  EXPECT_TRUE(result.rung.empty());
  EXPECT_TRUE(store.writes.empty());
}

TEST_F(RangeRedriveTest, AClosedShardReadToItsEndEndsTheRange) {
  shard.closed = true;
  const auto result = redrive(range("600", "900"));
  EXPECT_EQ(result.outcome, RangeOutcome::kRung);
  EXPECT_EQ(result.rung, (std::vector<std::string>{"Order:d", "Order:e"}));
}

TEST_F(RangeRedriveTest, EmptyPagesOfAnOpenShardAreReadThrough) {
  shard.empty_pages_first = 3;
  const auto result = redrive(range("100", "200"));
  EXPECT_EQ(result.outcome, RangeOutcome::kRung);
  EXPECT_EQ(shard.read_calls, 4U);
}

TEST_F(RangeRedriveTest, OutOfTimeItRingsNothingAndIsNotAcknowledged) {
  shard.page_size = 1;
  shard.latency = std::chrono::seconds(10);  // two pages and the budget (28 s) is nearly gone
  const auto result = redrive(range("100", "700"));
  EXPECT_EQ(result.outcome, RangeOutcome::kIncomplete);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->code, "RedriveIncomplete");
  EXPECT_TRUE(result.error->retryable());
  EXPECT_TRUE(store.writes.empty()) << "rung only once the whole range was read";
}

TEST_F(RangeRedriveTest, AnOpenShardThatNeverReachesTheEndStopsAtThePageLimit) {
  const auto result = redrive_range(shard, store, range("600", "9000"), "t", budget, clock,
                                    RangeLimits{.max_pages = 5});
  EXPECT_EQ(result.outcome, RangeOutcome::kIncomplete);
  EXPECT_EQ(shard.read_calls, 5U);
}

TEST_F(RangeRedriveTest, AFailedMarkerWriteLeavesTheRecordUnacknowledged) {
  store.failure = retryable_error("ProvisionedThroughputExceededException", "slow down");
  const auto result = redrive(range("100", "200"));
  EXPECT_EQ(result.outcome, RangeOutcome::kIncomplete);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->code, "ProvisionedThroughputExceededException");
}

TEST(RedriveTrigger, IsNewForEveryDelivery) {
  const auto now = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 56);
  EXPECT_EQ(redrive_trigger(now, "m-1").rfind("redrive:", 0), 0U);
  EXPECT_NE(redrive_trigger(now, "m-1"), redrive_trigger(now, "m-2"));
  EXPECT_NE(redrive_trigger(now, "m-1"),
            redrive_trigger(now + std::chrono::milliseconds(1), "m-1"));
}

}  // namespace
}  // namespace dispatcher::core::redrive
