#include "adapters/kafka/producer_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "adapters/kafka/kafka_client_options.h"
#include "adapters/kafka/kafka_error.h"
#include "adapters/kafka/kafka_publisher.h"

namespace dispatcher::adapters::kafka {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

ProducerSettings settings_with(std::string name, std::string value) {
  return ProducerSettings{.bootstrap_servers = "127.0.0.1:9",
                          .client_id = "settings-test",
                          .extra_properties = {{std::move(name), std::move(value)}}};
}

// The refusal of `name` = `value`, checked to be a permanent configuration error naming it.
core::Error refusal(const std::string& name, const std::string& value) {
  const auto created = KafkaPublisher::create(settings_with(name, value));
  EXPECT_FALSE(created.has_value()) << name << "=" << value << " was accepted";
  if (created.has_value()) {
    return {};
  }
  EXPECT_EQ(created.error().kind, core::ErrorKind::kPermanent);
  EXPECT_EQ(created.error().service, "config");
  EXPECT_EQ(created.error().code, "InvalidKafkaSettings");
  EXPECT_THAT(created.error().message, HasSubstr("\"" + name + "\""));
  return created.error();
}

TEST(KafkaRedaction, ReplacesEverySecretAndEndsWhenTheMaskContainsOne) {
  EXPECT_EQ(redact_secrets("user alice password s3cr3t, again s3cr3t", {"s3cr3t", ""}),
            "user alice password ***, again ***");
  // A secret the mask contains: masks are never searched, so it ends (the topic reader's own copy
  // searched again from the mask, forever, for a secret found in its mask), and adjacent
  // occurrences become one mask.
  EXPECT_EQ(redact_secrets("a*b**c", {"*"}), "a***b***c");
  EXPECT_EQ(redact_secrets("nothing here", {"s3cr3t"}), "nothing here");
}

TEST(KafkaRedaction, HidesOverlappingSecretsWhole) {
  // Replacing one secret after another left the "d" of "bcd" visible once "abc" was masked.
  EXPECT_EQ(redact_secrets("sasl.password=abcd", {"abc", "bcd"}), "sasl.password=***");
  // A short secret found in the mask of a longer one multiplied the mask.
  EXPECT_EQ(redact_secrets("key **, again", {"**", "*"}), "key ***, again");
}

TEST(KafkaProducerSettings, RefusesDisablingIdempotence) {
  EXPECT_THAT(refusal("enable.idempotence", "false").message, HasSubstr("idempotent"));
}

TEST(KafkaProducerSettings, RefusesAcksOtherThanAll) {
  refusal("acks", "1");
  refusal("acks", "0");
  refusal("request.required.acks", "1");
}

TEST(KafkaProducerSettings, RefusesMoreThanFiveRequestsInFlight) {
  refusal("max.in.flight.requests.per.connection", "6");
  refusal("max.in.flight", "1000");
  refusal("max.in.flight", "many");
}

TEST(KafkaProducerSettings, RefusesDroppingTheGaplessGuaranteeOrALocalMessageTimeout) {
  EXPECT_THAT(refusal("enable.gapless.guarantee", "false").message, HasSubstr("gap"));
  EXPECT_THAT(refusal("message.timeout.ms", "30000").message, HasSubstr("deadline"));
  refusal("delivery.timeout.ms", "300000");
  const ProducerSettings restated{
      .bootstrap_servers = "127.0.0.1:9",
      .client_id = "settings-test",
      .extra_properties = {{"enable.gapless.guarantee", "true"}, {"message.timeout.ms", "0"}}};
  EXPECT_TRUE(KafkaPublisher::create(restated).has_value());
}

TEST(KafkaProducerSettings, RefusesSettingsThatBreakOrderOrOwnership) {
  refusal("retries", "0");
  refusal("message.send.max.retries", "-1");
  refusal("queuing.strategy", "lifo");
  refusal("partitioner", "random");
  refusal("transactional.id", "tx-1");
  refusal("bootstrap.servers", "elsewhere:9092");
  refusal("log.queue", "true");
}

TEST(KafkaProducerSettings, AcceptsSettingsThatRestateTheGuarantees) {
  const ProducerSettings settings{.bootstrap_servers = "127.0.0.1:9",
                                  .client_id = "settings-test",
                                  .extra_properties = {{"enable.idempotence", "true"},
                                                       {"acks", "-1"},
                                                       {"max.in.flight", "3"},
                                                       {"partitioner", "murmur2_random"},
                                                       {"compression.type", "lz4"}}};
  const auto created = KafkaPublisher::create(settings);
  ASSERT_TRUE(created.has_value()) << created.error().describe();
}

TEST(KafkaProducerSettings, NamesPropertyLibrdkafkaDoesNotKnow) {
  EXPECT_THAT(refusal("no.such.property", "1").message, HasSubstr("no such property"));
}

TEST(KafkaProducerSettings, NamesPropertyWithInvalidValue) {
  EXPECT_THAT(refusal("compression.type", "zip-it").message, HasSubstr("zip-it"));
}

TEST(KafkaProducerSettings, NeverShowsValueOfSensitiveProperty) {
  // An enumerated property, so librdkafka refuses the value (and would quote it).
  const core::Error error = refusal("sasl.oauthbearer.method", "hunter2-not-shown");
  EXPECT_THAT(error.message, Not(HasSubstr("hunter2")));
  EXPECT_THAT(error.describe(), Not(HasSubstr("hunter2")));
}

TEST(KafkaProducerSettings, RefusesEmptyBootstrapServers) {
  const auto created = KafkaPublisher::create(ProducerSettings{.bootstrap_servers = " "});
  ASSERT_FALSE(created.has_value());
  EXPECT_THAT(created.error().message, HasSubstr("bootstrap"));
}

TEST(KafkaProducerSettings, SensitivePropertyNames) {
  EXPECT_TRUE(is_sensitive_property("sasl.password"));
  EXPECT_TRUE(is_sensitive_property("sasl.username"));
  EXPECT_TRUE(is_sensitive_property("ssl.key.password"));
  EXPECT_TRUE(is_sensitive_property("ssl.key.pem"));
  EXPECT_TRUE(is_sensitive_property("sasl.oauthbearer.client.secret"));
  EXPECT_FALSE(is_sensitive_property("compression.type"));
  EXPECT_FALSE(is_sensitive_property("ssl.ca.location"));
}

TEST(KafkaLog, ScrubsValuesOfSensitivePropertiesFromLogLines) {
  std::mutex mutex;
  std::vector<std::string> lines;
  const std::string user = "user-7f3a9c";
  const std::string password = "password-b81e44";
  // librdkafka itself redacts username and password in its configuration dump, but not this one.
  const std::string principal = "principal-c4d2e1";
  {
    const ProducerSettings settings{.bootstrap_servers = "127.0.0.1:9",
                                    .client_id = "log-test",
                                    .extra_properties = {{"security.protocol", "SASL_PLAINTEXT"},
                                                         {"sasl.mechanisms", "PLAIN"},
                                                         {"sasl.username", user},
                                                         {"sasl.password", password},
                                                         {"sasl.kerberos.principal", principal},
                                                         {"debug", "conf,security"}}};
    auto created = KafkaPublisher::create(settings, [&](const KafkaLogLine& line) {
      const std::scoped_lock lock(mutex);
      lines.emplace_back(std::string(line.facility) + " " + std::string(line.message));
    });
    ASSERT_TRUE(created.has_value()) << created.error().describe();
  }
  const std::scoped_lock lock(mutex);
  ASSERT_FALSE(lines.empty());
  bool saw_redaction = false;
  for (const std::string& line : lines) {
    EXPECT_THAT(line, Not(HasSubstr(user)));
    EXPECT_THAT(line, Not(HasSubstr(password)));
    EXPECT_THAT(line, Not(HasSubstr(principal)));
    saw_redaction =
        saw_redaction || line.find("sasl.kerberos.principal = ***") != std::string::npos;
  }
  // The configuration dump shows the principal: proof the scrubbing had something to do.
  EXPECT_TRUE(saw_redaction);
}

TEST(KafkaErrorKind, MessageFaultsArePermanent) {
  for (const auto code : {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_INVALID_RECORD,
                          RD_KAFKA_RESP_ERR__INVALID_ARG}) {
    EXPECT_EQ(kafka_error_kind(code), core::ErrorKind::kPermanent) << rd_kafka_err2name(code);
  }
}

TEST(KafkaErrorKind, TopicFaultsAreRetryableSoAMisconfiguredTopicHoldsNoAggregate) {
  for (const auto code :
       {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
        RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC}) {
    EXPECT_EQ(kafka_error_kind(code), core::ErrorKind::kRetryable) << rd_kafka_err2name(code);
  }
}

TEST(KafkaErrorKind, ClusterFaultsDeadlinesAndFatalProducerErrorsAreRetryable) {
  for (const auto code :
       {RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TRANSPORT,
        RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__QUEUE_FULL,
        RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT, RD_KAFKA_RESP_ERR__FATAL,
        RD_KAFKA_RESP_ERR__GAPLESS_GUARANTEE}) {
    EXPECT_EQ(kafka_error_kind(code), core::ErrorKind::kRetryable) << rd_kafka_err2name(code);
  }
}

TEST(KafkaError, NamesServiceAndLibrdkafkaErrorName) {
  const core::Error error =
      kafka_error(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, "enqueueing message 2");
  EXPECT_EQ(error.service, "kafka");
  EXPECT_EQ(error.code, "MSG_SIZE_TOO_LARGE");
  EXPECT_FALSE(error.retryable());
  EXPECT_THAT(error.message, HasSubstr("enqueueing message 2"));
}

}  // namespace
}  // namespace dispatcher::adapters::kafka
