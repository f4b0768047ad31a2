// The publisher against the stack's real Kafka broker (KRaft, topics auto-created), read back with
// a librdkafka consumer.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "adapters/kafka/kafka_publisher.h"
#include "kafka_test_support.h"

namespace dispatcher::adapters::kafka {
namespace {

using core::dispatch::Header;
using core::dispatch::OutgoingMessage;
using core::dispatch::PublishRun;
using std::chrono::milliseconds;
using testing::deadline_in;
using testing::numbered_run;
using testing::read_topic;
using testing::stored_message_count;
using testing::unique_topic;

constexpr milliseconds kDeadline{30000};
constexpr milliseconds kReadTimeout{30000};

class KafkaPublisherBroker : public ::testing::Test {
 protected:
  void SetUp() override {
    bootstrap_ = testing::stack_kafka_bootstrap();
    ASSERT_FALSE(bootstrap_.empty());
    auto created = KafkaPublisher::create(
        ProducerSettings{.bootstrap_servers = bootstrap_, .client_id = "kafka-broker-test"});
    ASSERT_TRUE(created.has_value()) << created.error().describe();
    publisher_ = std::move(*created);
  }

  std::string bootstrap_;
  std::unique_ptr<KafkaPublisher> publisher_;
};

// A value with every byte value, so any text conversion on the way would show.
std::string binary_value(int sequence) {
  std::string value;
  for (int byte = 0; byte < 256; ++byte) {
    value.push_back(static_cast<char>((byte + sequence) % 256));
  }
  return value + "#" + std::to_string(sequence);
}

struct Expected {
  std::string value;
  std::vector<Header> headers;
};

TEST_F(KafkaPublisherBroker, KeepsBytesHeadersAndPerKeyOrderAcrossRunsAndWaves) {
  const std::string topic = unique_topic("roundtrip");
  // Keys with a NUL byte and UTF-8 beside plain ones: keys are bytes too.
  const std::vector<std::string> keys{"order-1", std::string("bin\0key", 7), "überweisung-7",
                                      "order-4"};
  constexpr int kWaves = 3;
  constexpr int kPerRun = 25;
  std::map<std::string, std::vector<Expected>> expected;
  std::size_t total = 0;
  for (int wave = 0; wave < kWaves; ++wave) {
    std::vector<PublishRun> runs;
    for (const std::string& key : keys) {
      PublishRun run;
      for (int index = 0; index < kPerRun; ++index) {
        const int sequence = wave * kPerRun + index;
        // Headers repeat a name and carry empty and UTF-8 values: order and duplicates must stay.
        std::vector<Header> headers{{"messageId", key + "-" + std::to_string(sequence)},
                                    {"version", std::to_string(sequence)},
                                    {"tag", "first"},
                                    {"tag", "second"},
                                    {"empty", ""},
                                    {"note", "grüße ✓"}};
        run.messages.push_back(OutgoingMessage{
            .topic = topic, .key = key, .value = binary_value(sequence), .headers = headers});
        expected[key].push_back(Expected{.value = binary_value(sequence), .headers = headers});
      }
      runs.push_back(std::move(run));
    }

    const auto outcomes = publisher_->publish(runs, deadline_in(kDeadline));

    ASSERT_EQ(outcomes.size(), runs.size());
    for (const auto& outcome : outcomes) {
      EXPECT_EQ(outcome.delivered, static_cast<std::size_t>(kPerRun));
      EXPECT_FALSE(outcome.error.has_value()) << outcome.error->describe();
    }
    total += keys.size() * kPerRun;
  }

  const auto stored = read_topic(bootstrap_, topic, total, kReadTimeout);
  ASSERT_EQ(stored.size(), total);
  EXPECT_EQ(stored_message_count(bootstrap_, topic), static_cast<std::int64_t>(total));
  std::map<std::string, std::vector<Expected>> actual;
  std::map<std::string, std::set<std::int32_t>> partitions;
  for (const auto& message : stored) {
    actual[message.key].push_back(Expected{.value = message.value, .headers = message.headers});
    partitions[message.key].insert(message.partition);
  }
  ASSERT_EQ(actual.size(), keys.size());
  for (const std::string& key : keys) {
    ASSERT_EQ(actual[key].size(), expected[key].size()) << key;
    EXPECT_EQ(partitions[key].size(), 1U) << "one key, one partition: " << key;
    for (std::size_t index = 0; index < expected[key].size(); ++index) {
      EXPECT_EQ(actual[key][index].value, expected[key][index].value) << key << " #" << index;
      EXPECT_EQ(actual[key][index].headers, expected[key][index].headers) << key << " #" << index;
    }
  }
}

TEST_F(KafkaPublisherBroker, MessageOverSizeLimitStopsItsRunAfterThePrefixOnly) {
  const std::string topic = unique_topic("too-large");
  PublishRun poisoned = numbered_run(topic, "poisoned", 0, 5);
  constexpr std::size_t kOverMessageMaxBytes = 1100 * 1000;  // message.max.bytes is 1,000,000
  poisoned.messages[2].value = std::string(kOverMessageMaxBytes, 'x');
  const std::vector<PublishRun> runs{numbered_run(topic, "before", 0, 10), poisoned,
                                     numbered_run(topic, "after", 0, 10)};

  const auto outcomes = publisher_->publish(runs, deadline_in(kDeadline));

  EXPECT_EQ(outcomes[1].delivered, 2U);
  ASSERT_TRUE(outcomes[1].error.has_value());
  EXPECT_EQ(outcomes[1].error->code, "MSG_SIZE_TOO_LARGE");
  EXPECT_EQ(outcomes[1].error->service, "kafka");
  EXPECT_FALSE(outcomes[1].error->retryable());
  for (const std::size_t other : {0U, 2U}) {
    EXPECT_EQ(outcomes[other].delivered, 10U);
    EXPECT_FALSE(outcomes[other].error.has_value()) << outcomes[other].error->describe();
  }
  // Nothing after the refused message was enqueued: the topic holds exactly 10 + 2 + 10.
  const auto stored = read_topic(bootstrap_, topic, 22, kReadTimeout);
  EXPECT_EQ(stored_message_count(bootstrap_, topic), 22);
  std::vector<std::string> poisoned_values;
  for (const auto& message : stored) {
    if (message.key == "poisoned") {
      poisoned_values.push_back(message.value);
    }
  }
  EXPECT_THAT(poisoned_values, ::testing::ElementsAre("poisoned#0", "poisoned#1"));
}

TEST_F(KafkaPublisherBroker, BatchRefusedByTheTopicLimitFailsOnlyTheMessageTooLargeAlone) {
  // The topic takes less than the client's limit (KAFKA_MAX_MESSAGE_BYTES): the broker refuses
  // every record batch over it, innocent messages batched with the big one included.
  const std::string topic = unique_topic("topic-limit");
  constexpr std::size_t kTopicLimit = 20000;
  testing::create_broker_topic(bootstrap_, topic, 1,
                               {{"max.message.bytes", std::to_string(kTopicLimit)}});
  PublishRun poisoned = numbered_run(topic, "poisoned", 0, 4);
  poisoned.messages[2].value = std::string(kTopicLimit + 5000, 'x');
  // One partition: the other aggregates' messages share the poisoned one's batches.
  const std::vector<PublishRun> runs{numbered_run(topic, "before", 0, 20), poisoned,
                                     numbered_run(topic, "after", 0, 20)};

  const auto outcomes = publisher_->publish(runs, deadline_in(kDeadline));

  ASSERT_EQ(outcomes.size(), 3U);
  EXPECT_EQ(outcomes[1].delivered, 2U);
  ASSERT_TRUE(outcomes[1].error.has_value());
  EXPECT_EQ(outcomes[1].error->code, "MSG_SIZE_TOO_LARGE") << outcomes[1].error->describe();
  EXPECT_FALSE(outcomes[1].error->retryable());
  for (const std::size_t other : {0U, 2U}) {
    EXPECT_EQ(outcomes[other].delivered, 20U);
    EXPECT_FALSE(outcomes[other].error.has_value()) << outcomes[other].error->describe();
  }
  // The partition holds each innocent message once, in order, and nothing of the poisoned
  // aggregate after the refused message.
  const auto stored = read_topic(bootstrap_, topic, 42, kReadTimeout);
  EXPECT_EQ(stored_message_count(bootstrap_, topic), 42);
  std::map<std::string, std::vector<std::string>> values;
  for (const auto& message : stored) {
    values[message.key].push_back(message.value);
  }
  EXPECT_THAT(values["poisoned"], ::testing::ElementsAre("poisoned#0", "poisoned#1"));
  for (const std::size_t other : {0U, 2U}) {
    std::vector<std::string> expected;
    for (const auto& message : runs[other].messages) {
      expected.push_back(message.value);
    }
    EXPECT_EQ(values[runs[other].messages[0].key], expected);
  }
}

TEST_F(KafkaPublisherBroker, NothingOfARunFollowsItsFirstMessageWhenTheBrokerRefusesIt) {
  // The refused message is the first a new producer sends to the partition: the broker, which has
  // no state for that producer yet, would take the next message of the run as a first one, so the
  // publisher must not have it on the wire behind the refused one.
  const std::string topic = unique_topic("first-refused");
  constexpr std::size_t kTopicLimit = 3000;
  testing::create_broker_topic(bootstrap_, topic, 1,
                               {{"max.message.bytes", std::to_string(kTopicLimit)}});
  PublishRun run = numbered_run(topic, "big", 0, 3);
  run.messages[0].value = std::string(kTopicLimit * 3, 'x');
  const std::vector<PublishRun> runs{run};

  const auto outcomes = publisher_->publish(runs, deadline_in(kDeadline));

  EXPECT_EQ(outcomes[0].delivered, 0U);
  ASSERT_TRUE(outcomes[0].error.has_value());
  EXPECT_EQ(outcomes[0].error->code, "MSG_SIZE_TOO_LARGE") << outcomes[0].error->describe();
  EXPECT_FALSE(outcomes[0].error->retryable());
  EXPECT_EQ(stored_message_count(bootstrap_, topic), 0);
}

TEST_F(KafkaPublisherBroker, EmptyWaveAndEmptyRunsDeliverNothingWithoutError) {
  const std::vector<PublishRun> runs{PublishRun{}, PublishRun{}};
  const auto outcomes = publisher_->publish(runs, deadline_in(kDeadline));
  ASSERT_EQ(outcomes.size(), 2U);
  EXPECT_EQ(outcomes[0].delivered, 0U);
  EXPECT_FALSE(outcomes[0].error.has_value());
  EXPECT_TRUE(publisher_->publish({}, deadline_in(kDeadline)).empty());
}

}  // namespace
}  // namespace dispatcher::adapters::kafka
