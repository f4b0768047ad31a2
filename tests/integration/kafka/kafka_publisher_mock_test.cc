// Fault injection against librdkafka's mock cluster: what the real broker cannot be made to do on
// demand (transient errors, a broker going down, a fatal idempotence error, a missing topic).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "adapters/kafka/kafka_publisher.h"
#include "kafka_test_support.h"

namespace dispatcher::adapters::kafka {
namespace {

using core::dispatch::PublishOutcome;
using core::dispatch::PublishRun;
using std::chrono::milliseconds;
using testing::deadline_in;
using testing::MockCluster;
using testing::numbered_run;
using testing::read_topic;
using testing::stored_message_count;
using testing::unique_topic;

constexpr std::int16_t kProduceApiKey = 0;
constexpr std::int16_t kInitProducerIdApiKey = 22;
constexpr milliseconds kGenerousDeadline{20000};
constexpr milliseconds kReadTimeout{10000};

std::unique_ptr<KafkaPublisher> publisher_for(
    const MockCluster& cluster, std::vector<std::pair<std::string, std::string>> extra = {}) {
  extra.emplace_back("log_level", "3");  // the mock cluster's expected errors are noise
  auto created =
      KafkaPublisher::create(ProducerSettings{.bootstrap_servers = cluster.bootstrap_servers(),
                                              .client_id = "kafka-mock-test",
                                              .extra_properties = std::move(extra)},
                             [](const KafkaLogLine&) {});
  if (!created) {
    ADD_FAILURE() << created.error().describe();
    return nullptr;
  }
  return std::move(*created);
}

// Every key's values, in the order the topic holds them.
std::map<std::string, std::vector<std::string>> values_by_key(
    const std::vector<testing::ConsumedMessage>& messages) {
  std::map<std::string, std::vector<std::string>> by_key;
  for (const auto& message : messages) {
    by_key[message.key].push_back(message.value);
  }
  return by_key;
}

std::vector<std::string> expected_values(const PublishRun& run) {
  std::vector<std::string> values;
  for (const auto& message : run.messages) {
    values.push_back(message.value);
  }
  return values;
}

TEST(KafkaPublisherMock, DeliversOnceAndInOrderThroughTransientBrokerErrors) {
  const MockCluster cluster(3);
  const std::string topic = unique_topic("transient");
  cluster.create_topic(topic, 4);
  auto publisher = publisher_for(cluster);
  ASSERT_NE(publisher, nullptr);
  rd_kafka_mock_push_request_errors(
      cluster.get(), kProduceApiKey, 4, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
      RD_KAFKA_RESP_ERR__TRANSPORT);
  const std::vector<PublishRun> runs{numbered_run(topic, "a", 0, 50),
                                     numbered_run(topic, "b", 0, 50),
                                     numbered_run(topic, "c", 0, 50)};

  const auto outcomes = publisher->publish(runs, deadline_in(kGenerousDeadline));

  ASSERT_EQ(outcomes.size(), runs.size());
  for (const PublishOutcome& outcome : outcomes) {
    EXPECT_EQ(outcome.delivered, 50U);
    EXPECT_FALSE(outcome.error.has_value()) << outcome.error->describe();
  }
  const auto stored = read_topic(cluster.bootstrap_servers(), topic, 150, kReadTimeout);
  const auto by_key = values_by_key(stored);
  EXPECT_EQ(by_key.at("a"), expected_values(runs[0]));
  EXPECT_EQ(by_key.at("b"), expected_values(runs[1]));
  EXPECT_EQ(by_key.at("c"), expected_values(runs[2]));
  EXPECT_EQ(stored_message_count(cluster.bootstrap_servers(), topic), 150);
}

TEST(KafkaPublisherMock, CountsOnlyThePrefixBeforeTheFirstFailedDeliveryReport) {
  const MockCluster cluster(1);
  const std::string topic = unique_topic("prefix");
  cluster.create_topic(topic, 1);
  // One message per request, so the second request carries exactly the second message.
  auto publisher = publisher_for(cluster, {{"linger.ms", "0"}, {"batch.num.messages", "1"}});
  ASSERT_NE(publisher, nullptr);
  rd_kafka_mock_push_request_errors(cluster.get(), kProduceApiKey, 2, RD_KAFKA_RESP_ERR_NO_ERROR,
                                    RD_KAFKA_RESP_ERR_INVALID_RECORD);
  const std::vector<PublishRun> runs{numbered_run(topic, "k", 0, 6)};

  const auto outcomes = publisher->publish(runs, deadline_in(kGenerousDeadline));

  ASSERT_EQ(outcomes.size(), 1U);
  EXPECT_EQ(outcomes[0].delivered, 1U);
  ASSERT_TRUE(outcomes[0].error.has_value());
  EXPECT_EQ(outcomes[0].error->code, "INVALID_RECORD");
  EXPECT_FALSE(outcomes[0].error->retryable());
  EXPECT_EQ(outcomes[0].error->service, "kafka");
}

TEST(KafkaPublisherMock, WaitsOutAFullLocalQueueInsteadOfFailing) {
  const MockCluster cluster(1);
  const std::string topic = unique_topic("queue-full");
  cluster.create_topic(topic, 2);
  auto publisher = publisher_for(cluster, {{"queue.buffering.max.messages", "10"}});
  ASSERT_NE(publisher, nullptr);
  const std::vector<PublishRun> runs{numbered_run(topic, "x", 0, 120),
                                     numbered_run(topic, "y", 0, 80)};

  const auto outcomes = publisher->publish(runs, deadline_in(kGenerousDeadline));

  EXPECT_EQ(outcomes[0].delivered, 120U);
  EXPECT_EQ(outcomes[1].delivered, 80U);
  EXPECT_FALSE(outcomes[0].error.has_value());
  const auto by_key =
      values_by_key(read_topic(cluster.bootstrap_servers(), topic, 200, kReadTimeout));
  EXPECT_EQ(by_key.at("x"), expected_values(runs[0]));
  EXPECT_EQ(by_key.at("y"), expected_values(runs[1]));
}

TEST(KafkaPublisherMock, BrokerDownUntilDeadlineIsRetryableAndDoesNotOverrunIt) {
  const MockCluster cluster(1);
  const std::string topic = unique_topic("down");
  cluster.create_topic(topic, 1);
  auto publisher = publisher_for(cluster);
  ASSERT_NE(publisher, nullptr);
  // A first wave connects the producer, so the outage hits an established producer.
  const std::vector<PublishRun> warm_up{numbered_run(topic, "k", 0, 3)};
  ASSERT_EQ(publisher->publish(warm_up, deadline_in(kGenerousDeadline))[0].delivered, 3U);
  ASSERT_EQ(rd_kafka_mock_broker_set_down(cluster.get(), -1), RD_KAFKA_RESP_ERR_NO_ERROR);
  const std::vector<PublishRun> runs{numbered_run(topic, "k", 3, 5)};
  constexpr milliseconds kBudget{1500};
  constexpr milliseconds kAllowedOverrun{1000};  // purging and serving its reports

  const auto started = std::chrono::steady_clock::now();
  const auto outcomes = publisher->publish(runs, started + kBudget);
  const auto elapsed = std::chrono::steady_clock::now() - started;

  EXPECT_LT(elapsed, kBudget + kAllowedOverrun);
  EXPECT_EQ(outcomes[0].delivered, 0U);
  ASSERT_TRUE(outcomes[0].error.has_value());
  EXPECT_TRUE(outcomes[0].error->retryable()) << outcomes[0].error->describe();

  // Back up: the same run is published again (as Lambda's retry would) and lands after the first.
  ASSERT_EQ(rd_kafka_mock_broker_set_up(cluster.get(), -1), RD_KAFKA_RESP_ERR_NO_ERROR);
  const auto retried = publisher->publish(runs, deadline_in(kGenerousDeadline));
  EXPECT_EQ(retried[0].delivered, 5U);
  EXPECT_FALSE(retried[0].error.has_value()) << retried[0].error->describe();
  const auto by_key =
      values_by_key(read_topic(cluster.bootstrap_servers(), topic, 8, kReadTimeout));
  std::vector<std::string> all = expected_values(warm_up[0]);
  for (const auto& value : expected_values(runs[0])) {
    all.push_back(value);
  }
  EXPECT_EQ(by_key.at("k"), all);
}

TEST(KafkaPublisherMock, FatalIdempotenceErrorIsRetryableAndNextWaveUsesANewProducer) {
  const MockCluster cluster(1);
  const std::string topic = unique_topic("fatal");
  cluster.create_topic(topic, 1);
  // librdkafka treats a refused producer id as fatal for an idempotent producer.
  rd_kafka_mock_push_request_errors(cluster.get(), kInitProducerIdApiKey, 1,
                                    RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED);
  auto publisher = publisher_for(cluster);
  ASSERT_NE(publisher, nullptr);
  const std::vector<PublishRun> runs{numbered_run(topic, "k", 0, 4)};

  const auto failed = publisher->publish(runs, deadline_in(kGenerousDeadline));
  const auto recovered = publisher->publish(runs, deadline_in(kGenerousDeadline));

  EXPECT_EQ(failed[0].delivered, 0U);
  ASSERT_TRUE(failed[0].error.has_value());
  EXPECT_EQ(failed[0].error->code, "_FATAL");
  EXPECT_TRUE(failed[0].error->retryable());
  EXPECT_EQ(recovered[0].delivered, 4U);
  EXPECT_FALSE(recovered[0].error.has_value()) << recovered[0].error->describe();
  EXPECT_EQ(stored_message_count(cluster.bootstrap_servers(), topic), 4);
}

TEST(KafkaPublisherMock, UnknownTopicWithoutAutoCreationIsRetryableAndSparesOtherRuns) {
  const MockCluster cluster(1);
  const std::string existing = unique_topic("exists");
  cluster.create_topic(existing, 1);
  const std::string missing = unique_topic("missing");
  // The mock cluster auto-creates topics regardless of the client's wish, so it is told to answer
  // as a cluster without auto-creation does.
  rd_kafka_mock_topic_set_error(cluster.get(), missing.c_str(),
                                RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  auto publisher = publisher_for(cluster, {{"allow.auto.create.topics", "false"},
                                           {"topic.metadata.propagation.max.ms", "500"}});
  ASSERT_NE(publisher, nullptr);
  const std::vector<PublishRun> runs{numbered_run(missing, "k", 0, 3),
                                     numbered_run(existing, "k", 0, 3)};

  const auto outcomes = publisher->publish(runs, deadline_in(kGenerousDeadline));

  EXPECT_EQ(outcomes[0].delivered, 0U);
  ASSERT_TRUE(outcomes[0].error.has_value());
  EXPECT_TRUE(outcomes[0].error->retryable()) << outcomes[0].error->describe();
  EXPECT_THAT(outcomes[0].error->code, ::testing::AnyOf("_UNKNOWN_TOPIC", "UNKNOWN_TOPIC_OR_PART"));
  EXPECT_EQ(outcomes[1].delivered, 3U);
  EXPECT_FALSE(outcomes[1].error.has_value());
}

}  // namespace
}  // namespace dispatcher::adapters::kafka
