// Start-up of the app against the local stack: settings given as ARNs are resolved through moto's
// SSM and Secrets Manager, the SASL secret is read and checked, and every start-up error names
// what is wrong without ever showing a secret.

#include "app/application.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/secrets/secrets_manager_client.h"
#include "app/aws_environment.h"
#include "app/kafka_security.h"
#include "app/reference_resolver.h"
#include "app/startup_configuration.h"
#include "integration/http/aws_test_support.h"
#include "integration/http/fault_server.h"

namespace dispatcher::app {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

core::Deadline soon() { return testing::deadline_in(milliseconds(30000)); }

/// Creates secrets and parameters in moto through boto3-free JSON calls of our own clients.
class MotoFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    moto_ = testing::stack_variable("STACK_MOTO_ENDPOINT");
    environment_ = {{"AWS_REGION", "us-east-1"},
                    {"AWS_ACCESS_KEY_ID", "local"},
                    {"AWS_SECRET_ACCESS_KEY", "local"},
                    {"AWS_ENDPOINT_URL_SSM", moto_},
                    {"AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_}};
    auto aws = AwsContext::create(environment_, std::make_shared<core::SystemClock>());
    ASSERT_TRUE(aws.has_value()) << aws.error().describe();
    aws_ = std::move(*aws);
  }

  /// Creates a secret; returns its ARN.
  std::string create_secret(const std::string& name, const std::string& text) {
    auto json = aws_->json_client(adapters::aws::kSecretsManagerService, "secretsmanager");
    EXPECT_TRUE(json.has_value());
    auto created = (*json)->call("CreateSecret", {{"Name", name}, {"SecretString", text}}, soon());
    EXPECT_TRUE(created.has_value()) << created.error().describe();
    return created->output.value("ARN", "");
  }

  /// Creates a parameter (SecureString unless `type` says otherwise); returns its ARN.
  std::string create_parameter(const std::string& name, const std::string& value,
                               const std::string& type = "SecureString") {
    auto json = aws_->json_client(adapters::aws::kSsmService, "ssm");
    EXPECT_TRUE(json.has_value());
    auto created =
        (*json)->call("PutParameter", {{"Name", name}, {"Value", value}, {"Type", type}}, soon());
    EXPECT_TRUE(created.has_value()) << created.error().describe();
    return "arn:aws:ssm:us-east-1:123456789012:parameter" + name;
  }

  std::string moto_;
  core::config::Environment environment_;
  std::unique_ptr<AwsContext> aws_;
};

TEST_F(MotoFixture, ResolvesSettingsGivenAsSsmParameterAndSecretArns) {
  const std::string topic_parameter = "/" + testing::unique_name("dispatcher-") + "/topic";
  const std::string topic_arn = create_parameter(topic_parameter, "orders.events");
  const std::string table_arn =
      create_secret(testing::unique_name("events-table-"), "EventsFromSecret");
  auto environment = environment_;
  environment["KAFKA_TOPIC_OUTPUT"] = topic_arn;
  environment["EVENTS_TABLE_NAME"] = table_arn;
  environment["OFFSETS_TABLE_NAME"] = "Offsets";
  const auto resolved = resolve_references(environment, *aws_, soon());
  ASSERT_TRUE(resolved.has_value()) << resolved.error().describe();
  EXPECT_EQ(resolved->environment.at("KAFKA_TOPIC_OUTPUT"), "orders.events");
  EXPECT_EQ(resolved->environment.at("EVENTS_TABLE_NAME"), "EventsFromSecret");
  EXPECT_EQ(resolved->environment.at("OFFSETS_TABLE_NAME"), "Offsets");
}

TEST_F(MotoFixture, SecureStringAndSecretValuesAreMarkedSensitiveAndPlainParametersAreNot) {
  const std::string prefix = "/" + testing::unique_name("dispatcher-");
  auto environment = environment_;
  environment["KAFKA_CLIENT_ID"] = create_parameter(prefix + "/client", "dispatcher-1", "String");
  environment["KAFKA_TOPIC_OUTPUT"] = create_parameter(prefix + "/topic", "orders.events");
  environment["EVENTS_TABLE_NAME"] =
      create_secret(testing::unique_name("events-table-"), "EventsFromSecret");
  environment["OFFSETS_TABLE_NAME"] = "Offsets";
  const auto resolved = resolve_references(environment, *aws_, soon());
  ASSERT_TRUE(resolved.has_value()) << resolved.error().describe();
  EXPECT_EQ(resolved->sensitive,
            core::config::SensitiveNames({"EVENTS_TABLE_NAME", "KAFKA_TOPIC_OUTPUT"}));
}

TEST_F(MotoFixture, SaslSecretArnIsLeftForTheKafkaSecurityToReadNotResolvedAsASetting) {
  const std::string arn = create_secret(testing::unique_name("AmazonMSK_arn-"),
                                        R"({"username": "dispatcher", "password": "s3cr3t"})");
  auto environment = environment_;
  environment["SASL_SECRET_NAME"] = arn;
  const auto resolved = resolve_references(environment, *aws_, soon());
  ASSERT_TRUE(resolved.has_value()) << resolved.error().describe();
  // Not EXPECT_EQ: on failure it would print the secret's content.
  EXPECT_TRUE(resolved->environment.at("SASL_SECRET_NAME") == arn)
      << "SASL_SECRET_NAME was replaced (by the secret's content, not shown)";
  EXPECT_TRUE(resolved->sensitive.empty());
}

TEST_F(MotoFixture, SecureStringSettingRefusedByValidationIsNamedButNotShown) {
  const std::string value = "dead letter " + testing::unique_name("SecureValue");
  auto environment = environment_;
  environment["KAFKA_BOOTSTRAP_SERVERS"] = "b-1.example:9096";
  environment["KAFKA_TOPIC_OUTPUT"] = "events";
  environment["EVENTS_TABLE_NAME"] = "Events";
  environment["OFFSETS_TABLE_NAME"] = "Offsets";
  environment["DISPATCHER_POISON_POLICY"] = "dead-letter";
  environment["DISPATCHER_DEAD_LETTER_TOPIC"] =
      create_parameter("/" + testing::unique_name("dispatcher-") + "/dlq", value);
  const auto configuration =
      load_startup_configuration(environment, std::make_shared<core::SystemClock>(), soon());
  ASSERT_FALSE(configuration.has_value());
  EXPECT_EQ(configuration.error().code, "InvalidConfiguration");
  EXPECT_THAT(configuration.error().message,
              HasSubstr("DISPATCHER_DEAD_LETTER_TOPIC (secret value not shown) is not a legal"));
  EXPECT_THAT(configuration.error().describe(), Not(HasSubstr("SecureValue")));
}

TEST_F(MotoFixture, UnreadableReferenceNamesTheVariable) {
  auto environment = environment_;
  environment["KAFKA_TOPIC_OUTPUT"] =
      "arn:aws:ssm:us-east-1:123456789012:parameter/" + testing::unique_name("missing-");
  const auto resolved = resolve_references(environment, *aws_, soon());
  ASSERT_FALSE(resolved.has_value());
  EXPECT_EQ(resolved.error().code, "UnresolvableSetting");
  EXPECT_THAT(resolved.error().message, HasSubstr("KAFKA_TOPIC_OUTPUT"));
  EXPECT_THAT(resolved.error().message, HasSubstr("ParameterNotFound"));
}

TEST_F(MotoFixture, SaslSecretBecomesScramCredentialsOfTheProducer) {
  const std::string secret_name = testing::unique_name("AmazonMSK_dispatcher-");
  create_secret(secret_name, R"({"username": "dispatcher", "password": "s3cr3t-Pa55"})");
  core::config::Settings settings;
  settings.kafka_bootstrap_servers = "b-1.example:9096";
  settings.kafka_client_id = "dispatcher";
  settings.sasl_secret_name = secret_name;
  settings.sasl_mechanism = core::config::SaslMechanism::kScramSha512;
  settings.kafka_security_protocol = core::config::SecurityProtocol::kSaslSsl;
  settings.producer_properties = {{"linger.ms", "5"}};
  const auto producer = kafka_producer_settings(settings, *aws_, soon());
  ASSERT_TRUE(producer.has_value()) << producer.error().describe();
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"security.protocol", "SASL_SSL"},
      {"sasl.mechanisms", "SCRAM-SHA-512"},
      {"sasl.username", "dispatcher"},
      {"sasl.password", "s3cr3t-Pa55"},
      {"ssl.ca.location", aws_->ca_bundle()},
      {"batch.size", "1000000"},
      {"message.max.bytes", "1065536"},
      {"allow.auto.create.topics", "false"},
      {"linger.ms", "5"}};
  EXPECT_EQ(producer->extra_properties, expected);
}

TEST_F(MotoFixture, MissingSaslSecretIsAStartUpErrorNamingTheSetting) {
  core::config::Settings settings;
  settings.sasl_secret_name = testing::unique_name("absent-");
  settings.sasl_mechanism = core::config::SaslMechanism::kScramSha512;
  const auto producer = kafka_producer_settings(settings, *aws_, soon());
  ASSERT_FALSE(producer.has_value());
  EXPECT_THAT(producer.error().message, HasSubstr("SASL_SECRET_NAME"));
  EXPECT_THAT(producer.error().message, HasSubstr("ResourceNotFoundException"));
}

TEST(SaslSecret, WrongTypesAndEmptyFieldsAreNamedByTypeWithoutTheirValues) {
  const auto number = parse_sasl_secret(R"({"username": "svc", "password": 73310987})", "kafka");
  ASSERT_FALSE(number.has_value());
  EXPECT_THAT(number.error().message,
              HasSubstr("field \"password\" is not a string (JSON number)"));
  EXPECT_THAT(number.error().describe(), Not(HasSubstr("73310987")));
  const auto empty = parse_sasl_secret(R"({"username": "", "password": "hunter2"})", "kafka");
  ASSERT_FALSE(empty.has_value());
  EXPECT_THAT(empty.error().message, HasSubstr("field \"username\" is empty"));
  EXPECT_THAT(empty.error().describe(), Not(HasSubstr("hunter2")));
  const auto array = parse_sasl_secret(R"(["svc", "hunter2"])", "kafka");
  ASSERT_FALSE(array.has_value());
  EXPECT_THAT(array.error().message, HasSubstr("is not a JSON object"));
  EXPECT_THAT(array.error().describe(), Not(HasSubstr("hunter2")));
}

TEST(SaslSecret, NonJsonSecretIsRefusedWithoutShowingItsText) {
  const auto credentials = parse_sasl_secret("hunter2-plain-password", "kafka");
  ASSERT_FALSE(credentials.has_value());
  EXPECT_EQ(credentials.error().code, "InvalidSaslSecret");
  EXPECT_THAT(credentials.error().message, HasSubstr("is not a JSON object"));
  EXPECT_THAT(credentials.error().describe(), Not(HasSubstr("hunter2")));
}

TEST(SaslSecret, MissingFieldIsNamedAndValuesAreNotShown) {
  const auto credentials = parse_sasl_secret(R"({"username": "svc", "pass": "hunter2"})", "kafka");
  ASSERT_FALSE(credentials.has_value());
  EXPECT_THAT(credentials.error().message, HasSubstr("\"password\""));
  EXPECT_THAT(credentials.error().describe(), Not(HasSubstr("hunter2")));
  EXPECT_THAT(credentials.error().describe(), Not(HasSubstr("svc")));
}

TEST(Application, MissingSettingsFailStartUpNamingEachVariable) {
  std::vector<std::string> lines;
  core::observability::Logger logger(
      "test", core::config::LogLevel::kInfo,
      [&lines](std::string_view line) { lines.emplace_back(line); },
      [] { return std::chrono::system_clock::now(); });
  const auto application = Application::create({{"AWS_REGION", "us-east-1"},
                                                {"AWS_ACCESS_KEY_ID", "local"},
                                                {"AWS_SECRET_ACCESS_KEY", "do-not-print-me"}},
                                               logger);
  ASSERT_FALSE(application.has_value());
  EXPECT_EQ(application.error().code, "InvalidConfiguration");
  EXPECT_THAT(application.error().message, HasSubstr("KAFKA_BOOTSTRAP_SERVERS is required"));
  EXPECT_THAT(application.error().message, HasSubstr("EVENTS_TABLE_NAME is required"));
  EXPECT_THAT(application.error().describe(), Not(HasSubstr("do-not-print-me")));
}

TEST(Application, MissingRegionFailsStartUp) {
  std::vector<std::string> lines;
  core::observability::Logger logger(
      "test", core::config::LogLevel::kInfo,
      [&lines](std::string_view line) { lines.emplace_back(line); },
      [] { return std::chrono::system_clock::now(); });
  const auto application = Application::create({}, logger);
  ASSERT_FALSE(application.has_value());
  EXPECT_THAT(application.error().message, HasSubstr("AWS_REGION"));
}

TEST(Application, StartUpNamesEveryProblemAtOnce) {
  core::observability::Logger logger(
      "test", core::config::LogLevel::kInfo, [](std::string_view) {},
      [] { return std::chrono::system_clock::now(); });
  // No region, no credentials and none of the settings: all of them in one error.
  const auto application =
      Application::create({{"KAFKA_MAX_MESSAGE_BYTES", "12"}, {"LOG_LEVEL", "loud"}}, logger);
  ASSERT_FALSE(application.has_value());
  EXPECT_EQ(application.error().code, "InvalidConfiguration");
  for (const std::string_view problem :
       {"MissingRegion", "CredentialsNotFound", "KAFKA_BOOTSTRAP_SERVERS is required",
        "KAFKA_TOPIC_OUTPUT is required", "EVENTS_TABLE_NAME is required",
        "OFFSETS_TABLE_NAME is required", "KAFKA_MAX_MESSAGE_BYTES must be a whole number",
        "LOG_LEVEL must be one of"}) {
    EXPECT_THAT(application.error().message, HasSubstr(problem));
  }
}

TEST(Application, ReadsTheSaslSecretGivenAsItsArnExactlyOnceAtStartUp) {
  testing::FaultServer secrets_manager;
  const std::string arn =
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_once-Ab12Cd";
  secrets_manager.script(
      nlohmann::json::array(),
      {{"kind", "ok"},
       {"body",
        {{"ARN", arn},
         {"Name", "AmazonMSK_once"},
         {"SecretString", R"({"username": "dispatcher", "password": "once-only"})"}}}});
  std::vector<std::string> lines;
  core::observability::Logger logger(
      "test", core::config::LogLevel::kInfo,
      [&lines](std::string_view line) { lines.emplace_back(line); },
      [] { return std::chrono::system_clock::now(); });
  // The producer is created without a broker; librdkafka connects in the background.
  const auto application = Application::create({{"AWS_REGION", "us-east-1"},
                                                {"AWS_ACCESS_KEY_ID", "local"},
                                                {"AWS_SECRET_ACCESS_KEY", "local"},
                                                {"AWS_ENDPOINT_URL", secrets_manager.url()},
                                                {"KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"},
                                                {"KAFKA_TOPIC_OUTPUT", "events"},
                                                {"EVENTS_TABLE_NAME", "Events"},
                                                {"OFFSETS_TABLE_NAME", "Offsets"},
                                                {"SASL_SECRET_NAME", arn}},
                                               logger);
  ASSERT_TRUE(application.has_value()) << application.error().describe();
  std::vector<std::string> secret_ids;
  const nlohmann::json log = secrets_manager.log();
  for (const auto& request : log["requests"]) {
    if (request["headers"].value("x-amz-target", "") == "secretsmanager.GetSecretValue") {
      secret_ids.push_back(
          nlohmann::json::parse(request["body"].get<std::string>()).value("SecretId", ""));
    }
  }
  EXPECT_EQ(secret_ids, std::vector<std::string>{arn}) << log.dump();
}

}  // namespace
}  // namespace dispatcher::app
