#include "core/redrive/sweep_request.h"

#include <gtest/gtest.h>

#include "core/dynamodb/attribute_value.h"

namespace dispatcher::core::redrive {
namespace {

TEST(SweepRequest, DefaultsEveryMember) {
  auto request = parse_sweep_request(R"({"sweep": {}})");
  ASSERT_TRUE(request) << request.error().describe();
  EXPECT_EQ(*request, SweepRequest{});
}

TEST(SweepRequest, ReadsEveryMember) {
  auto request = parse_sweep_request(
      R"({"sweep": {"rate": 2.5, "pageSize": 10, "segments": 2, "maxWaves": 1}})");
  ASSERT_TRUE(request) << request.error().describe();
  EXPECT_EQ(*request, (SweepRequest{.rate = 2.5, .page_size = 10, .segments = 2, .max_waves = 1}));
}

TEST(SweepRequest, NamesWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"nope", "not JSON"},
      {R"({"sweep": 1})", "expected"},
      {R"({"other": {}})", "expected"},
      {R"({"sweep": {"rate": 0}})", "rate"},
      {R"({"sweep": {"rate": "fast"}})", "rate"},
      {R"({"sweep": {"pageSize": 0}})", "pageSize is 0"},
      {R"({"sweep": {"pageSize": 10001}})", "pageSize is 10001"},
      {R"({"sweep": {"segments": 1.5}})", "segments is not a whole number"},
      {R"({"sweep": {"maxWaves": 0}})", "maxWaves is 0"},
  };
  for (const auto& [text, named] : cases) {
    auto request = parse_sweep_request(text);
    ASSERT_FALSE(request) << text;
    EXPECT_EQ(request.error().code, "InvalidSweepRequest");
    EXPECT_NE(request.error().message.find(named), std::string::npos)
        << text << ": " << request.error().message;
  }
}

TEST(SweepState, NoItemIsAFreshState) {
  auto state = sweep_state_from_item(std::nullopt);
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->progress);
  EXPECT_EQ(state->revision, 0);
}

TEST(SweepState, RoundTripsThroughItsItem) {
  SweepState state;
  state.progress = operator_tools::ScanProgress::start("Events", 2);
  state.progress->segments[0].exclusive_start_key = dynamodb::Item{
      {"id", dynamodb::string_value("Order:7")}, {"version", dynamodb::integer_value(3)}};
  state.progress->segments[1].done = true;
  state.pass_started_ms = 1'700'000'000'000;
  state.completed_pass_started_ms = 1'600'000'000'000;
  state.revision = 4;
  auto read = sweep_state_from_item(sweep_state_attributes(state));
  ASSERT_TRUE(read) << read.error().describe();
  EXPECT_EQ(read->revision, 4);
  EXPECT_EQ(read->pass_started_ms, state.pass_started_ms);
  EXPECT_EQ(read->completed_pass_started_ms, state.completed_pass_started_ms);
  ASSERT_TRUE(read->progress);
  EXPECT_EQ(operator_tools::scan_progress_to_json(*read->progress),
            operator_tools::scan_progress_to_json(*state.progress));
}

TEST(SweepState, RefusesAnItemItDidNotWrite) {
  EXPECT_FALSE(sweep_state_from_item(dynamodb::Item{{"id", dynamodb::string_value("x")}}));
  EXPECT_FALSE(
      sweep_state_from_item(dynamodb::Item{{"revision", dynamodb::integer_value(1)},
                                           {"sweep_token", dynamodb::string_value("{")},
                                           {"pass_started_ms", dynamodb::integer_value(1)}}));
  EXPECT_FALSE(sweep_state_from_item(dynamodb::Item{
      {"revision", dynamodb::integer_value(1)},
      {"sweep_token", dynamodb::string_value(R"({"table":"E","segments":[{"done":false}]})")}}))
      << "a token without the time its pass began cannot tell which ranges it covers";
}

TEST(SweepState, OnlyAPassBegunAfterTheGiveUpCoversARange) {
  SweepState state;
  EXPECT_FALSE(pass_covers(state, 1'000));
  state.completed_pass_started_ms = 999;
  EXPECT_FALSE(pass_covers(state, 1'000)) << "begun before: it may have read the aggregate early";
  state.completed_pass_started_ms = 1'000;
  EXPECT_TRUE(pass_covers(state, 1'000));
}

}  // namespace
}  // namespace dispatcher::core::redrive
