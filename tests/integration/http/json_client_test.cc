#include "adapters/aws/json_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "adapters/aws/operation_log.h"
#include "integration/http/aws_test_support.h"
#include "integration/http/fault_server.h"

namespace dispatcher::adapters::aws {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::AwsTestRig;
using testing::deadline_in;
using testing::FaultServer;

core::retry::RetryOptions options_with_attempts(int attempts) {
  core::retry::RetryOptions options = core::retry::RetryOptions::standard();
  options.max_attempts = attempts;
  return options;
}

json error_action(const std::string& code, int status = 400) {
  return {{"kind", "error"}, {"code", code}, {"status", status}};
}

class JsonClientFaults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new FaultServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static FaultServer* server_;
};

FaultServer* JsonClientFaults::server_ = nullptr;

TEST_F(JsonClientFaults, RetriesThrottlingWithGrowingBackoffUntilSuccess) {
  server_->script(json::array({error_action("ThrottlingException"),
                               error_action("ProvisionedThroughputExceededException"),
                               {{"kind", "ok"}, {"body", {{"Count", 1}}}}}));
  AwsTestRig rig(options_with_attempts(3));
  auto client = rig.json_client(kDynamoDbService, server_->url());
  const auto response =
      client->call("Query", {{"TableName", "t"}}, deadline_in(milliseconds(30000)));
  ASSERT_TRUE(response.has_value()) << response.error().describe();
  EXPECT_EQ(response->output["Count"], 1);
  EXPECT_EQ(response->attempts, 3);
  EXPECT_FALSE(response->request_id.empty());
  EXPECT_EQ(server_->request_count(), 3U);
  // Throttling base 1 s, random 0.5: 0.5 s then 1 s.
  EXPECT_EQ(*rig.sleeps, (std::vector<milliseconds>{milliseconds(500), milliseconds(1000)}));
}

TEST_F(JsonClientFaults, RetriesServerErrorsExactlyAsOftenAsThePolicyAllows) {
  for (const int attempts : {1, 3, 5}) {
    server_->script(json::array(), {{"kind", "status"}, {"status", 503}, {"body", ""}});
    AwsTestRig rig(options_with_attempts(attempts));
    auto client = rig.json_client(kDynamoDbService, server_->url());
    const auto response = client->call("GetItem", json::object(), deadline_in(milliseconds(30000)));
    ASSERT_FALSE(response.has_value());
    EXPECT_EQ(response.error().http_status, 503);
    EXPECT_TRUE(response.error().retryable());
    EXPECT_EQ(server_->request_count(), static_cast<std::size_t>(attempts));
    EXPECT_EQ(rig.sleeps->size(), static_cast<std::size_t>(attempts - 1));
    if (attempts > 1) {
      EXPECT_NE(
          response.error().message.find("gave up after " + std::to_string(attempts) + " attempts"),
          std::string::npos)
          << response.error().message;
    }
  }
}

TEST_F(JsonClientFaults, RetriesInternalServerErrorWithTheShortDynamoDbBase) {
  server_->script(json::array({error_action("InternalServerError", 500), {{"kind", "ok"}}}));
  AwsTestRig rig(core::retry::RetryOptions::dynamodb());
  auto client = rig.json_client(kDynamoDbService, server_->url());
  const auto response = client->call("PutItem", json::object(), deadline_in(milliseconds(30000)));
  ASSERT_TRUE(response.has_value()) << response.error().describe();
  EXPECT_EQ(*rig.sleeps, (std::vector<milliseconds>{milliseconds(12)}));
}

TEST_F(JsonClientFaults, NeverRetriesValidationErrorsAndReportsThemFully) {
  for (const char* code : {"ValidationException", "ConditionalCheckFailedException",
                           "ResourceNotFoundException", "AccessDeniedException"}) {
    server_->script(json::array({error_action(code), {{"kind", "ok"}}}));
    AwsTestRig rig(options_with_attempts(5));
    auto client = rig.json_client(kDynamoDbService, server_->url());
    const auto response = client->call("Query", json::object(), deadline_in(milliseconds(30000)));
    ASSERT_FALSE(response.has_value()) << code;
    const core::Error& error = response.error();
    EXPECT_EQ(error.code, code);
    EXPECT_FALSE(error.retryable());
    EXPECT_EQ(error.service, "dynamodb");
    EXPECT_EQ(error.http_status, 400);
    EXPECT_TRUE(error.request_id.starts_with("req-")) << error.request_id;
    EXPECT_NE(error.message.find("Query: scripted"), std::string::npos) << error.message;
    EXPECT_EQ(server_->request_count(), 1U) << code;
    EXPECT_TRUE(rig.sleeps->empty());
  }
}

TEST_F(JsonClientFaults, RecoversFromResetTruncatedGarbledAndCorruptedResponses) {
  server_->script(json::array({{{"kind", "reset"}},
                               {{"kind", "truncate"}},
                               {{"kind", "garble"}},
                               {{"kind", "bad_crc"}, {"body", {{"Items", json::array()}}}},
                               {{"kind", "ok"}, {"body", {{"Items", json::array()}}}}}));
  AwsTestRig rig(options_with_attempts(5));
  auto client = rig.json_client(kDynamoDbService, server_->url());
  const auto response = client->call("Query", json::object(), deadline_in(milliseconds(30000)));
  ASSERT_TRUE(response.has_value()) << response.error().describe();
  EXPECT_EQ(response->attempts, 5);
  EXPECT_EQ(server_->request_count(), 5U);
}

TEST_F(JsonClientFaults, XmlErrorResponseStillYieldsItsCodeAndMessage) {
  server_->script(
      json::array({{{"kind", "status"},
                    {"status", 403},
                    {"body",
                     "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>bad "
                     "signature</Message></Error></Errors></ErrorResponse>"}}}));
  AwsTestRig rig(options_with_attempts(3));
  auto client = rig.json_client(kSecretsManagerService, server_->url());
  const auto response =
      client->call("GetSecretValue", json::object(), deadline_in(milliseconds(30000)));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, "SignatureDoesNotMatch");
  EXPECT_EQ(response.error().message, "GetSecretValue: bad signature");
  EXPECT_EQ(response.error().http_status, 403);
  EXPECT_FALSE(response.error().retryable());
}

TEST_F(JsonClientFaults, ErrorWithoutBodyIsNamedAfterItsStatus) {
  server_->script(json::array({{{"kind", "status"}, {"status", 413}, {"body", ""}}}));
  AwsTestRig rig(options_with_attempts(3));
  auto client = rig.json_client(kDynamoDbService, server_->url());
  const auto response = client->call("PutItem", json::object(), deadline_in(milliseconds(30000)));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, "HttpStatus413");
  EXPECT_FALSE(response.error().retryable());
  EXPECT_EQ(server_->request_count(), 1U);
}

TEST_F(JsonClientFaults, ChecksumMismatchIsARetryableError) {
  server_->script(json::array({{{"kind", "bad_crc"}, {"body", {{"Count", 0}}}}}));
  AwsTestRig rig(options_with_attempts(1));
  auto client = rig.json_client(kDynamoDbService, server_->url());
  const auto response = client->call("Query", json::object(), deadline_in(milliseconds(30000)));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, "CRC32CheckFailed");
  EXPECT_TRUE(response.error().retryable());
  EXPECT_EQ(response.error().http_status, 200);
}

TEST_F(JsonClientFaults, ServicesWithoutChecksumIgnoreTheHeader) {
  server_->script(json::array({{{"kind", "bad_crc"}, {"body", {{"Name", "s"}}}}}));
  AwsTestRig rig(options_with_attempts(1));
  auto client = rig.json_client(kSecretsManagerService, server_->url());
  const auto response =
      client->call("GetSecretValue", json::object(), deadline_in(milliseconds(30000)));
  ASSERT_TRUE(response.has_value()) << response.error().describe();
}

TEST_F(JsonClientFaults, GarbledBodyIsARetryableError) {
  server_->script(json::array({{{"kind", "garble"}}}));
  AwsTestRig rig(options_with_attempts(1));
  auto client = rig.json_client(kDynamoDbService, server_->url());
  const auto response = client->call("Query", json::object(), deadline_in(milliseconds(30000)));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, "InvalidResponseBody");
  EXPECT_TRUE(response.error().retryable());
}

// A raw_output call (the DynamoDB client's Query and BatchGetItem, decoded with simdjson) hands
// the body over as text, but a body that is not a JSON object is still retried like any other.
TEST_F(JsonClientFaults, GarbledBodyOfARawCallIsRetriedLikeAnyOther) {
  server_->script(json::array({{{"kind", "garble"}}, {{"kind", "ok"}, {"body", {{"Count", 0}}}}}));
  AwsTestRig rig(options_with_attempts(2));
  auto client = rig.json_client(kDynamoDbService, server_->url());
  int checked = 0;
  const std::array<JsonCall, 1> calls{
      JsonCall{.operation = "Query",
               .input = json::object(),
               .raw_output = true,
               .check_raw_body = [&checked](const std::string& body) {
                 ++checked;
                 return json::parse(body, nullptr, false).is_object();
               }}};
  auto responses = client->call_all(calls, deadline_in(milliseconds(30000)));
  ASSERT_TRUE(responses[0].has_value()) << responses[0].error().describe();
  EXPECT_EQ(responses[0]->attempts, 2);
  EXPECT_EQ(checked, 2);
  EXPECT_EQ(json::parse(responses[0]->body), (json{{"Count", 0}}));
  EXPECT_TRUE(responses[0]->output.empty()) << "a raw_output body is not parsed into output";
}

TEST_F(JsonClientFaults, SlowAttemptTimesOutAndIsRetried) {
  server_->script(json::array({{{"kind", "delay"}, {"seconds", 3.0}}, {{"kind", "ok"}}}));
  AwsTestRig rig(options_with_attempts(3));
  auto client = rig.json_client(kDynamoDbService, server_->url(),
                                JsonClientOptions{.attempt_timeout = milliseconds(300)});
  const auto response = client->call("Query", json::object(), deadline_in(milliseconds(30000)));
  ASSERT_TRUE(response.has_value()) << response.error().describe();
  EXPECT_EQ(response->attempts, 2);
}

TEST_F(JsonClientFaults, AttemptsStopAtTheDeadline) {
  // Each attempt takes 0.4 s and fails retryably; with a 1 s deadline the third attempt's
  // timeout is cut to what is left, and nothing is sent after the deadline.
  server_->script(
      json::array(),
      {{"kind", "delay"}, {"seconds", 0.4}, {"then", {{"kind", "status"}, {"status", 503}}}});
  core::retry::RetryOptions options = options_with_attempts(50);
  options.transient_base_delay = milliseconds(1);
  AwsTestRig rig(options);
  auto client = rig.json_client(kDynamoDbService, server_->url());
  const auto started = std::chrono::steady_clock::now();
  const auto response = client->call("Query", json::object(), started + milliseconds(1000));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(response.has_value());
  EXPECT_TRUE(response.error().retryable());
  EXPECT_LE(server_->request_count(), 3U);
  EXPECT_LT(elapsed, milliseconds(2000));
}

TEST_F(JsonClientFaults, SignsEveryAttemptAfreshWithTheCurrentTime) {
  /// Wall time moves a minute at every reading, so each signature has its own date.
  class MovingWallClock final : public core::Clock {
   public:
    [[nodiscard]] std::chrono::steady_clock::time_point now() const override {
      return std::chrono::steady_clock::now();
    }
    [[nodiscard]] std::chrono::system_clock::time_point wall_now() const override {
      return std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)) +
             std::chrono::minutes(++readings_);
    }

   private:
    mutable std::atomic<int> readings_{0};
  };

  server_->script(json::array({error_action("ThrottlingException"), {{"kind", "ok"}}}));
  AwsTestRig rig(options_with_attempts(3));
  rig.clock = std::make_shared<MovingWallClock>();
  auto client = rig.json_client(kDynamoDbService, server_->url());
  ASSERT_TRUE(client->call("Query", {{"TableName", "t"}}, deadline_in(milliseconds(30000))));

  const json requests = server_->log()["requests"];
  ASSERT_EQ(requests.size(), 2U);
  for (const auto& request : requests) {
    const auto& headers = request["headers"];
    EXPECT_EQ(headers["x-amz-target"], "DynamoDB_20120810.Query");
    EXPECT_EQ(headers["content-type"], "application/x-amz-json-1.0");
    EXPECT_TRUE(headers["authorization"].get<std::string>().starts_with(
        "AWS4-HMAC-SHA256 Credential=AKIDTESTDISPATCHER/20231114/us-east-1/dynamodb/aws4_request"))
        << headers["authorization"];
    EXPECT_EQ(request["body"], R"({"TableName":"t"})");
  }
  EXPECT_NE(requests[0]["headers"]["x-amz-date"], requests[1]["headers"]["x-amz-date"]);
  EXPECT_NE(requests[0]["headers"]["authorization"], requests[1]["headers"]["authorization"]);
}

TEST_F(JsonClientFaults, CallAllRetriesOnlyTheFailedCallsTogetherAfterOneBackoff) {
  server_->script(
      json::array({error_action("ThrottlingException"), {{"kind", "status"}, {"status", 500}}}),
      {{"kind", "echo"}});
  AwsTestRig rig(options_with_attempts(3));
  auto client = rig.json_client(kDynamoDbService, server_->url());
  std::vector<JsonCall> calls;
  for (int i = 0; i < 6; ++i) {
    calls.push_back({.operation = "GetItem", .input = {{"n", i}}});
  }
  const auto results = client->call_all(calls, deadline_in(milliseconds(30000)));
  int total_attempts = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].has_value()) << results[i].error().describe();
    EXPECT_EQ(results[i]->output["n"], static_cast<int>(i));
    total_attempts += results[i]->attempts;
  }
  EXPECT_EQ(total_attempts, 8);
  EXPECT_EQ(server_->request_count(), 8U);
  // One wait for the whole retry wave: the longer of the two backoffs (throttling, 1 s base).
  EXPECT_EQ(*rig.sleeps, (std::vector<milliseconds>{milliseconds(500)}));
}

TEST_F(JsonClientFaults, CredentialsFailureStopsTheCallBeforeAnythingIsSent) {
  class NoCredentials final : public CredentialsProvider {
   public:
    core::Result<Credentials> credentials() override {
      return core::fail(core::permanent_error("CredentialsNotFound", "none configured"));
    }
  };
  server_->script(json::array());
  AwsTestRig rig;
  rig.credentials = std::make_shared<NoCredentials>();
  auto client = rig.json_client(kDynamoDbService, server_->url());
  const auto response = client->call("Query", json::object(), deadline_in(milliseconds(30000)));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, "CredentialsNotFound");
  EXPECT_EQ(server_->request_count(), 0U);
}

TEST(JsonClientTransport, RefusedConnectionIsRetriedThenReportedForTheService) {
  AwsTestRig rig(options_with_attempts(2));
  auto client = rig.json_client(
      kSsmService, "http://127.0.0.1:" + std::to_string(testing::free_loopback_port()));
  const auto response =
      client->call("GetParameter", json::object(), deadline_in(milliseconds(30000)));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, "HttpConnectFailed");
  EXPECT_EQ(response.error().service, "ssm");
  EXPECT_TRUE(response.error().retryable());
  EXPECT_EQ(rig.sleeps->size(), 1U);
  EXPECT_TRUE(response.error().message.starts_with("GetParameter: ")) << response.error().message;
}

TEST_F(JsonClientFaults, CallsWaitingForAConnectionStillEndByTheDeadline) {
  // One connection, three calls each answered after 1 s, a deadline 1.5 s away: the two calls
  // behind the first must not get a full attempt timeout of their own.
  server_->script(json::array(), {{"kind", "delay"}, {"seconds", 1.0}});
  AwsTestRig rig(options_with_attempts(1));
  rig.http = std::make_shared<http::Client>(http::ClientOptions{.max_concurrent_requests = 1});
  auto client = rig.json_client(kDynamoDbService, server_->url());
  const std::vector<JsonCall> calls(3, JsonCall{.operation = "Query", .input = json::object()});
  const auto started = std::chrono::steady_clock::now();
  const auto responses = client->call_all(calls, started + milliseconds(1500));
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(1900));
  ASSERT_EQ(responses.size(), 3U);
  EXPECT_TRUE(responses[0].has_value()) << responses[0].error().describe();
  for (std::size_t i = 1; i < responses.size(); ++i) {
    ASSERT_FALSE(responses[i].has_value());
    EXPECT_TRUE(responses[i].error().retryable());
  }
}

TEST(JsonClientTransport, PassedDeadlineSendsNothing) {
  AwsTestRig rig;
  auto client = rig.json_client(kDynamoDbService, "http://127.0.0.1:1");
  const auto response =
      client->call("Query", json::object(), std::chrono::steady_clock::now() - milliseconds(1));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, "DeadlineExceeded");
  EXPECT_TRUE(response.error().retryable());
}

TEST(OperationLog, RecordsEveryOperationCalledUnderItsIamName) {
  AwsTestRig rig(options_with_attempts(1));
  auto streams = rig.json_client(kDynamoDbStreamsService, "http://127.0.0.1:1");
  auto secrets = rig.json_client(kSecretsManagerService, "http://127.0.0.1:1");
  (void)streams->call("GetRecords", json::object(), deadline_in(milliseconds(5000)));
  (void)secrets->call("GetSecretValue", json::object(), deadline_in(milliseconds(5000)));
  const auto recorded = recorded_operations();
  EXPECT_NE(std::ranges::find(recorded, "dynamodb:GetRecords"), recorded.end());
  EXPECT_NE(std::ranges::find(recorded, "secretsmanager:GetSecretValue"), recorded.end());

  const auto path =
      std::filesystem::temp_directory_path() / testing::unique_name("dispatcher-operation-log-");
  {
    std::ofstream existing(path);
    existing << "ssm:GetParameter\n";
  }
  ASSERT_TRUE(write_operation_log(path).has_value());
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  std::filesystem::remove(path);
  EXPECT_NE(text.str().find("dynamodb:GetRecords\n"), std::string::npos);
  EXPECT_NE(text.str().find("secretsmanager:GetSecretValue\n"), std::string::npos);
  EXPECT_NE(text.str().find("ssm:GetParameter\n"), std::string::npos);
}

TEST(Crc32, MatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926U);
  EXPECT_EQ(crc32(""), 0U);
}

}  // namespace
}  // namespace dispatcher::adapters::aws
