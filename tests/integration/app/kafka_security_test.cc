// Kafka security chosen by configuration: the mapping of every setting combination to librdkafka
// properties, and each mode against the stack's secured broker (kafka-secure: SASL_SSL with SCRAM
// users, an mTLS listener, a self-signed CA; STACK_KAFKA_* variables).

#include "app/kafka_security.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/aws/json_client.h"
#include "adapters/kafka/kafka_publisher.h"
#include "app/startup_configuration.h"
#include "core/aws/msk_iam_token.h"
#include "core/dispatch/failure_scope.h"
#include "core/encoding/base64.h"
#include "integration/http/aws_test_support.h"
#include "kafka_test_support.h"

namespace dispatcher::app {
namespace {

using core::config::SaslMechanism;
using core::config::SecurityProtocol;
using std::chrono::milliseconds;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using Properties = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kBundle = "/etc/pki/tls/certs/ca-bundle.crt";

core::config::Settings base_settings(SecurityProtocol protocol,
                                     SaslMechanism mechanism = SaslMechanism::kNone) {
  core::config::Settings settings;
  settings.kafka_bootstrap_servers = "b-1.example:9096";
  settings.kafka_client_id = "dispatcher";
  settings.kafka_security_protocol = protocol;
  settings.sasl_mechanism = mechanism;
  return settings;
}

std::optional<std::string> property(const adapters::kafka::ProducerSettings& producer,
                                    std::string_view name) {
  std::optional<std::string> found;
  for (const auto& [key, value] : producer.extra_properties) {
    if (key == name) {
      found = value;  // the last one wins in librdkafka too
    }
  }
  return found;
}

// ---- mapping ---------------------------------------------------------------------------------

TEST(KafkaSecurityMapping, PlaintextHasNeitherTlsNorSaslProperties) {
  const auto producer = map_kafka_producer_settings(base_settings(SecurityProtocol::kPlaintext),
                                                    {.ca_bundle = std::string(kBundle)});
  const Properties expected = {{"security.protocol", "PLAINTEXT"},
                               {"batch.size", "1000000"},
                               {"message.max.bytes", "1065536"},
                               {"allow.auto.create.topics", "false"}};
  EXPECT_EQ(producer.extra_properties, expected);
  EXPECT_FALSE(producer.oauthbearer_token_provider);
  EXPECT_TRUE(producer.startup_warnings.empty());
}

TEST(KafkaSecurityMapping, ScramOverTlsTrustsTheProcessCaBundleByDefault) {
  auto settings = base_settings(SecurityProtocol::kSaslSsl, SaslMechanism::kScramSha256);
  settings.kafka_allow_auto_create_topics = true;
  const auto producer = map_kafka_producer_settings(
      settings, {.sasl = SaslCredentials{.username = "u", .password = "p"},
                 .ca_bundle = std::string(kBundle)});
  const Properties expected = {{"security.protocol", "SASL_SSL"},
                               {"sasl.mechanisms", "SCRAM-SHA-256"},
                               {"sasl.username", "u"},
                               {"sasl.password", "p"},
                               {"ssl.ca.location", std::string(kBundle)},
                               {"batch.size", "1000000"},
                               {"message.max.bytes", "1065536"},
                               {"allow.auto.create.topics", "true"}};
  EXPECT_EQ(producer.extra_properties, expected);
}

TEST(KafkaSecurityMapping, PlainMechanismForConfluentCloudApiKeys) {
  const auto producer = map_kafka_producer_settings(
      base_settings(SecurityProtocol::kSaslSsl, SaslMechanism::kPlain),
      {.sasl = SaslCredentials{.username = "API_KEY", .password = "API_SECRET"},
       .ca_bundle = std::string(kBundle)});
  EXPECT_EQ(property(producer, "sasl.mechanisms"), "PLAIN");
  EXPECT_EQ(property(producer, "sasl.username"), "API_KEY");
}

TEST(KafkaSecurityMapping, CaLocationSettingReplacesTheBundle) {
  auto settings = base_settings(SecurityProtocol::kSsl);
  settings.kafka_ssl_ca_location = "/opt/private-ca.pem";
  const auto producer = map_kafka_producer_settings(settings, {.ca_bundle = std::string(kBundle)});
  EXPECT_EQ(property(producer, "ssl.ca.location"), "/opt/private-ca.pem");
}

TEST(KafkaSecurityMapping, ClientCertificateKeyAndKeyPasswordAreMapped) {
  auto settings = base_settings(SecurityProtocol::kSsl);
  settings.kafka_ssl_certificate_location = "/opt/client.pem";
  settings.kafka_ssl_key_location = "/opt/client.key";
  settings.kafka_ssl_key_password = "key-pass";
  const auto producer = map_kafka_producer_settings(settings, {.ca_bundle = std::string(kBundle)});
  EXPECT_EQ(property(producer, "security.protocol"), "SSL");
  EXPECT_EQ(property(producer, "ssl.certificate.location"), "/opt/client.pem");
  EXPECT_EQ(property(producer, "ssl.key.location"), "/opt/client.key");
  EXPECT_EQ(property(producer, "ssl.key.password"), "key-pass");
  EXPECT_EQ(property(producer, "enable.ssl.certificate.verification"), std::nullopt);
}

TEST(KafkaSecurityMapping, SkipVerifyTurnsOffBothChecksAndWarnsNamingTheSetting) {
  auto settings = base_settings(SecurityProtocol::kSsl);
  settings.kafka_ssl_insecure_skip_verify = true;
  const auto producer = map_kafka_producer_settings(settings, {.ca_bundle = std::string(kBundle)});
  EXPECT_EQ(property(producer, "enable.ssl.certificate.verification"), "false");
  EXPECT_EQ(property(producer, "ssl.endpoint.identification.algorithm"), "none");
  ASSERT_EQ(producer.startup_warnings.size(), 1U);
  EXPECT_THAT(producer.startup_warnings[0], HasSubstr("KAFKA_SSL_INSECURE_SKIP_VERIFY"));
}

TEST(KafkaSecurityMapping, SaslWithoutTlsGetsNoTlsProperties) {
  auto settings = base_settings(SecurityProtocol::kSaslPlaintext, SaslMechanism::kScramSha512);
  const auto producer = map_kafka_producer_settings(
      settings, {.sasl = SaslCredentials{.username = "u", .password = "p"},
                 .ca_bundle = std::string(kBundle)});
  EXPECT_EQ(property(producer, "security.protocol"), "SASL_PLAINTEXT");
  EXPECT_EQ(property(producer, "ssl.ca.location"), std::nullopt);
}

TEST(KafkaSecurityMapping, MskIamIsOauthbearerWithTheTokenProviderAndNoPassword) {
  int calls = 0;
  const auto producer = map_kafka_producer_settings(
      base_settings(SecurityProtocol::kSaslSsl, SaslMechanism::kAwsMskIam),
      {.ca_bundle = std::string(kBundle),
       .oauthbearer_token_provider = [&calls]() -> core::Result<adapters::kafka::OAuthBearerToken> {
         ++calls;
         return adapters::kafka::OAuthBearerToken{.value = "t", .principal = "p"};
       }});
  EXPECT_EQ(property(producer, "sasl.mechanisms"), "OAUTHBEARER");
  EXPECT_EQ(property(producer, "sasl.username"), std::nullopt);
  EXPECT_EQ(property(producer, "ssl.ca.location"), std::string(kBundle));
  ASSERT_TRUE(producer.oauthbearer_token_provider);
  ASSERT_TRUE(producer.oauthbearer_token_provider().has_value());
  EXPECT_EQ(calls, 1);
}

TEST(KafkaSecurityMapping, ProducerPropertiesComeLastSoTheyCanTune) {
  auto settings = base_settings(SecurityProtocol::kSsl);
  settings.producer_properties = {{"linger.ms", "5"}, {"ssl.ca.location", "/tuned.pem"}};
  const auto producer = map_kafka_producer_settings(settings, {.ca_bundle = std::string(kBundle)});
  ASSERT_GE(producer.extra_properties.size(), 2U);
  EXPECT_THAT(producer.extra_properties.back(), Pair("ssl.ca.location", "/tuned.pem"));
  EXPECT_EQ(property(producer, "ssl.ca.location"), "/tuned.pem");
}

std::string decode_base64url(std::string text) {
  std::ranges::replace(text, '-', '+');
  std::ranges::replace(text, '_', '/');
  while (text.size() % 4 != 0) {
    text += '=';
  }
  return core::encoding::base64_decode(text).value_or("");
}

TEST(MskIamTokenProvider, SignsTheRegionsConnectActionWithTheCurrentCredentials) {
  auto credentials = std::make_shared<adapters::aws::StaticCredentialsProvider>(
      adapters::aws::Credentials{.access_key_id = "AKIDPROVIDERTEST",
                                 .secret_access_key = "provider-secret",
                                 .session_token = "provider-session"});
  const auto provider = msk_iam_token_provider(credentials, "eu-central-1");
  const auto before = std::chrono::system_clock::now();
  const auto token = provider();
  ASSERT_TRUE(token.has_value()) << token.error().describe();
  const std::string url = decode_base64url(token->value);
  EXPECT_TRUE(url.starts_with(core::aws::msk_iam_connect_url("eu-central-1") + "&")) << url;
  EXPECT_THAT(url, HasSubstr("X-Amz-Credential=AKIDPROVIDERTEST%2F"));
  EXPECT_THAT(url, HasSubstr("%2Feu-central-1%2Fkafka-cluster%2Faws4_request"));
  EXPECT_THAT(url, HasSubstr("X-Amz-Security-Token=provider-session"));
  EXPECT_THAT(url, HasSubstr("&User-Agent=ddb-eventstore-dispatcher"));
  EXPECT_THAT(url, Not(HasSubstr("provider-secret")));
  EXPECT_GE(token->expiry,
            std::chrono::floor<std::chrono::seconds>(before) + std::chrono::seconds(900));
  EXPECT_LE(token->expiry, std::chrono::system_clock::now() + std::chrono::seconds(900));
  EXPECT_FALSE(token->principal.empty());
}

// ---- against the secured broker ----------------------------------------------------------------

/// Every librdkafka log line a publisher wrote.
class CapturedLog {
 public:
  adapters::kafka::KafkaLogSink sink() {
    return [this](const adapters::kafka::KafkaLogLine& line) {
      const std::scoped_lock lock(mutex_);
      lines_.push_back(std::to_string(line.level) + " " + std::string(line.facility) + ": " +
                       std::string(line.message));
    };
  }
  std::vector<std::string> lines() const {
    const std::scoped_lock lock(mutex_);
    return lines_;
  }
  std::string all() const {
    std::string text;
    for (const auto& line : lines()) {
      text += line + "\n";
    }
    return text;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

struct PublishResult {
  bool created = false;
  std::optional<core::Error> error;  ///< creation or delivery error
  CapturedLog log;
};

/// Creates a publisher for `producer` and publishes one message to a fresh topic.
void publish_one(adapters::kafka::ProducerSettings producer, PublishResult& result,
                 milliseconds budget = milliseconds(20000)) {
  auto publisher = adapters::kafka::KafkaPublisher::create(std::move(producer), result.log.sink());
  if (!publisher) {
    result.error = publisher.error();
    return;
  }
  result.created = true;
  const std::vector<core::dispatch::PublishRun> runs = {adapters::kafka::testing::numbered_run(
      adapters::kafka::testing::unique_topic("secure"), "aggregate-1", 1, 1)};
  const auto outcomes = (*publisher)->publish(runs, testing::deadline_in(budget));
  if (outcomes.at(0).error) {
    result.error = outcomes.at(0).error;
  } else if (outcomes.at(0).delivered != 1) {
    result.error = core::permanent_error("NotDelivered", "no error but not delivered");
  }
}

core::config::Settings secure_settings(SecurityProtocol protocol, SaslMechanism mechanism,
                                       const std::string& bootstrap) {
  auto settings = base_settings(protocol, mechanism);
  settings.kafka_bootstrap_servers = bootstrap;
  settings.kafka_client_id = "security-it";
  settings.kafka_allow_auto_create_topics = true;  // fresh topics per test
  return settings;
}

adapters::kafka::ProducerSettings scram(SaslMechanism mechanism, std::string password,
                                        const std::string& ca) {
  auto settings = secure_settings(SecurityProtocol::kSaslSsl, mechanism,
                                  testing::stack_variable("STACK_KAFKA_SECURE_BOOTSTRAP"));
  settings.kafka_ssl_ca_location = ca;
  return map_kafka_producer_settings(
      settings,
      {.sasl = SaslCredentials{.username = testing::stack_variable("STACK_KAFKA_SCRAM_USER"),
                               .password = std::move(password)},
       .ca_bundle = "/nonexistent/bundle.pem"});
}

TEST(KafkaSecureBroker, ScramSha512WithTheSecretServedByMotoPublishes) {
  const std::string moto = testing::stack_variable("STACK_MOTO_ENDPOINT");
  const core::config::Environment environment = {{"AWS_REGION", "us-east-1"},
                                                 {"AWS_ACCESS_KEY_ID", "local"},
                                                 {"AWS_SECRET_ACCESS_KEY", "local"},
                                                 {"AWS_ENDPOINT_URL_SECRETS_MANAGER", moto}};
  auto aws = AwsContext::create(environment, std::make_shared<core::SystemClock>());
  ASSERT_TRUE(aws.has_value()) << aws.error().describe();
  const std::string secret_name = testing::unique_name("AmazonMSK_security-it-");
  auto json = (*aws)->json_client(adapters::aws::kSecretsManagerService, "secretsmanager");
  ASSERT_TRUE(json.has_value());
  const nlohmann::json secret = {
      {"username", testing::stack_variable("STACK_KAFKA_SCRAM_USER")},
      {"password", testing::stack_variable("STACK_KAFKA_SCRAM_PASSWORD")}};
  auto created =
      (*json)->call("CreateSecret", {{"Name", secret_name}, {"SecretString", secret.dump()}},
                    testing::deadline_in(milliseconds(30000)));
  ASSERT_TRUE(created.has_value()) << created.error().describe();

  auto settings = secure_settings(SecurityProtocol::kSaslSsl, SaslMechanism::kScramSha512,
                                  testing::stack_variable("STACK_KAFKA_SECURE_BOOTSTRAP"));
  settings.sasl_secret_name = secret_name;
  settings.kafka_ssl_ca_location = testing::stack_variable("STACK_KAFKA_CA");
  auto producer =
      kafka_producer_settings(settings, **aws, testing::deadline_in(milliseconds(30000)));
  ASSERT_TRUE(producer.has_value()) << producer.error().describe();
  EXPECT_EQ(property(*producer, "sasl.mechanisms"), "SCRAM-SHA-512");

  PublishResult result;
  publish_one(std::move(*producer), result);
  EXPECT_FALSE(result.error) << result.error->describe() << "\n" << result.log.all();
}

/// Starts up from the environment as the Lambda does, with SASL_SECRET_NAME = `secret_id(ARN)` of
/// a fresh SCRAM secret in moto, and publishes one message to the secure broker.
void publish_with_secret_referenced_as(
    const std::function<std::string(const std::string& arn)>& secret_id) {
  const std::string moto = testing::stack_variable("STACK_MOTO_ENDPOINT");
  core::config::Environment environment = {
      {"AWS_REGION", "us-east-1"},
      {"AWS_ACCESS_KEY_ID", "local"},
      {"AWS_SECRET_ACCESS_KEY", "local"},
      {"AWS_ENDPOINT_URL_SECRETS_MANAGER", moto},
      {"AWS_ENDPOINT_URL_SSM", moto},
      {"KAFKA_BOOTSTRAP_SERVERS", testing::stack_variable("STACK_KAFKA_SECURE_BOOTSTRAP")},
      {"KAFKA_CLIENT_ID", "security-it-arn"},
      {"KAFKA_TOPIC_OUTPUT", "unused"},
      {"KAFKA_SSL_CA_LOCATION", testing::stack_variable("STACK_KAFKA_CA")},
      {"KAFKA_ALLOW_AUTO_CREATE_TOPICS", "true"},
      {"EVENTS_TABLE_NAME", "Events"},
      {"OFFSETS_TABLE_NAME", "Offsets"}};
  auto aws = AwsContext::create(environment, std::make_shared<core::SystemClock>());
  ASSERT_TRUE(aws.has_value()) << aws.error().describe();
  auto json = (*aws)->json_client(adapters::aws::kSecretsManagerService, "secretsmanager");
  ASSERT_TRUE(json.has_value());
  const nlohmann::json secret = {
      {"username", testing::stack_variable("STACK_KAFKA_SCRAM_USER")},
      {"password", testing::stack_variable("STACK_KAFKA_SCRAM_PASSWORD")}};
  auto created = (*json)->call(
      "CreateSecret",
      {{"Name", testing::unique_name("AmazonMSK_arn-it-")}, {"SecretString", secret.dump()}},
      testing::deadline_in(milliseconds(30000)));
  ASSERT_TRUE(created.has_value()) << created.error().describe();
  environment["SASL_SECRET_NAME"] = secret_id(created->output.value("ARN", ""));

  auto configuration =
      load_startup_configuration(environment, std::make_shared<core::SystemClock>(),
                                 testing::deadline_in(milliseconds(30000)));
  ASSERT_TRUE(configuration.has_value()) << configuration.error().describe();
  // Not EXPECT_EQ: on failure it would print the secret's content.
  EXPECT_TRUE(configuration->settings.sasl_secret_name == environment["SASL_SECRET_NAME"])
      << "SASL_SECRET_NAME was replaced by something else (not shown: it may be the secret)";
  auto producer = kafka_producer_settings(configuration->settings, *configuration->aws,
                                          testing::deadline_in(milliseconds(30000)));
  ASSERT_TRUE(producer.has_value()) << producer.error().describe();
  PublishResult result;
  publish_one(std::move(*producer), result);
  EXPECT_FALSE(result.error) << result.error->describe() << "\n" << result.log.all();
}

TEST(KafkaSecureBroker, SaslSecretGivenAsItsFullArnStartsUpAndPublishes) {
  publish_with_secret_referenced_as([](const std::string& arn) { return arn; });
}

TEST(KafkaSecureBroker, SaslSecretGivenAsAPartialArnWithoutTheRandomSuffixStartsUpAndPublishes) {
  publish_with_secret_referenced_as([](const std::string& arn) {
    // Secrets Manager appends "-" and six random characters to the name in the ARN.
    EXPECT_GT(arn.size(), 7U);
    EXPECT_EQ(arn[arn.size() - 7], '-') << arn;
    return arn.substr(0, arn.size() - 7);
  });
}

TEST(KafkaSecureBroker, ScramSha256Publishes) {
  PublishResult result;
  publish_one(
      scram(SaslMechanism::kScramSha256, testing::stack_variable("STACK_KAFKA_SCRAM_PASSWORD"),
            testing::stack_variable("STACK_KAFKA_CA")),
      result);
  EXPECT_FALSE(result.error) << result.error->describe() << "\n" << result.log.all();
}

TEST(KafkaSecureBroker, WrongPasswordFailsSayingAuthenticationFailedWithoutThePassword) {
  const std::string wrong = "wrong-" + testing::unique_name("password-");
  PublishResult result;
  publish_one(scram(SaslMechanism::kScramSha512, wrong, testing::stack_variable("STACK_KAFKA_CA")),
              result, milliseconds(8000));
  ASSERT_TRUE(result.created);
  ASSERT_TRUE(result.error) << "published with a wrong password";
  // Named by its cause, so it fails the invocation as a deployment fault (docs/operations.md),
  // not a retry of what looks like a slow broker.
  EXPECT_EQ(result.error->code, "_AUTHENTICATION") << result.error->describe();
  EXPECT_EQ(core::dispatch::failure_scope(*result.error),
            core::dispatch::FailureScope::kFailInvocation);
  EXPECT_THAT(result.error->describe(), HasSubstr("Authentication failed"));
  EXPECT_THAT(result.error->describe(), Not(HasSubstr(wrong)));
  EXPECT_THAT(result.log.all(), HasSubstr("Authentication failed"));
  EXPECT_THAT(result.log.all(), Not(HasSubstr(wrong)));
}

TEST(KafkaSecureBroker, BrokerCertificateFromAnUntrustedCaIsRefused) {
  PublishResult result;
  publish_one(
      scram(SaslMechanism::kScramSha512, testing::stack_variable("STACK_KAFKA_SCRAM_PASSWORD"),
            testing::stack_variable("STACK_KAFKA_UNTRUSTED_CA")),
      result, milliseconds(8000));
  ASSERT_TRUE(result.created);
  ASSERT_TRUE(result.error) << "published to a broker whose certificate is not trusted";
  EXPECT_EQ(result.error->code, "_SSL") << result.error->describe();
  EXPECT_EQ(core::dispatch::failure_scope(*result.error),
            core::dispatch::FailureScope::kFailInvocation);
  EXPECT_THAT(result.error->describe(), HasSubstr("certificate verify failed"));
}

TEST(KafkaSecureBroker, SkipVerifyConnectsToTheUntrustedBrokerAndWarnsNamingTheSetting) {
  auto settings = secure_settings(SecurityProtocol::kSaslSsl, SaslMechanism::kScramSha512,
                                  testing::stack_variable("STACK_KAFKA_SECURE_BOOTSTRAP"));
  settings.kafka_ssl_ca_location = testing::stack_variable("STACK_KAFKA_UNTRUSTED_CA");
  settings.kafka_ssl_insecure_skip_verify = true;
  PublishResult result;
  publish_one(
      map_kafka_producer_settings(
          settings,
          {.sasl =
               SaslCredentials{.username = testing::stack_variable("STACK_KAFKA_SCRAM_USER"),
                               .password = testing::stack_variable("STACK_KAFKA_SCRAM_PASSWORD")}}),
      result);
  EXPECT_FALSE(result.error) << result.error->describe() << "\n" << result.log.all();
  const auto lines = result.log.lines();
  EXPECT_THAT(lines, Contains(AllOf(::testing::StartsWith("4 "),
                                    HasSubstr("KAFKA_SSL_INSECURE_SKIP_VERIFY=true"))));
}

adapters::kafka::ProducerSettings mtls(bool with_client_certificate) {
  auto settings = secure_settings(SecurityProtocol::kSsl, SaslMechanism::kNone,
                                  testing::stack_variable("STACK_KAFKA_MTLS_BOOTSTRAP"));
  settings.kafka_ssl_ca_location = testing::stack_variable("STACK_KAFKA_CA");
  if (with_client_certificate) {
    settings.kafka_ssl_certificate_location = testing::stack_variable("STACK_KAFKA_CLIENT_CERT");
    settings.kafka_ssl_key_location = testing::stack_variable("STACK_KAFKA_CLIENT_KEY");
    settings.kafka_ssl_key_password = testing::stack_variable("STACK_KAFKA_CLIENT_KEY_PASSWORD");
  }
  return map_kafka_producer_settings(settings, {});
}

TEST(KafkaSecureBroker, MutualTlsWithTheClientCertificatePublishes) {
  PublishResult result;
  publish_one(mtls(true), result);
  EXPECT_FALSE(result.error) << result.error->describe() << "\n" << result.log.all();
  EXPECT_THAT(result.log.all(),
              Not(HasSubstr(testing::stack_variable("STACK_KAFKA_CLIENT_KEY_PASSWORD"))));
}

TEST(KafkaSecureBroker, MutualTlsWithoutAClientCertificateIsRefused) {
  PublishResult result;
  publish_one(mtls(false), result, milliseconds(8000));
  ASSERT_TRUE(result.created);
  ASSERT_TRUE(result.error) << "the mTLS listener accepted a client without a certificate";
  EXPECT_THAT(result.error->describe(), AllOf(HasSubstr("last broker error"), HasSubstr("_")));
}

}  // namespace
}  // namespace dispatcher::app
