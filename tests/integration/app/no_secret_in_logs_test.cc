// No secret value reaches the logs: a whole run of the application with every kind of credential
// configured (AWS secret key and session token, SASL password from Secrets Manager, TLS key
// password) at DEBUG level with librdkafka's security/broker/conf debugging on, covering start-up,
// one invocation and a failed SASL authentication, captures every log line plus everything written
// to stdout and stderr, and looks for each secret value in it.

#include <fcntl.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/aws/json_client.h"
#include "app/application.h"
#include "app/aws_environment.h"
#include "core/observability/logger.h"
#include "integration/http/aws_test_support.h"

namespace dispatcher::app {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

/// Sends this process's stdout and stderr to a file until destroyed; text() reads it back.
class CapturedOutput {
 public:
  CapturedOutput() : path_("/tmp/no-secret-in-logs-" + testing::unique_name("") + ".log") {
    std::fflush(stdout);
    std::fflush(stderr);
    saved_stdout_ = ::dup(1);
    saved_stderr_ = ::dup(2);
    const int file = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(file, 1);
    ::dup2(file, 2);
    ::close(file);
  }
  CapturedOutput(const CapturedOutput&) = delete;
  CapturedOutput& operator=(const CapturedOutput&) = delete;
  ~CapturedOutput() {
    restore();
    std::remove(path_.c_str());
  }
  void restore() {
    if (saved_stdout_ < 0) {
      return;
    }
    std::fflush(stdout);
    std::fflush(stderr);
    ::dup2(saved_stdout_, 1);
    ::dup2(saved_stderr_, 2);
    ::close(saved_stdout_);
    ::close(saved_stderr_);
    saved_stdout_ = saved_stderr_ = -1;
  }
  [[nodiscard]] std::string text() const {
    std::ifstream file(path_);
    std::stringstream contents;
    contents << file.rdbuf();
    return contents.str();
  }

 private:
  std::string path_;
  int saved_stdout_ = -1;
  int saved_stderr_ = -1;
};

class LogLines {
 public:
  core::observability::Logger::Sink sink() {
    return [this](std::string_view line) {
      const std::scoped_lock lock(mutex_);
      text_ += line;
      text_ += '\n';
    };
  }
  [[nodiscard]] std::string text() const {
    const std::scoped_lock lock(mutex_);
    return text_;
  }

 private:
  mutable std::mutex mutex_;
  std::string text_;
};

std::string create_secret(const core::config::Environment& environment, const std::string& text) {
  auto aws = AwsContext::create(environment, std::make_shared<core::SystemClock>());
  EXPECT_TRUE(aws.has_value());
  auto json = (*aws)->json_client(adapters::aws::kSecretsManagerService, "secretsmanager");
  EXPECT_TRUE(json.has_value());
  const std::string name = testing::unique_name("AmazonMSK_no-secret-");
  auto created = (*json)->call("CreateSecret", {{"Name", name}, {"SecretString", text}},
                               testing::deadline_in(milliseconds(30000)));
  EXPECT_TRUE(created.has_value()) << created.error().describe();
  return name;
}

TEST(NoSecretInLogs, StartUpInvocationAndFailedSaslAuthenticationNeverShowASecret) {
  const std::string moto = testing::stack_variable("STACK_MOTO_ENDPOINT");
  const std::string aws_secret_key = testing::unique_name("AwsSecretKeyValue");
  const std::string session_token = testing::unique_name("AwsSessionTokenValue");
  const std::string wrong_password = testing::unique_name("WrongSaslPassword");
  const std::string sasl_password = testing::stack_variable("STACK_KAFKA_SCRAM_PASSWORD");
  const std::string key_password = testing::stack_variable("STACK_KAFKA_CLIENT_KEY_PASSWORD");
  const core::config::Environment environment = {
      {"AWS_REGION", "us-east-1"},
      {"AWS_ACCESS_KEY_ID", "AKIDNOSECRETINLOGS"},
      {"AWS_SECRET_ACCESS_KEY", aws_secret_key},
      {"AWS_SESSION_TOKEN", session_token},
      {"AWS_ENDPOINT_URL_SECRETS_MANAGER", moto},
      {"AWS_ENDPOINT_URL_SSM", moto},
      {"AWS_ENDPOINT_URL_DYNAMODB", testing::stack_variable("STACK_DYNAMODB_ENDPOINT")},
      {"KAFKA_BOOTSTRAP_SERVERS", testing::stack_variable("STACK_KAFKA_SECURE_BOOTSTRAP")},
      {"KAFKA_CLIENT_ID", "no-secret-in-logs"},
      {"KAFKA_TOPIC_OUTPUT", "no-secret-in-logs"},
      {"KAFKA_SSL_CA_LOCATION", testing::stack_variable("STACK_KAFKA_CA")},
      {"KAFKA_SSL_CERTIFICATE_LOCATION", testing::stack_variable("STACK_KAFKA_CLIENT_CERT")},
      {"KAFKA_SSL_KEY_LOCATION", testing::stack_variable("STACK_KAFKA_CLIENT_KEY")},
      {"KAFKA_SSL_KEY_PASSWORD", key_password},
      {"KAFKA_PRODUCER_DEBUG", "security,broker,conf"},
      {"EVENTS_TABLE_NAME", "NoSecretEvents"},
      {"OFFSETS_TABLE_NAME", "NoSecretOffsets"},
      {"LOG_LEVEL", "DEBUG"},
      {"POWERTOOLS_SERVICE_NAME", "no-secret-in-logs"}};
  const auto secret_json = [&](const std::string& password) {
    return nlohmann::json{{"username", testing::stack_variable("STACK_KAFKA_SCRAM_USER")},
                          {"password", password}}
        .dump();
  };
  auto good = environment;
  good["SASL_SECRET_NAME"] = create_secret(environment, secret_json(sasl_password));
  auto bad = environment;
  bad["SASL_SECRET_NAME"] = create_secret(environment, secret_json(wrong_password));

  LogLines lines;
  core::observability::Logger logger("no-secret-in-logs", core::config::LogLevel::kDebug,
                                     lines.sink(), [] { return std::chrono::system_clock::now(); });
  CapturedOutput output;
  {
    auto application = Application::create(good, logger);
    ASSERT_TRUE(application.has_value()) << application.error().describe();
    logger.begin_invocation("request-1", "", /*cold_start=*/true);
    const auto response =
        (*application)->handle(R"({"Records": []})", testing::deadline_in(milliseconds(10000)));
    logger.end_invocation();
    ASSERT_TRUE(response.has_value()) << response.error().describe();
  }
  {
    auto application = Application::create(bad, logger);
    ASSERT_TRUE(application.has_value()) << application.error().describe();
    // librdkafka connects to the bootstrap broker on its own; wait (bounded) for the refusal.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (lines.text().find("Authentication failed") == std::string::npos &&
           std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(milliseconds(100));
    }
  }
  output.restore();
  const std::string everything = lines.text() + output.text();

  // The run must have logged what it is supposed to, or the absence of secrets proves nothing.
  EXPECT_THAT(everything, HasSubstr("dispatcher ready"));
  EXPECT_THAT(everything, HasSubstr("request-1"));
  EXPECT_THAT(everything, HasSubstr("Authentication failed"));
  EXPECT_THAT(everything, HasSubstr("sasl"));  // librdkafka's conf/security debug lines
  for (const std::string& secret :
       {aws_secret_key, session_token, sasl_password, wrong_password, key_password}) {
    EXPECT_THAT(everything, Not(HasSubstr(secret))) << "a secret value appears in the logs";
  }
}

}  // namespace
}  // namespace dispatcher::app
