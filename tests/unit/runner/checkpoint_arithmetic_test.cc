#include "core/runner/checkpoint_arithmetic.h"

#include <gtest/gtest.h>

namespace dispatcher::core::runner {
namespace {

std::vector<LambdaRecord> records(std::initializer_list<const char*> sequence_numbers) {
  std::vector<LambdaRecord> result;
  for (const char* each : sequence_numbers) {
    result.push_back(LambdaRecord{.sequence_number = each, .lambda_record = {}});
  }
  return result;
}

TEST(CheckpointArithmetic, MovesToTheLastRecordWhenTheWholeBatchSucceeded) {
  const auto next = checkpoint_after_batch(Checkpoint{.sequence_number = "90"},
                                           records({"100", "107", "114"}), std::nullopt);
  EXPECT_EQ(next.sequence_number, "114");
  EXPECT_FALSE(next.finished);
}

TEST(CheckpointArithmetic, StopsJustBeforeTheLowestFailedRecord) {
  const auto next = checkpoint_after_batch(std::nullopt, records({"100", "107", "114", "121"}),
                                           std::string("114"));
  EXPECT_EQ(next.sequence_number, "107");
  EXPECT_EQ(resume_position(next), ShardPosition::after("107"));
}

TEST(CheckpointArithmetic, StaysWhereItWasWhenTheFirstRecordFailed) {
  const auto kept = checkpoint_after_batch(Checkpoint{.sequence_number = "90"},
                                           records({"100", "107"}), std::string("100"));
  EXPECT_EQ(kept.sequence_number, "90");
  const auto none =
      checkpoint_after_batch(std::nullopt, records({"100", "107"}), std::string("100"));
  EXPECT_EQ(none.sequence_number, std::nullopt);
  EXPECT_EQ(resume_position(none), ShardPosition::trim_horizon());
}

TEST(CheckpointArithmetic, ComparesSequenceNumbersAsNumbersNotText) {
  // As text "99" > "100"; the checkpoint must still end at 100 and retry_from 100 must keep 99.
  EXPECT_EQ(
      checkpoint_after_batch(std::nullopt, records({"99", "100"}), std::nullopt).sequence_number,
      "100");
  EXPECT_EQ(checkpoint_after_batch(std::nullopt, records({"99", "100", "101"}), std::string("100"))
                .sequence_number,
            "99");
}

TEST(CheckpointArithmetic, NeverMovesBackwards) {
  const auto next = checkpoint_after_batch(Checkpoint{.sequence_number = "200"},
                                           records({"100", "107"}), std::nullopt);
  EXPECT_EQ(next.sequence_number, "200");
}

TEST(CheckpointArithmetic, ResumesAfterTheCheckpointOrAtTheTrimHorizon) {
  EXPECT_EQ(resume_position(std::nullopt), ShardPosition::trim_horizon());
  EXPECT_EQ(resume_position(Checkpoint{.sequence_number = "5"}), ShardPosition::after("5"));
}

}  // namespace
}  // namespace dispatcher::core::runner
