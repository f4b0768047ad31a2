// No secret value reaches the logs: runs of the application with every kind of credential
// configured (AWS secret key and session token, SASL secret from Secrets Manager given by ARN, TLS
// key password, SecureString parameters) at DEBUG level with librdkafka's security/broker/conf
// debugging on, covering start-up, an invocation that meets an unknown topic, a failed SASL
// authentication, malformed SASL secrets and a SecureString setting that fails validation, in
// process and through the `bootstrap` commands (handle, run, status). Every log line, error and
// everything written to stdout and stderr is searched for each secret value.

#include <fcntl.h>
#include <sys/wait.h>
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

/// The stack's moto and secure broker, and every secret value a test configures.
class NoSecretInLogs : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string moto = testing::stack_variable("STACK_MOTO_ENDPOINT");
    password_ = testing::unique_name("SaslPasswordNeverShown");
    environment_ = {
        {"AWS_REGION", "us-east-1"},
        {"AWS_ACCESS_KEY_ID", "AKIDNOSECRETINLOGS"},
        {"AWS_SECRET_ACCESS_KEY", testing::unique_name("AwsSecretKeyValue")},
        {"AWS_SESSION_TOKEN", testing::unique_name("AwsSessionTokenValue")},
        {"AWS_ENDPOINT_URL_SECRETS_MANAGER", moto},
        {"AWS_ENDPOINT_URL_SSM", moto},
        {"AWS_ENDPOINT_URL_DYNAMODB", testing::stack_variable("STACK_DYNAMODB_ENDPOINT")},
        {"KAFKA_BOOTSTRAP_SERVERS", testing::stack_variable("STACK_KAFKA_SECURE_BOOTSTRAP")},
        {"KAFKA_CLIENT_ID", "no-secret-in-logs"},
        {"KAFKA_TOPIC_OUTPUT", testing::unique_name("no-secret-unknown-topic-")},
        {"KAFKA_SSL_CA_LOCATION", testing::stack_variable("STACK_KAFKA_CA")},
        {"KAFKA_SSL_CERTIFICATE_LOCATION", testing::stack_variable("STACK_KAFKA_CLIENT_CERT")},
        {"KAFKA_SSL_KEY_LOCATION", testing::stack_variable("STACK_KAFKA_CLIENT_KEY")},
        {"KAFKA_SSL_KEY_PASSWORD", testing::stack_variable("STACK_KAFKA_CLIENT_KEY_PASSWORD")},
        {"KAFKA_PRODUCER_DEBUG", "security,broker,conf"},
        // A missing topic fails in a second instead of librdkafka's default 30.
        {"KAFKA_PRODUCER_TOPIC_METADATA_PROPAGATION_MAX_MS", "1000"},
        {"EVENTS_TABLE_NAME", testing::unique_name("NoSecretEvents-")},
        {"OFFSETS_TABLE_NAME", testing::unique_name("NoSecretOffsets-")},
        {"LOG_LEVEL", "DEBUG"},
        {"POWERTOOLS_SERVICE_NAME", "no-secret-in-logs"}};
    secrets_ = {password_, environment_.at("AWS_SECRET_ACCESS_KEY"),
                environment_.at("AWS_SESSION_TOKEN"), environment_.at("KAFKA_SSL_KEY_PASSWORD")};
    auto aws = AwsContext::create(environment_, std::make_shared<core::SystemClock>());
    ASSERT_TRUE(aws.has_value()) << aws.error().describe();
    aws_ = std::move(*aws);
  }

  /// Creates a secret holding `text` (remembered as a secret value); returns its ARN.
  std::string create_secret(const std::string& text) {
    secrets_.push_back(text);
    auto json = aws_->json_client(adapters::aws::kSecretsManagerService, "secretsmanager");
    EXPECT_TRUE(json.has_value());
    auto created = (*json)->call(
        "CreateSecret",
        {{"Name", testing::unique_name("AmazonMSK_no-secret-")}, {"SecretString", text}},
        testing::deadline_in(milliseconds(30000)));
    EXPECT_TRUE(created.has_value()) << created.error().describe();
    return created ? created->output.value("ARN", "") : "";
  }

  /// Creates a SecureString parameter holding `value` (remembered as a secret); returns its ARN.
  std::string create_secure_parameter(const std::string& value) {
    secrets_.push_back(value);
    const std::string name = "/" + testing::unique_name("no-secret-") + "/value";
    auto json = aws_->json_client(adapters::aws::kSsmService, "ssm");
    EXPECT_TRUE(json.has_value());
    auto created =
        (*json)->call("PutParameter", {{"Name", name}, {"Value", value}, {"Type", "SecureString"}},
                      testing::deadline_in(milliseconds(30000)));
    EXPECT_TRUE(created.has_value()) << created.error().describe();
    return "arn:aws:ssm:us-east-1:123456789012:parameter" + name;
  }

  /// The SCRAM secret JSON with `password`.
  std::string scram_secret(const std::string& password) const {
    return nlohmann::json{{"username", testing::stack_variable("STACK_KAFKA_SCRAM_USER")},
                          {"password", password}}
        .dump();
  }

  /// Calls DynamoDB (the stack's DynamoDB Local) with our own JSON client.
  void dynamodb(const std::string& operation, const nlohmann::json& input) {
    auto json = aws_->json_client(adapters::aws::kDynamoDbService, "dynamodb");
    ASSERT_TRUE(json.has_value());
    auto answer = (*json)->call(operation, input, testing::deadline_in(milliseconds(30000)));
    ASSERT_TRUE(answer.has_value()) << operation << ": " << answer.error().describe();
  }

  /// The events and offsets tables with one event of aggregate Order:o-1 at version 0.
  void create_tables_with_one_event() {
    const auto key = [](bool with_version) {
      nlohmann::json schema =
          nlohmann::json::array({{{"AttributeName", "id"}, {"KeyType", "HASH"}}});
      nlohmann::json attributes =
          nlohmann::json::array({{{"AttributeName", "id"}, {"AttributeType", "S"}}});
      if (with_version) {
        schema.push_back({{"AttributeName", "version"}, {"KeyType", "RANGE"}});
        attributes.push_back({{"AttributeName", "version"}, {"AttributeType", "N"}});
      }
      return std::pair{schema, attributes};
    };
    for (const bool events : {true, false}) {
      const auto [schema, attributes] = key(events);
      dynamodb("CreateTable",
               {{"TableName", environment_.at(events ? "EVENTS_TABLE_NAME" : "OFFSETS_TABLE_NAME")},
                {"KeySchema", schema},
                {"AttributeDefinitions", attributes},
                {"BillingMode", "PAY_PER_REQUEST"}});
    }
    dynamodb("PutItem", {{"TableName", environment_.at("EVENTS_TABLE_NAME")},
                         {"Item",
                          {{"id", {{"S", "Order:o-1"}}},
                           {"version", {{"N", "0"}}},
                           {"streamType", {{"S", "Order"}}},
                           {"streamId", {{"S", "o-1"}}},
                           {"eventId", {{"S", "event-1"}}},
                           {"eventType", {{"S", "OrderPlaced"}}},
                           {"timestamp", {{"N", "1700000000000"}}},
                           {"data", {{"B", "e30="}}},
                           {"headers", {{"M", nlohmann::json::object()}}}}}});
  }

  /// A stream event with the change marker of Order:o-1: the handler dispatches its events.
  std::string marker_event() const {
    return nlohmann::json{
        {"Records",
         {{{"eventID", "marker-1"},
           {"eventName", "MODIFY"},
           {"eventVersion", "1.1"},
           {"eventSource", "aws:dynamodb"},
           {"awsRegion", "us-east-1"},
           {"dynamodb",
            {{"Keys", {{"id", {{"S", "Order:o-1"}}}, {"version", {{"N", "-1001"}}}}},
             {"SequenceNumber", "100000000000000000001"},
             {"SizeBytes", 40},
             {"StreamViewType", "KEYS_ONLY"}}},
           {"eventSourceARN", "arn:aws:dynamodb:us-east-1:123456789012:table/" +
                                  environment_.at("EVENTS_TABLE_NAME") +
                                  "/stream/2024-01-01T00:00:00.000"}}}}}
        .dump();
  }

  /// Runs `bootstrap <arguments>` with exactly `environment` and stdin from /dev/null; returns
  /// everything it wrote to stdout and stderr (bounded: the child is killed after 60 s).
  static std::string run_bootstrap(const std::vector<std::string>& arguments,
                                   const core::config::Environment& environment) {
    const std::string path = "/tmp/no-secret-bootstrap-" + testing::unique_name("") + ".log";
    std::vector<std::string> argv_text = {DISPATCHER_BOOTSTRAP};
    argv_text.insert(argv_text.end(), arguments.begin(), arguments.end());
    std::vector<std::string> environment_text;
    for (const auto& [name, value] : environment) {
      environment_text.push_back(name + "=" + value);
    }
    std::vector<char*> argv;
    for (auto& argument : argv_text) {
      argv.push_back(argument.data());
    }
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& variable : environment_text) {
      envp.push_back(variable.data());
    }
    envp.push_back(nullptr);
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t child = ::fork();
    if (child == 0) {
      const int output = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int input = ::open("/dev/null", O_RDONLY);
      ::dup2(input, 0);
      ::dup2(output, 1);
      ::dup2(output, 2);
      ::alarm(60);  // survives exec: a hung child ends with SIGALRM
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    std::ifstream file(path);
    std::stringstream contents;
    contents << file.rdbuf();
    std::remove(path.c_str());
    return "exit status " + std::to_string(status) + "\n" + contents.str();
  }

  /// Each secret as it is and as a JSON log line escapes it (the real SCRAM password too).
  [[nodiscard]] std::vector<std::string> secret_forms() const {
    std::vector<std::string> forms;
    for (const std::string& secret : secrets_) {
      const std::string escaped = nlohmann::json(secret).dump();
      forms.push_back(secret);
      forms.push_back(escaped.substr(1, escaped.size() - 2));
    }
    return forms;
  }

  /// Every secret form is absent from `everything`. A failure shows `everything` with the secrets
  /// masked as <SECRET n>, so the test's own output never shows one either.
  void expect_no_secret_in(const std::string& everything) const {
    const auto forms = secret_forms();
    for (std::size_t index = 0; index < forms.size(); ++index) {
      EXPECT_EQ(everything.find(forms[index]), std::string::npos)
          << "secret form " << index << " appears in the output:\n"
          << masked(everything);
    }
  }

  /// `text` with every secret form replaced by <SECRET n>, for failure messages.
  [[nodiscard]] std::string masked(std::string text) const {
    const auto forms = secret_forms();
    for (std::size_t index = 0; index < forms.size(); ++index) {
      for (auto at = text.find(forms[index]); at != std::string::npos;
           at = text.find(forms[index], at)) {
        text.replace(at, forms[index].size(), "<SECRET " + std::to_string(index) + ">");
      }
    }
    return text;
  }

  std::string password_;
  core::config::Environment environment_;
  std::vector<std::string> secrets_;
  std::unique_ptr<AwsContext> aws_;
};

core::observability::Logger debug_logger(LogLines& lines) {
  return core::observability::Logger("no-secret-in-logs", core::config::LogLevel::kDebug,
                                     lines.sink(), [] { return std::chrono::system_clock::now(); });
}

TEST_F(NoSecretInLogs, StartUpUnknownTopicAndFailedSaslAuthenticationWithArnSecretsShowNoSecret) {
  create_tables_with_one_event();
  auto good = environment_;
  good["SASL_SECRET_NAME"] =
      create_secret(scram_secret(testing::stack_variable("STACK_KAFKA_SCRAM_PASSWORD")));
  secrets_.push_back(testing::stack_variable("STACK_KAFKA_SCRAM_PASSWORD"));
  auto bad = environment_;
  const std::string wrong_arn = create_secret(scram_secret(password_));
  bad["SASL_SECRET_NAME"] = wrong_arn.substr(0, wrong_arn.size() - 7);  // the partial ARN

  LogLines lines;
  auto logger = debug_logger(lines);
  std::string errors;
  CapturedOutput output;
  {
    auto application = Application::create(good, logger);
    ASSERT_TRUE(application.has_value()) << masked(application.error().describe());
    logger.begin_invocation("request-1", "", /*cold_start=*/true);
    const auto response =
        (*application)->handle(marker_event(), testing::deadline_in(milliseconds(15000)));
    logger.end_invocation();
    errors += response ? *response : response.error().describe();
  }
  {
    auto application = Application::create(bad, logger);
    ASSERT_TRUE(application.has_value()) << masked(application.error().describe());
    // librdkafka connects to the bootstrap broker on its own; wait (bounded) for the refusal.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (lines.text().find("Authentication failed") == std::string::npos &&
           std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(milliseconds(100));
    }
  }
  output.restore();
  const std::string everything = lines.text() + output.text() + errors;

  // The runs must have logged what they are supposed to, or the absence of secrets proves nothing.
  for (const std::string_view expected :
       {"dispatcher ready", "request-1", "UNKNOWN_TOPIC", "Authentication failed",
        "sasl" /* librdkafka's conf/security debug lines */}) {
    EXPECT_TRUE(everything.contains(expected)) << expected << " not in:\n" << masked(everything);
  }
  expect_no_secret_in(everything);
}

TEST_F(NoSecretInLogs, MalformedSaslSecretsFailStartUpNamingTheProblemNotTheContent) {
  struct Case {
    std::string secret_text;
    std::string expected;  ///< in the start-up error
  };
  const std::vector<Case> cases = {
      {"username=svc password=" + password_, "is not a JSON object"},
      {R"({"username": "svc", "password": ")" + password_, "is not a JSON object"},
      {R"({"user": "svc", "password": ")" + password_ + "\"}", "is missing"},
      {R"({"username": "svc", "password": [")" + password_ + "\"]}",
       "is not a string (JSON array)"},
  };
  for (const Case& bad : cases) {
    auto environment = environment_;
    environment["SASL_SECRET_NAME"] = create_secret(bad.secret_text);
    LogLines lines;
    auto logger = debug_logger(lines);
    CapturedOutput output;
    const auto application = Application::create(environment, logger);
    output.restore();
    ASSERT_FALSE(application.has_value()) << masked(bad.secret_text);
    const std::string error = application.error().describe();
    EXPECT_TRUE(error.contains("SASL_SECRET_NAME") && error.contains(bad.expected))
        << bad.expected << " not in: " << masked(error);
    expect_no_secret_in(error + lines.text() + output.text());

    // The same through the commands: the Lambda's `handle` and the standalone runner.
    const std::string handled = run_bootstrap({"handle", "--event", "/dev/null"}, environment);
    EXPECT_TRUE(handled.contains("initialisation failed") && handled.contains(bad.expected))
        << masked(handled);
    expect_no_secret_in(handled);
    const std::string ran = run_bootstrap({"run", "--once"}, environment);
    EXPECT_TRUE(ran.contains("initialisation failed")) << masked(ran);
    expect_no_secret_in(ran);
  }
}

TEST_F(NoSecretInLogs, SecureStringSettingRefusedByValidationIsNeverShown) {
  auto environment = environment_;
  environment["DISPATCHER_POISON_POLICY"] = "dead-letter";
  environment["DISPATCHER_DEAD_LETTER_TOPIC"] = create_secure_parameter("dead letter " + password_);
  environment["KAFKA_TOPIC_OUTPUT"] = create_secret("events.{" + password_ + "x}");
  LogLines lines;
  auto logger = debug_logger(lines);
  CapturedOutput output;
  const auto application = Application::create(environment, logger);
  output.restore();
  ASSERT_FALSE(application.has_value());
  const std::string error = application.error().describe();
  EXPECT_TRUE(error.contains("DISPATCHER_DEAD_LETTER_TOPIC") &&
              error.contains("KAFKA_TOPIC_OUTPUT"))
      << masked(error);
  expect_no_secret_in(error + lines.text() + output.text());

  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"handle", "--event", "/dev/null"},
        std::vector<std::string>{"run", "--once"}, std::vector<std::string>{"status"}}) {
    const std::string printed = run_bootstrap(command, environment);
    EXPECT_TRUE(printed.contains("DISPATCHER_DEAD_LETTER_TOPIC")) << command[0] << masked(printed);
    expect_no_secret_in(printed);
  }
}

}  // namespace
}  // namespace dispatcher::app
