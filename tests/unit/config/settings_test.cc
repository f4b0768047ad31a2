#include "core/config/settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace dispatcher::core::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

Environment minimal_environment() {
  return {{"KAFKA_BOOTSTRAP_SERVERS", "broker1:9092,broker2:9092"},
          {"KAFKA_TOPIC_OUTPUT", "events"},
          {"EVENTS_TABLE_NAME", "Events"},
          {"OFFSETS_TABLE_NAME", "Offsets"}};
}

TEST(Settings, SeedSettingsWithDefaults) {
  const auto settings = parse_settings(minimal_environment());
  ASSERT_TRUE(settings.has_value()) << settings.error().describe();
  EXPECT_EQ(settings->kafka_bootstrap_servers, "broker1:9092,broker2:9092");
  EXPECT_EQ(settings->kafka_client_id, "ddb-eventstore-dispatcher");
  EXPECT_EQ(settings->kafka_topic_output, "events");
  EXPECT_EQ(settings->events_table_name, "Events");
  EXPECT_EQ(settings->offsets_table_name, "Offsets");
  EXPECT_EQ(settings->first_event_version, 0);
  EXPECT_EQ(settings->max_events_per_aggregate, 10'000U);
  EXPECT_EQ(settings->log_level, LogLevel::kInfo);
  EXPECT_EQ(settings->sasl_mechanism, SaslMechanism::kNone);
  EXPECT_TRUE(settings->producer_properties.empty());
}

TEST(Settings, MissingRequiredSettingsAreAllNamedInOneError) {
  const auto settings = parse_settings({{"KAFKA_TOPIC_OUTPUT", "  "}});
  ASSERT_FALSE(settings.has_value());
  EXPECT_EQ(settings.error().code, "InvalidConfiguration");
  EXPECT_FALSE(settings.error().retryable());
  const std::string& message = settings.error().message;
  EXPECT_THAT(message, HasSubstr("KAFKA_BOOTSTRAP_SERVERS is required"));
  EXPECT_THAT(message, HasSubstr("KAFKA_TOPIC_OUTPUT is required"));
  EXPECT_THAT(message, HasSubstr("EVENTS_TABLE_NAME is required"));
  EXPECT_THAT(message, HasSubstr("OFFSETS_TABLE_NAME is required"));
}

TEST(Settings, MalformedNumbersNameTheVariableAndTheValue) {
  auto environment = minimal_environment();
  environment["DISPATCHER_FIRST_EVENT_VERSION"] = "one";
  environment["DISPATCHER_MAX_EVENTS_PER_AGGREGATE"] = "0";
  const auto settings = parse_settings(environment);
  ASSERT_FALSE(settings.has_value());
  EXPECT_THAT(settings.error().message,
              HasSubstr("DISPATCHER_FIRST_EVENT_VERSION must be a whole number"));
  EXPECT_THAT(settings.error().message, HasSubstr("\"one\""));
  EXPECT_THAT(settings.error().message, HasSubstr("DISPATCHER_MAX_EVENTS_PER_AGGREGATE"));
}

TEST(Settings, RequestsInFlightHasAMeasuredDefaultAndBounds) {
  auto environment = minimal_environment();
  EXPECT_EQ(parse_settings(environment)->requests_in_flight, 128U);
  EXPECT_EQ(*requests_in_flight_setting(environment), 128U);
  environment["DISPATCHER_REQUESTS_IN_FLIGHT"] = "200";
  EXPECT_EQ(parse_settings(environment)->requests_in_flight, 200U);
  EXPECT_EQ(*requests_in_flight_setting(environment), 200U);
  for (const char* bad : {"0", "1025", "many"}) {
    environment["DISPATCHER_REQUESTS_IN_FLIGHT"] = bad;
    const auto settings = parse_settings(environment);
    ASSERT_FALSE(settings.has_value()) << bad;
    EXPECT_THAT(settings.error().message,
                HasSubstr("DISPATCHER_REQUESTS_IN_FLIGHT must be a whole number from 1 to 1024"));
    const auto alone = requests_in_flight_setting(environment);
    ASSERT_FALSE(alone.has_value());
    EXPECT_EQ(alone.error().code, "InvalidConfiguration");
    EXPECT_THAT(alone.error().message, HasSubstr("DISPATCHER_REQUESTS_IN_FLIGHT"));
  }
}

TEST(Settings, FirstEventVersionCanStartAtOne) {
  auto environment = minimal_environment();
  environment["DISPATCHER_FIRST_EVENT_VERSION"] = "1";
  const auto settings = parse_settings(environment);
  ASSERT_TRUE(settings.has_value());
  EXPECT_EQ(settings->first_event_version, 1);
}

TEST(Settings, SaslSecretDefaultsToScramSha512) {
  auto environment = minimal_environment();
  environment["SASL_SECRET_NAME"] = "AmazonMSK_dispatcher";
  const auto settings = parse_settings(environment);
  ASSERT_TRUE(settings.has_value());
  EXPECT_EQ(settings->sasl_mechanism, SaslMechanism::kScramSha512);
  EXPECT_EQ(settings->sasl_secret_name, "AmazonMSK_dispatcher");
}

TEST(Settings, SaslMechanismWithoutSecretIsRefused) {
  auto environment = minimal_environment();
  environment["KAFKA_SASL_MECHANISM"] = "PLAIN";
  const auto settings = parse_settings(environment);
  ASSERT_FALSE(settings.has_value());
  EXPECT_THAT(settings.error().message, HasSubstr("SASL_SECRET_NAME is not"));
}

TEST(Settings, UnknownLogLevelIsRefused) {
  auto environment = minimal_environment();
  environment["LOG_LEVEL"] = "chatty";
  const auto settings = parse_settings(environment);
  ASSERT_FALSE(settings.has_value());
  EXPECT_THAT(settings.error().message, HasSubstr("LOG_LEVEL must be one of"));
}

TEST(Settings, ProducerPropertiesComeFromPrefixedVariables) {
  auto environment = minimal_environment();
  environment["KAFKA_PRODUCER_LINGER_MS"] = "5";
  environment["KAFKA_PRODUCER_COMPRESSION_TYPE"] = "zstd";
  const auto settings = parse_settings(environment);
  ASSERT_TRUE(settings.has_value());
  EXPECT_THAT(settings->producer_properties,
              UnorderedElementsAre(Pair("linger.ms", "5"), Pair("compression.type", "zstd")));
}

TEST(Settings, SameTableForEventsAndOffsetsIsRefused) {
  auto environment = minimal_environment();
  environment["OFFSETS_TABLE_NAME"] = "Events";
  const auto settings = parse_settings(environment);
  ASSERT_FALSE(settings.has_value());
  EXPECT_THAT(settings.error().message, HasSubstr("OFFSETS_TABLE_NAME must name a different"));
}

TEST(Settings, CloudEventsHeadersAreOptInWithTheTableAsDefaultSource) {
  auto settings = parse_settings(minimal_environment());
  ASSERT_TRUE(settings.has_value());
  EXPECT_FALSE(settings->kafka_cloudevents_headers);
  auto environment = minimal_environment();
  environment["KAFKA_CLOUDEVENTS_HEADERS"] = "true";
  settings = parse_settings(environment);
  ASSERT_TRUE(settings.has_value()) << settings.error().describe();
  EXPECT_TRUE(settings->kafka_cloudevents_headers);
  EXPECT_EQ(settings->kafka_cloudevents_source, "Events");
  EXPECT_EQ(settings->kafka_cloudevents_content_type, "");
  environment["KAFKA_CLOUDEVENTS_SOURCE"] = "urn:example:orders";
  environment["KAFKA_CLOUDEVENTS_CONTENT_TYPE"] = "application/json; charset=utf-8";
  settings = parse_settings(environment);
  ASSERT_TRUE(settings.has_value()) << settings.error().describe();
  EXPECT_EQ(settings->kafka_cloudevents_source, "urn:example:orders");
  EXPECT_EQ(settings->kafka_cloudevents_content_type, "application/json; charset=utf-8");
}

TEST(Settings, CloudEventsSettingsAreValidatedWithClearErrors) {
  auto environment = minimal_environment();
  environment["KAFKA_CLOUDEVENTS_SOURCE"] = "/orders";
  environment["KAFKA_CLOUDEVENTS_CONTENT_TYPE"] = "application/json";
  auto settings = parse_settings(environment);
  ASSERT_FALSE(settings.has_value());
  EXPECT_THAT(
      settings.error().message,
      HasSubstr("KAFKA_CLOUDEVENTS_SOURCE is set but KAFKA_CLOUDEVENTS_HEADERS is not true"));
  EXPECT_THAT(settings.error().message, HasSubstr("KAFKA_CLOUDEVENTS_CONTENT_TYPE is set but"));

  environment["KAFKA_CLOUDEVENTS_HEADERS"] = "sometimes";
  settings = parse_settings(environment);
  ASSERT_FALSE(settings.has_value());
  EXPECT_THAT(settings.error().message,
              HasSubstr("KAFKA_CLOUDEVENTS_HEADERS must be true or false"));

  environment["KAFKA_CLOUDEVENTS_HEADERS"] = "true";
  environment["KAFKA_CLOUDEVENTS_SOURCE"] = "my orders";
  environment["KAFKA_CLOUDEVENTS_CONTENT_TYPE"] = "json";
  settings = parse_settings(environment);
  ASSERT_FALSE(settings.has_value());
  EXPECT_THAT(settings.error().message,
              HasSubstr("KAFKA_CLOUDEVENTS_SOURCE must be a URI-reference"));
  EXPECT_THAT(settings.error().message, HasSubstr("got \"my orders\""));
  EXPECT_THAT(settings.error().message,
              HasSubstr("KAFKA_CLOUDEVENTS_CONTENT_TYPE must be a media type"));
  for (const std::string_view bad : {"application/", "/json", "app lication/json", "a/b/c d"}) {
    environment["KAFKA_CLOUDEVENTS_CONTENT_TYPE"] = std::string(bad);
    environment["KAFKA_CLOUDEVENTS_SOURCE"] = "/orders";
    settings = parse_settings(environment);
    ASSERT_FALSE(settings.has_value()) << bad;
    EXPECT_THAT(settings.error().message, HasSubstr("KAFKA_CLOUDEVENTS_CONTENT_TYPE")) << bad;
  }
}

TEST(Settings, ProblemsAboutUnresolvedReferencesAreLeftOutAndTheOthersStay) {
  // Start-up failed before the ARNs could be read: their values are unknown, not wrong.
  Environment environment = minimal_environment();
  environment.erase("EVENTS_TABLE_NAME");
  environment["KAFKA_MAX_MESSAGE_BYTES"] = "arn:aws:ssm:us-east-1:123456789012:parameter/max";
  environment["LOG_LEVEL"] = "chatty";
  const auto unresolved = reference_valued_names(environment);
  EXPECT_EQ(unresolved, UnresolvedNames{"KAFKA_MAX_MESSAGE_BYTES"});
  const auto settings = parse_settings(environment, {}, unresolved);
  ASSERT_FALSE(settings.has_value());
  EXPECT_THAT(settings.error().message, HasSubstr("EVENTS_TABLE_NAME is required"));
  EXPECT_THAT(settings.error().message, HasSubstr("LOG_LEVEL must be one of"));
  EXPECT_THAT(settings.error().message, Not(HasSubstr("KAFKA_MAX_MESSAGE_BYTES")));
  // Without the set, the ARN text itself is judged (and refused) as a number.
  EXPECT_THAT(parse_settings(environment).error().message, HasSubstr("KAFKA_MAX_MESSAGE_BYTES"));
}

TEST(ReferenceKind, RecognisesSsmParameterAndSecretArns) {
  EXPECT_EQ(reference_kind("arn:aws:ssm:eu-west-1:123456789012:parameter/dispatcher/topic"),
            ReferenceKind::kSsmParameter);
  EXPECT_EQ(reference_kind("arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-AbC123"),
            ReferenceKind::kSecretsManagerSecret);
  EXPECT_EQ(reference_kind("arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x"),
            ReferenceKind::kSsmParameter);
}

TEST(ReferenceKind, PlainValuesAndOtherArnsAreNotReferences) {
  EXPECT_EQ(reference_kind("events"), std::nullopt);
  EXPECT_EQ(reference_kind("broker1:9092,broker2:9092"), std::nullopt);
  EXPECT_EQ(reference_kind("arn:aws:dynamodb:eu-west-1:123456789012:table/Events"), std::nullopt);
  EXPECT_EQ(reference_kind("arn:aws:ssm:eu-west-1:123456789012:parameter/"), std::nullopt);
}

}  // namespace
TEST(Settings, SecurityDefaultsArePlaintextHoldAndNoAutoCreate) {
  const auto settings = parse_settings(minimal_environment());
  ASSERT_TRUE(settings.has_value()) << settings.error().describe();
  EXPECT_EQ(settings->kafka_security_protocol, SecurityProtocol::kPlaintext);
  EXPECT_FALSE(settings->kafka_ssl_insecure_skip_verify);
  EXPECT_FALSE(settings->kafka_allow_auto_create_topics);
  EXPECT_EQ(settings->poison_policy, PoisonHandling::kHold);
  EXPECT_EQ(settings->metrics_namespace, "DdbEventstoreDispatcher");
  EXPECT_TRUE(settings->ca_bundle.empty());
}

TEST(Settings, SaslDefaultsToSaslSslProtocol) {
  auto environment = minimal_environment();
  environment["SASL_SECRET_NAME"] = "AmazonMSK_dispatcher";
  const auto settings = parse_settings(environment);
  ASSERT_TRUE(settings.has_value()) << settings.error().describe();
  EXPECT_EQ(settings->kafka_security_protocol, SecurityProtocol::kSaslSsl);
}

TEST(Settings, MskIamNeedsNoSecretAndRefusesOne) {
  auto environment = minimal_environment();
  environment["KAFKA_SASL_MECHANISM"] = "aws_msk_iam";
  const auto settings = parse_settings(environment);
  ASSERT_TRUE(settings.has_value()) << settings.error().describe();
  EXPECT_EQ(settings->sasl_mechanism, SaslMechanism::kAwsMskIam);
  EXPECT_EQ(settings->kafka_security_protocol, SecurityProtocol::kSaslSsl);

  environment["SASL_SECRET_NAME"] = "AmazonMSK_dispatcher";
  const auto both = parse_settings(environment);
  ASSERT_FALSE(both.has_value());
  EXPECT_THAT(both.error().message, HasSubstr("AWS_MSK_IAM"));
}

TEST(Settings, ProtocolMustAgreeWithSasl) {
  auto environment = minimal_environment();
  environment["KAFKA_SECURITY_PROTOCOL"] = "SASL_SSL";
  const auto without_sasl = parse_settings(environment);
  ASSERT_FALSE(without_sasl.has_value());
  EXPECT_THAT(without_sasl.error().message, HasSubstr("no SASL is configured"));

  environment["KAFKA_SECURITY_PROTOCOL"] = "SSL";
  environment["SASL_SECRET_NAME"] = "secret";
  const auto with_sasl = parse_settings(environment);
  ASSERT_FALSE(with_sasl.has_value());
  EXPECT_THAT(with_sasl.error().message, HasSubstr("SASL is configured"));

  environment["KAFKA_SECURITY_PROTOCOL"] = "TLS";
  const auto unknown = parse_settings(environment);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_THAT(unknown.error().message, HasSubstr("KAFKA_SECURITY_PROTOCOL must be one of"));
}

TEST(Settings, ClientCertificateAndKeyComeTogetherAndNeedTls) {
  auto environment = minimal_environment();
  environment["KAFKA_SECURITY_PROTOCOL"] = "SSL";
  environment["KAFKA_SSL_CERTIFICATE_LOCATION"] = "/opt/client.pem";
  const auto half = parse_settings(environment);
  ASSERT_FALSE(half.has_value());
  EXPECT_THAT(half.error().message, HasSubstr("must be set together"));

  environment["KAFKA_SSL_KEY_LOCATION"] = "/opt/client.key";
  const auto mutual = parse_settings(environment);
  ASSERT_TRUE(mutual.has_value()) << mutual.error().describe();
  EXPECT_EQ(mutual->kafka_ssl_certificate_location, "/opt/client.pem");

  environment["KAFKA_SECURITY_PROTOCOL"] = "PLAINTEXT";
  const auto plaintext = parse_settings(environment);
  ASSERT_FALSE(plaintext.has_value());
  EXPECT_THAT(plaintext.error().message, HasSubstr("does not use TLS"));
}

TEST(Settings, KeyPasswordIsNeverEchoed) {
  auto environment = minimal_environment();
  environment["KAFKA_SSL_KEY_PASSWORD"] = "hunter2-key-password";
  const auto settings = parse_settings(environment);
  ASSERT_FALSE(settings.has_value());
  EXPECT_THAT(settings.error().message, HasSubstr("KAFKA_SSL_KEY_PASSWORD"));
  EXPECT_THAT(settings.error().message, Not(HasSubstr("hunter2")));
}

TEST(Settings, InsecureSkipVerifyIsExplicitBoolean) {
  auto environment = minimal_environment();
  environment["KAFKA_SECURITY_PROTOCOL"] = "SSL";
  environment["KAFKA_SSL_INSECURE_SKIP_VERIFY"] = "TRUE";
  const auto settings = parse_settings(environment);
  ASSERT_TRUE(settings.has_value()) << settings.error().describe();
  EXPECT_TRUE(settings->kafka_ssl_insecure_skip_verify);

  environment["KAFKA_SSL_INSECURE_SKIP_VERIFY"] = "sure";
  const auto unclear = parse_settings(environment);
  ASSERT_FALSE(unclear.has_value());
  EXPECT_THAT(unclear.error().message,
              HasSubstr("KAFKA_SSL_INSECURE_SKIP_VERIFY must be true or false"));
}

TEST(Settings, DeadLetterPolicyNeedsALegalTopic) {
  auto environment = minimal_environment();
  environment["DISPATCHER_POISON_POLICY"] = "dead-letter";
  const auto missing = parse_settings(environment);
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing.error().message, HasSubstr("DISPATCHER_DEAD_LETTER_TOPIC is required"));

  environment["DISPATCHER_DEAD_LETTER_TOPIC"] = "events dlq";
  const auto illegal = parse_settings(environment);
  ASSERT_FALSE(illegal.has_value());
  EXPECT_THAT(illegal.error().message, HasSubstr("not a legal Kafka topic name"));

  environment["DISPATCHER_DEAD_LETTER_TOPIC"] = "events.dlq";
  const auto settings = parse_settings(environment);
  ASSERT_TRUE(settings.has_value()) << settings.error().describe();
  EXPECT_EQ(settings->poison_policy, PoisonHandling::kDeadLetter);
  EXPECT_EQ(settings->dead_letter_topic, "events.dlq");

  environment["DISPATCHER_POISON_POLICY"] = "drop";
  const auto unknown = parse_settings(environment);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_THAT(unknown.error().message, HasSubstr("must be hold or dead-letter"));
}

TEST(Settings, TopicTemplateIsValidatedAtStartUp) {
  auto environment = minimal_environment();
  environment["KAFKA_TOPIC_OUTPUT"] = "events.{streamType}";
  const auto settings = parse_settings(environment);
  ASSERT_TRUE(settings.has_value()) << settings.error().describe();
  EXPECT_EQ(settings->kafka_topic_output, "events.{streamType}");

  environment["KAFKA_TOPIC_OUTPUT"] = "events.{tenant}";
  const auto unknown = parse_settings(environment);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_THAT(unknown.error().message,
              HasSubstr("KAFKA_TOPIC_OUTPUT unknown placeholder {tenant}"));
}

TEST(Settings, SensitiveValuesAreNeverEchoedWhicheverCheckRefusesThem) {
  auto environment = minimal_environment();
  environment["DISPATCHER_POISON_POLICY"] = "dead-letter";
  environment["DISPATCHER_DEAD_LETTER_TOPIC"] = " dead letter Hunter2Secret\n";
  environment["KAFKA_TOPIC_OUTPUT"] = "events.{Hunter3Secret}";
  const auto shown = parse_settings(environment);
  ASSERT_FALSE(shown.has_value());
  // Not sensitive: the values help the operator.
  EXPECT_THAT(shown.error().message, HasSubstr("Hunter2Secret"));
  EXPECT_THAT(shown.error().message, HasSubstr("Hunter3Secret"));

  const auto hidden =
      parse_settings(environment, {"DISPATCHER_DEAD_LETTER_TOPIC", "KAFKA_TOPIC_OUTPUT"});
  ASSERT_FALSE(hidden.has_value());
  EXPECT_THAT(hidden.error().message,
              HasSubstr("DISPATCHER_DEAD_LETTER_TOPIC (secret value not shown) is not a legal"));
  EXPECT_THAT(hidden.error().message, HasSubstr("KAFKA_TOPIC_OUTPUT unknown placeholder"));
  EXPECT_THAT(hidden.error().message, Not(HasSubstr("Hunter2")));
  EXPECT_THAT(hidden.error().message, Not(HasSubstr("Hunter3")));
}

TEST(Settings, SensitiveValueIsScrubbedFromProblemsOfOtherVariables) {
  auto environment = minimal_environment();
  environment["EVENTS_TABLE_NAME"] = "SharedHunter4Name";
  environment["OFFSETS_TABLE_NAME"] = "SharedHunter4Name";
  environment["LOG_LEVEL"] = "SharedHunter4Name";
  const auto settings = parse_settings(environment, {"EVENTS_TABLE_NAME"});
  ASSERT_FALSE(settings.has_value());
  EXPECT_THAT(settings.error().message, HasSubstr("LOG_LEVEL must be one of"));
  EXPECT_THAT(settings.error().message, Not(HasSubstr("HUNTER4")));
  EXPECT_THAT(settings.error().message, Not(HasSubstr("Hunter4")));
}

TEST(Settings, OneLetterSecretValuesAreHiddenOnceNotInsideTheMarkers) {
  // Hiding one value after another in the growing text found the next one-letter value inside
  // the markers already put in, and the text multiplied with every value: the settings fuzz
  // target found an environment that took 29 s to be refused.
  auto environment = minimal_environment();
  environment["LOG_LEVEL"] = "verbose";
  environment["KAFKA_CLIENT_ID"] = "s";
  environment["KAFKA_SSL_KEY_PASSWORD"] = "e";
  const auto settings = parse_settings(environment, {"KAFKA_CLIENT_ID"});
  ASSERT_FALSE(settings.has_value());
  constexpr std::string_view kMarker = "(secret value not shown)";
  std::string shown = settings.error().message;
  for (auto at = shown.find(kMarker); at != std::string::npos; at = shown.find(kMarker, at)) {
    shown.erase(at, kMarker.size());
  }
  EXPECT_THAT(shown, HasSubstr("LOG_LVL mut b on of"));  // every e, s, E and S hidden
  EXPECT_EQ(shown.find_first_of("esES"), std::string::npos) << settings.error().message;
}

TEST(Settings, OverlappingSecretValuesAreHiddenWhole) {
  auto environment = minimal_environment();
  environment["LOG_LEVEL"] = "wxyz12345";
  environment["KAFKA_CLIENT_ID"] = "xyz12345";
  environment["KAFKA_SSL_KEY_PASSWORD"] = "wx";
  const auto settings = parse_settings(environment, {"KAFKA_CLIENT_ID"});
  ASSERT_FALSE(settings.has_value());
  EXPECT_THAT(settings.error().message, HasSubstr("got \"(secret value not shown)\""));
  EXPECT_THAT(settings.error().message, Not(HasSubstr("12345")));
}

TEST(Settings, EventTypeInTheTopicTemplateNeedsExplicitConsent) {
  auto environment = minimal_environment();
  environment["KAFKA_TOPIC_OUTPUT"] = "{streamType}.{eventType}";
  const auto refused = parse_settings(environment);
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().message, HasSubstr("KAFKA_TOPIC_OUTPUT uses {eventType}"));
  EXPECT_THAT(refused.error().message, HasSubstr("KAFKA_TOPIC_ALLOW_EVENT_TYPE_ROUTING=true"));

  environment["KAFKA_TOPIC_ALLOW_EVENT_TYPE_ROUTING"] = "true";
  const auto allowed = parse_settings(environment);
  ASSERT_TRUE(allowed.has_value()) << allowed.error().describe();
  EXPECT_TRUE(allowed->kafka_topic_allow_event_type_routing);

  environment["KAFKA_TOPIC_OUTPUT"] = "events.{streamType}";
  environment.erase("KAFKA_TOPIC_ALLOW_EVENT_TYPE_ROUTING");
  const auto per_stream_type = parse_settings(environment);
  ASSERT_TRUE(per_stream_type.has_value()) << per_stream_type.error().describe();
  EXPECT_FALSE(per_stream_type->kafka_topic_allow_event_type_routing);
}

}  // namespace dispatcher::core::config
