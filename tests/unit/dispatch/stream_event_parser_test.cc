#include "core/dispatch/stream_event_parser.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace dispatcher::core::dispatch {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream file(std::string(DISPATCH_FIXTURES_DIR) + "/" + name);
  EXPECT_TRUE(file.good()) << "missing fixture " << name;
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::vector<std::string> warning_codes(const StreamBatch& batch) {
  std::vector<std::string> codes;
  for (const Warning& warning : batch.warnings) {
    codes.push_back(warning.code);
  }
  return codes;
}

TEST(StreamEventParser, ReadsKeysOnlyBatchInStreamOrder) {
  const auto batch = parse_stream_event(fixture("keys_only_batch.json"));
  ASSERT_TRUE(batch.has_value()) << batch.error().describe();
  EXPECT_EQ(batch->records,
            (std::vector<StreamRecord>{
                {"900000000000000000001", "Order:o-1", 0, StreamEventName::kInsert},
                {"1000000000000000000002", "Order:o-1", 1, StreamEventName::kInsert},
                {"1000000000000000000003", "Order:o-2", kMarkerVersion, StreamEventName::kInsert},
                {"1000000000000000000004", "Order:o-2", kMarkerVersion, StreamEventName::kModify},
            }));
}

TEST(StreamEventParser, IgnoresRemoveRecordsWithAWarning) {
  const auto batch = parse_stream_event(fixture("keys_only_batch.json"));
  ASSERT_TRUE(batch.has_value());
  ASSERT_EQ(batch->warnings.size(), 1U);
  EXPECT_EQ(batch->warnings[0].code, "RemoveRecordIgnored");
  EXPECT_EQ(batch->warnings[0].sequence_number, "1000000000000000000005");
}

TEST(StreamEventParser, ReadsOnlyKeysOfNewAndOldImagesBatch) {
  const auto batch = parse_stream_event(fixture("new_and_old_images_batch.json"));
  ASSERT_TRUE(batch.has_value()) << batch.error().describe();
  EXPECT_EQ(
      batch->records,
      (std::vector<StreamRecord>{
          {"111100000000000000000000011", "Order:o-17", 42, StreamEventName::kInsert},
          {"111200000000000000000000012", "Order:o-17", kMarkerVersion, StreamEventName::kModify},
      }));
  EXPECT_TRUE(batch->warnings.empty());
}

TEST(StreamEventParser, IgnoresRecordsWhoseKeyIsNotAnEventKeyWithWarnings) {
  const auto batch = parse_stream_event(fixture("foreign_keys_batch.json"));
  ASSERT_TRUE(batch.has_value()) << batch.error().describe();
  EXPECT_EQ(batch->records,
            (std::vector<StreamRecord>{{"505", "Order:o-5", 3, StreamEventName::kInsert}}));
  EXPECT_EQ(warning_codes(*batch),
            (std::vector<std::string>{"RecordWithoutId", "RecordWithoutId", "RecordWithoutVersion",
                                      "RecordWithoutVersion"}));
  EXPECT_EQ(batch->warnings[2].sequence_number, "503");
}

TEST(StreamEventParser, EmptyRecordsIsAnEmptyBatch) {
  const auto batch = parse_stream_event(R"({"Records":[]})");
  ASSERT_TRUE(batch.has_value());
  EXPECT_TRUE(batch->records.empty());
}

TEST(StreamEventParser, UnknownEventNameIsIgnoredWithAWarning) {
  const auto batch = parse_stream_event(
      R"({"Records":[{"eventName":"TRUNCATE","dynamodb":{"Keys":{"id":{"S":"a"},"version":{"N":"1"}},"SequenceNumber":"5"}}]})");
  ASSERT_TRUE(batch.has_value());
  EXPECT_TRUE(batch->records.empty());
  EXPECT_EQ(warning_codes(*batch), (std::vector<std::string>{"UnknownEventName"}));
}

TEST(StreamEventParser, KeysThatAreNotDynamoDbJsonAreIgnoredWithAWarning) {
  const auto batch = parse_stream_event(
      R"({"Records":[{"eventName":"INSERT","dynamodb":{"Keys":{"id":"a","version":1},"SequenceNumber":"5"}}]})");
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(warning_codes(*batch), (std::vector<std::string>{"InvalidRecordKey"}));
}

struct InvalidEventCase {
  const char* name;
  const char* json;
  const char* expected_in_message;
};

class StreamEventParserInvalid : public ::testing::TestWithParam<InvalidEventCase> {};

TEST_P(StreamEventParserInvalid, IsAPermanentErrorNamingTheProblem) {
  const auto batch = parse_stream_event(GetParam().json);
  ASSERT_FALSE(batch.has_value());
  EXPECT_EQ(batch.error().code, "InvalidStreamEvent");
  EXPECT_FALSE(batch.error().retryable());
  EXPECT_NE(batch.error().message.find(GetParam().expected_in_message), std::string::npos)
      << batch.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, StreamEventParserInvalid,
    ::testing::Values(
        InvalidEventCase{"NotJson", "{\"Records\": [", "not JSON"},
        InvalidEventCase{"NotAnObject", "[1,2]", "not a JSON object"},
        InvalidEventCase{"NoRecords", "{\"records\": []}", "no Records array"},
        InvalidEventCase{"RecordsNotArray", "{\"Records\": {}}", "no Records array"},
        InvalidEventCase{"RecordNotObject", "{\"Records\": [7]}", "Records[0] is not an object"},
        InvalidEventCase{"NoDynamodb", "{\"Records\": [{\"eventName\":\"INSERT\"}]}",
                         "Records[0] has no dynamodb object"},
        InvalidEventCase{
            "NoSequenceNumber",
            R"({"Records":[{"eventName":"INSERT","dynamodb":{"Keys":{"id":{"S":"a"},"version":{"N":"1"}},"SequenceNumber":"1"}},{"eventName":"INSERT","dynamodb":{"Keys":{"id":{"S":"a"},"version":{"N":"2"}}}}]})",
            "Records[1] has no dynamodb.SequenceNumber"},
        InvalidEventCase{"NumericSequenceNumber",
                         R"({"Records":[{"eventName":"INSERT","dynamodb":{"SequenceNumber":12}}]})",
                         "SequenceNumber"},
        InvalidEventCase{
            "NonDigitSequenceNumber",
            R"({"Records":[{"eventName":"INSERT","dynamodb":{"SequenceNumber":"12x"}}]})",
            "decimal digits"}),
    [](const ::testing::TestParamInfo<InvalidEventCase>& param_info) {
      return param_info.param.name;
    });

}  // namespace
}  // namespace dispatcher::core::dispatch
