// Fault injection against librdkafka's mock cluster: what the real broker cannot be made to do on
// demand (transient errors, a broker going down, a fatal idempotence error, a missing topic).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
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
using testing::SilentListener;
using testing::stored_message_count;
using testing::unique_topic;

constexpr std::int16_t kProduceApiKey = 0;
constexpr std::int16_t kInitProducerIdApiKey = 22;
constexpr milliseconds kGenerousDeadline{20000};
constexpr milliseconds kReadTimeout{10000};
// The budget of the deadline tests. publish() must return before it: its purge is reserved inside
// the budget (200 ms here), so no scheduling slack is granted on top.
constexpr milliseconds kShortBudget{1500};

std::string microseconds(std::chrono::steady_clock::duration elapsed) {
  return std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()) +
         " us";
}

struct TimedOutcomes {
  std::vector<PublishOutcome> outcomes;
  std::chrono::steady_clock::duration elapsed;
};

TimedOutcomes timed_publish(KafkaPublisher& publisher, const std::vector<PublishRun>& runs,
                            milliseconds budget) {
  const auto started = std::chrono::steady_clock::now();
  auto outcomes = publisher.publish(runs, started + budget);
  return TimedOutcomes{.outcomes = std::move(outcomes),
                       .elapsed = std::chrono::steady_clock::now() - started};
}

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

// The mock cluster checks idempotent sequence numbers only for transactional producers: unlike a
// real broker it stores a request sent behind a refused one before the producer stops. What the
// wire holds after a refusal is therefore asserted against the stack's broker
// (KafkaPublisherBroker.BatchRefusedByTheTopicLimitFailsOnlyTheMessageTooLargeAlone); these tests
// assert the outcomes.

TEST(KafkaPublisherMock, CountsOnlyThePrefixBeforeAMessageRefusedEvenAlone) {
  const MockCluster cluster(1);
  const std::string topic = unique_topic("prefix");
  cluster.create_topic(topic, 1);
  // One message per request, so the second request carries exactly the second message; every
  // request after the first is refused, in the batch attempt and when sent alone.
  auto publisher = publisher_for(cluster, {{"linger.ms", "0"}, {"batch.num.messages", "1"}});
  ASSERT_NE(publisher, nullptr);
  rd_kafka_mock_push_request_errors(
      cluster.get(), kProduceApiKey, 8, RD_KAFKA_RESP_ERR_NO_ERROR,
      RD_KAFKA_RESP_ERR_INVALID_RECORD, RD_KAFKA_RESP_ERR_INVALID_RECORD,
      RD_KAFKA_RESP_ERR_INVALID_RECORD, RD_KAFKA_RESP_ERR_INVALID_RECORD,
      RD_KAFKA_RESP_ERR_INVALID_RECORD, RD_KAFKA_RESP_ERR_INVALID_RECORD,
      RD_KAFKA_RESP_ERR_INVALID_RECORD);
  const std::vector<PublishRun> runs{numbered_run(topic, "k", 0, 6)};

  const auto outcomes = publisher->publish(runs, deadline_in(kGenerousDeadline));

  ASSERT_EQ(outcomes.size(), 1U);
  EXPECT_EQ(outcomes[0].delivered, 1U);
  ASSERT_TRUE(outcomes[0].error.has_value());
  // The broker's reason, not the producer's fatal stop it caused.
  EXPECT_EQ(outcomes[0].error->code, "INVALID_RECORD") << outcomes[0].error->describe();
  EXPECT_FALSE(outcomes[0].error->retryable());
  EXPECT_EQ(outcomes[0].error->service, "kafka");
  EXPECT_THAT(outcomes[0].error->message, ::testing::HasSubstr("sent alone"));
}

TEST(KafkaPublisherMock, MessageRefusedInABatchIsRetriedAloneBeforeItIsCalledPermanent) {
  const MockCluster cluster(1);
  const std::string topic = unique_topic("refused-once");
  cluster.create_topic(topic, 1);
  auto publisher = publisher_for(cluster, {{"linger.ms", "0"}, {"batch.num.messages", "1"}});
  ASSERT_NE(publisher, nullptr);
  // The broker refuses the second request once, as it refuses a batch an oversized neighbour made
  // too large: sent alone, its message is accepted.
  rd_kafka_mock_push_request_errors(cluster.get(), kProduceApiKey, 2, RD_KAFKA_RESP_ERR_NO_ERROR,
                                    RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  const std::vector<PublishRun> runs{numbered_run(topic, "k", 0, 6),
                                     numbered_run(topic, "j", 0, 6)};

  const auto outcomes = publisher->publish(runs, deadline_in(kGenerousDeadline));

  for (const PublishOutcome& outcome : outcomes) {
    EXPECT_EQ(outcome.delivered, 6U);
    EXPECT_FALSE(outcome.error.has_value()) << outcome.error->describe();
  }
  // Each run's messages end the partition's sequence of its key in order, once each, after the
  // refusal (a stray copy sent behind the refused request is the mock's, see above).
  const auto stored_count =
      static_cast<std::size_t>(stored_message_count(cluster.bootstrap_servers(), topic));
  const auto by_key =
      values_by_key(read_topic(cluster.bootstrap_servers(), topic, stored_count, kReadTimeout));
  for (const PublishRun& run : runs) {
    const auto& stored = by_key.at(run.messages[0].key);
    const auto expected = expected_values(run);
    ASSERT_GE(stored.size(), expected.size());
    EXPECT_EQ(stored.front(), expected.front());
    EXPECT_TRUE(std::equal(expected.begin() + 1, expected.end(),
                           stored.end() - static_cast<std::ptrdiff_t>(expected.size() - 1)))
        << ::testing::PrintToString(stored);
  }
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

TEST(KafkaPublisherMock, ReturnsByItsDeadlineWhenTheBrokerIsDownAndDeliversAfterRecovery) {
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

  const auto [outcomes, elapsed] = timed_publish(*publisher, runs, kShortBudget);

  EXPECT_LT(elapsed, kShortBudget) << microseconds(elapsed);
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

TEST(KafkaPublisherMock, ReturnsByItsDeadlineWhenTheBrokerHangsAndDeliversAfterRecovery) {
  const MockCluster cluster(1);
  const std::string topic = unique_topic("hung");
  cluster.create_topic(topic, 2);
  auto publisher = publisher_for(cluster);
  ASSERT_NE(publisher, nullptr);
  const std::vector<PublishRun> warm_up{numbered_run(topic, "a", 0, 2)};
  ASSERT_EQ(publisher->publish(warm_up, deadline_in(kGenerousDeadline))[0].delivered, 2U);
  // The connection stays open but no answer comes back within the budget: requests are in flight
  // when the deadline nears.
  constexpr int kHungRttMs = 30000;
  rd_kafka_mock_broker_set_rtt(cluster.get(), -1, kHungRttMs);
  const std::vector<PublishRun> runs{numbered_run(topic, "a", 2, 4),
                                     numbered_run(topic, "b", 0, 4)};

  const auto [outcomes, elapsed] = timed_publish(*publisher, runs, kShortBudget);

  EXPECT_LT(elapsed, kShortBudget) << microseconds(elapsed);
  for (const PublishOutcome& outcome : outcomes) {
    EXPECT_EQ(outcome.delivered, 0U);
    ASSERT_TRUE(outcome.error.has_value());
    EXPECT_TRUE(outcome.error->retryable()) << outcome.error->describe();
  }

  rd_kafka_mock_broker_set_rtt(cluster.get(), -1, 0);
  const auto retried = publisher->publish(runs, deadline_in(kGenerousDeadline));
  for (const PublishOutcome& outcome : retried) {
    EXPECT_EQ(outcome.delivered, 4U);
    EXPECT_FALSE(outcome.error.has_value()) << outcome.error->describe();
  }
  const auto by_key =
      values_by_key(read_topic(cluster.bootstrap_servers(), topic, 10, kReadTimeout));
  // A purged in-flight request may or may not have been stored: at most a re-sent suffix repeats.
  EXPECT_THAT(by_key.at("b"), ::testing::IsSupersetOf(expected_values(runs[1])));
  EXPECT_EQ(by_key.at("b").back(), expected_values(runs[1]).back());
}

TEST(KafkaPublisherMock, ReturnsByItsDeadlineWhenTheBootstrapServerNeverAnswers) {
  const SilentListener silent;
  auto created =
      KafkaPublisher::create(ProducerSettings{.bootstrap_servers = silent.bootstrap_servers(),
                                              .client_id = "kafka-mock-test",
                                              .extra_properties = {{"log_level", "3"}}},
                             [](const KafkaLogLine&) {});
  ASSERT_TRUE(created.has_value()) << created.error().describe();
  const std::vector<PublishRun> runs{numbered_run("silent", "k", 0, 3)};

  const auto [outcomes, elapsed] = timed_publish(**created, runs, kShortBudget);

  EXPECT_LT(elapsed, kShortBudget) << microseconds(elapsed);
  EXPECT_EQ(outcomes[0].delivered, 0U);
  ASSERT_TRUE(outcomes[0].error.has_value());
  EXPECT_TRUE(outcomes[0].error->retryable()) << outcomes[0].error->describe();
}

TEST(KafkaPublisherMock, ReturnsByItsDeadlineWhenTheLocalQueueStaysFull) {
  const MockCluster cluster(1);
  const std::string topic = unique_topic("full-hung");
  cluster.create_topic(topic, 1);
  auto publisher = publisher_for(cluster, {{"queue.buffering.max.messages", "5"}});
  ASSERT_NE(publisher, nullptr);
  rd_kafka_mock_broker_set_rtt(cluster.get(), -1, 30000);
  const std::vector<PublishRun> runs{numbered_run(topic, "k", 0, 50)};

  const auto [outcomes, elapsed] = timed_publish(*publisher, runs, kShortBudget);

  EXPECT_LT(elapsed, kShortBudget) << microseconds(elapsed);
  EXPECT_EQ(outcomes[0].delivered, 0U);
  ASSERT_TRUE(outcomes[0].error.has_value());
  EXPECT_TRUE(outcomes[0].error->retryable()) << outcomes[0].error->describe();
  rd_kafka_mock_broker_set_rtt(cluster.get(), -1, 0);
}

TEST(KafkaPublisherMock, DeliversHealthyPartitionsWhenOnePartitionHasNoLeader) {
  const MockCluster cluster(3);
  const std::string topic = unique_topic("leaderless");
  constexpr int kPartitions = 4;
  cluster.create_topic(topic, kPartitions);
  auto publisher = publisher_for(cluster);
  ASSERT_NE(publisher, nullptr);
  // Keys spread over every partition; the publisher's default partitioner decides where each goes.
  std::vector<std::string> keys;
  std::map<std::string, std::int32_t> partition_of;
  for (int index = 0; index < 16; ++index) {
    const std::string key = "aggregate-" + std::to_string(index);
    keys.push_back(key);
    partition_of[key] = testing::default_partition(key, kPartitions);
  }
  constexpr std::int32_t kLeaderless = 1;
  ASSERT_EQ(rd_kafka_mock_partition_set_leader(cluster.get(), topic.c_str(), kLeaderless, -1),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  std::vector<PublishRun> runs;
  for (const std::string& key : keys) {
    runs.push_back(numbered_run(topic, key, 0, 5));
  }

  const auto [outcomes, elapsed] = timed_publish(*publisher, runs, kShortBudget);

  EXPECT_LT(elapsed, kShortBudget) << microseconds(elapsed);
  std::size_t leaderless_runs = 0;
  for (std::size_t run = 0; run < runs.size(); ++run) {
    if (partition_of[keys[run]] == kLeaderless) {
      ++leaderless_runs;
      EXPECT_EQ(outcomes[run].delivered, 0U) << keys[run];
      ASSERT_TRUE(outcomes[run].error.has_value()) << keys[run];
      EXPECT_TRUE(outcomes[run].error->retryable()) << outcomes[run].error->describe();
    } else {
      EXPECT_EQ(outcomes[run].delivered, 5U) << keys[run];
      EXPECT_FALSE(outcomes[run].error.has_value()) << outcomes[run].error->describe();
    }
  }
  EXPECT_GT(leaderless_runs, 0U);
  EXPECT_LT(leaderless_runs, runs.size());
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
