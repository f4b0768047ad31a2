#include "core/runner/stream_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "stream_model.h"

namespace dispatcher::core::runner {
namespace {

using namespace std::chrono_literals;
using runner_model::CheckpointTable;
using runner_model::ManualClock;
using runner_model::RecordingHandler;
using runner_model::StreamModel;
using ::testing::HasSubstr;

constexpr Deadline kNoDeadline = Deadline::max();

class StreamRunnerTest : public ::testing::Test {
 protected:
  StreamRunnerTest()
      : logger_(
            "test", config::LogLevel::kDebug,
            [this](std::string_view line) { log_.emplace_back(line); },
            [] { return std::chrono::system_clock::time_point{}; }) {}

  std::unique_ptr<StreamRunner> make_runner(int batch_size = 2) {
    return std::make_unique<StreamRunner>(
        stream_, checkpoints_, handler_, clock_, logger_,
        StreamRunnerOptions{.batch_size = batch_size, .shard_refresh_interval = 1s});
  }

  /// Steps (advancing the clock past any backoff) until a step reads nothing twice in a row.
  void run_until_idle(StreamRunner& runner, int max_steps = 200) {
    int quiet = 0;
    for (int i = 0; i < max_steps && quiet < 2; ++i) {
      auto report = runner.step(kNoDeadline, [] { return true; });
      ASSERT_TRUE(report.has_value()) << report.error().describe();
      quiet = report->records == 0 ? quiet + 1 : 0;
      clock_.advance(1100ms);
    }
  }

  std::vector<std::string> handled_sequence_numbers() const {
    std::vector<std::string> result;
    for (const auto& record : handler_.handled_) {
      result.push_back(record.sequence_number);
    }
    return result;
  }

  std::size_t position_of(const std::string& sequence_number) const {
    const auto handled = handled_sequence_numbers();
    const auto found = std::find(handled.begin(), handled.end(), sequence_number);
    EXPECT_NE(found, handled.end()) << sequence_number << " was never handled";
    return static_cast<std::size_t>(found - handled.begin());
  }

  bool logged(std::string_view text) const {
    return std::any_of(log_.begin(), log_.end(),
                       [text](const std::string& line) { return line.contains(text); });
  }

  StreamModel stream_;
  CheckpointTable checkpoints_;
  RecordingHandler handler_;
  ManualClock clock_;
  std::vector<std::string> log_;
  observability::Logger logger_;
};

TEST_F(StreamRunnerTest, DispatchesEveryParentRecordBeforeAnyRecordOfItsChildren) {
  // root split into child-a and child-b; child-a split again. Children are listed first, as
  // DescribeStream may do.
  stream_.add_shard("grandchild", "child-a");
  stream_.add_shard("child-b", "root");
  stream_.add_shard("child-a", "root");
  stream_.add_shard("root");
  std::vector<std::string> root;
  std::vector<std::string> child_a;
  std::vector<std::string> child_b;
  for (int i = 0; i < 5; ++i) {
    root.push_back(stream_.append("root", "k" + std::to_string(i)));
  }
  for (int i = 0; i < 3; ++i) {
    child_a.push_back(stream_.append("child-a", "k" + std::to_string(i)));
    child_b.push_back(stream_.append("child-b", "k" + std::to_string(i)));
  }
  const std::string grandchild = stream_.append("grandchild", "k0");
  stream_.close("root");
  stream_.close("child-a");

  auto runner = make_runner(2);
  run_until_idle(*runner);

  ASSERT_EQ(handler_.handled_.size(), 12U);  // each record exactly once
  const std::size_t last_root = position_of(root.back());
  for (const auto& sequence_number : child_a) {
    EXPECT_GT(position_of(sequence_number), last_root);
  }
  for (const auto& sequence_number : child_b) {
    EXPECT_GT(position_of(sequence_number), last_root);
  }
  EXPECT_GT(position_of(grandchild), position_of(child_a.back()));
  EXPECT_TRUE(checkpoints_.items_.at("root").finished);
  EXPECT_TRUE(checkpoints_.items_.at("child-a").finished);
  EXPECT_FALSE(checkpoints_.items_.at("child-b").finished);  // still open
  EXPECT_EQ(checkpoints_.items_.at("child-b").sequence_number, child_b.back());
  EXPECT_EQ(runner->open_shards(), (std::vector<std::string>{"child-b", "grandchild"}));
}

TEST_F(StreamRunnerTest, ChildWaitsWhileItsParentIsStillOpen) {
  stream_.add_shard("root");
  stream_.add_shard("child", "root");
  stream_.append("root", "a");
  stream_.append("child", "a");
  auto runner = make_runner();
  run_until_idle(*runner);
  EXPECT_EQ(handler_.handled_.size(), 1U);
  stream_.append("root", "a");
  stream_.close("root");
  run_until_idle(*runner);
  ASSERT_EQ(handler_.handled_.size(), 3U);
  EXPECT_EQ(handler_.handled_.back().lambda_record.at("shard"), "child");
}

TEST_F(StreamRunnerTest, PartialFailureCheckpointsBeforeTheFailedRecordAndReadsFromIt) {
  stream_.add_shard("s");
  std::vector<std::string> sequence_numbers;
  for (int i = 0; i < 4; ++i) {
    sequence_numbers.push_back(stream_.append("s", "k"));
  }
  handler_.failures_[sequence_numbers[1]] = 1;
  auto runner = make_runner(4);

  ASSERT_TRUE(runner->step(kNoDeadline, [] { return true; }).has_value());
  EXPECT_EQ(checkpoints_.items_.at("s").sequence_number, sequence_numbers[0]);
  EXPECT_TRUE(logged("batch partly failed"));

  clock_.advance(1s);  // past the shard's backoff
  run_until_idle(*runner);
  EXPECT_EQ(handled_sequence_numbers(), sequence_numbers);  // nothing lost, nothing twice
  ASSERT_EQ(handler_.batches_.size(), 2U);
  EXPECT_EQ(handler_.batches_[1].front().sequence_number, sequence_numbers[1]);
  EXPECT_EQ(checkpoints_.items_.at("s").sequence_number, sequence_numbers.back());
}

TEST_F(StreamRunnerTest, RestartResumesAfterTheCheckpointWithoutRepeatingCheckpointedBatches) {
  stream_.add_shard("s");
  std::vector<std::string> sequence_numbers;
  for (int i = 0; i < 6; ++i) {
    sequence_numbers.push_back(stream_.append("s", "k"));
  }
  {
    auto first = make_runner(2);
    ASSERT_TRUE(first->step(kNoDeadline, [] { return true; }).has_value());
    ASSERT_TRUE(first->step(kNoDeadline, [] { return true; }).has_value());
  }  // killed here
  EXPECT_EQ(checkpoints_.items_.at("s").sequence_number, sequence_numbers[3]);
  auto second = make_runner(2);
  run_until_idle(*second);
  EXPECT_EQ(handled_sequence_numbers(), sequence_numbers);
  EXPECT_TRUE(logged("shard resumes from its checkpoint"));
}

TEST_F(StreamRunnerTest, RestartBeforeTheCheckpointWasSavedRepeatsOnlyThatBatch) {
  stream_.add_shard("s");
  std::vector<std::string> sequence_numbers;
  for (int i = 0; i < 6; ++i) {
    sequence_numbers.push_back(stream_.append("s", "k"));
  }
  {
    auto first = make_runner(2);
    ASSERT_TRUE(first->step(kNoDeadline, [] { return true; }).has_value());
    checkpoints_.fail_saves_ = true;
    clock_.advance(1s);
    ASSERT_TRUE(first->step(kNoDeadline, [] { return true; }).has_value());
  }  // killed after dispatching records 2 and 3, before their checkpoint
  checkpoints_.fail_saves_ = false;
  auto second = make_runner(2);
  run_until_idle(*second);
  const std::vector<std::string> expected = {
      sequence_numbers[0], sequence_numbers[1], sequence_numbers[2], sequence_numbers[3],
      sequence_numbers[2], sequence_numbers[3], sequence_numbers[4], sequence_numbers[5]};
  EXPECT_EQ(handled_sequence_numbers(), expected);
}

TEST_F(StreamRunnerTest, ExpiredIteratorRestartsAfterTheCheckpoint) {
  stream_.add_shard("s");
  std::vector<std::string> sequence_numbers;
  for (int i = 0; i < 4; ++i) {
    sequence_numbers.push_back(stream_.append("s", "k"));
  }
  auto runner = make_runner(2);
  ASSERT_TRUE(runner->step(kNoDeadline, [] { return true; }).has_value());
  stream_.expire_iterators();
  run_until_idle(*runner);
  EXPECT_EQ(handled_sequence_numbers(), sequence_numbers);
  EXPECT_TRUE(logged("shard iterator expired"));
  EXPECT_EQ(stream_.iterator_requests(), 2);
}

TEST_F(StreamRunnerTest, CheckpointOlderThanTheTrimHorizonContinuesFromItAndNamesTheShard) {
  stream_.add_shard("shard-0001");
  std::vector<std::string> sequence_numbers;
  for (int i = 0; i < 5; ++i) {
    sequence_numbers.push_back(stream_.append("shard-0001", "k"));
  }
  checkpoints_.items_["shard-0001"] = Checkpoint{.sequence_number = sequence_numbers[0]};
  stream_.trim("shard-0001", 3);
  auto runner = make_runner(10);
  run_until_idle(*runner);
  EXPECT_EQ(handled_sequence_numbers(),
            (std::vector<std::string>{sequence_numbers[3], sequence_numbers[4]}));
  ASSERT_TRUE(logged("retention"));
  const auto line = *std::find_if(
      log_.begin(), log_.end(), [](const std::string& each) { return each.contains("retention"); });
  EXPECT_THAT(line, HasSubstr("shard-0001"));
  EXPECT_THAT(line, HasSubstr("ERROR"));
}

TEST_F(StreamRunnerTest, TrimmedReadContinuesFromTheTrimHorizon) {
  stream_.add_shard("s");
  std::vector<std::string> sequence_numbers;
  for (int i = 0; i < 4; ++i) {
    sequence_numbers.push_back(stream_.append("s", "k"));
  }
  auto runner = make_runner(1);
  ASSERT_TRUE(runner->step(kNoDeadline, [] { return true; }).has_value());
  stream_.trim("s", 3);  // the iterator now points below the horizon
  run_until_idle(*runner);
  EXPECT_EQ(handled_sequence_numbers(),
            (std::vector<std::string>{sequence_numbers[0], sequence_numbers[3]}));
  EXPECT_TRUE(logged("retention"));
}

TEST_F(StreamRunnerTest, TrimmedAnswerWithAnIntactCheckpointRereadsWithoutReportingLoss) {
  stream_.add_shard("s");
  std::vector<std::string> sequence_numbers;
  for (int i = 0; i < 4; ++i) {
    sequence_numbers.push_back(stream_.append("s", "k"));
  }
  auto runner = make_runner(2);
  ASSERT_TRUE(runner->step(kNoDeadline, [] { return true; }).has_value());
  stream_.trim_next_read();
  run_until_idle(*runner);
  EXPECT_EQ(handled_sequence_numbers(), sequence_numbers);
  EXPECT_TRUE(logged("a new one starts after the checkpoint"));
  EXPECT_FALSE(logged("records were lost"));
}

TEST_F(StreamRunnerTest, StopsBetweenShardsWhenToldTo) {
  stream_.add_shard("a");
  stream_.add_shard("b");
  stream_.append("a", "k");
  stream_.append("b", "k");
  auto runner = make_runner();
  int asked = 0;
  auto report = runner->step(kNoDeadline, [&asked] { return ++asked <= 1; });
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->records, 1U);
  EXPECT_EQ(handler_.handled_.size(), 1U);
}

}  // namespace
}  // namespace dispatcher::core::runner
