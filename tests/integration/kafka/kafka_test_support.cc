#include "kafka_test_support.h"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <utility>

namespace dispatcher::adapters::kafka::testing {
namespace {

using TopicHandle =
    std::unique_ptr<rd_kafka_topic_t,
                    decltype([](rd_kafka_topic_t* topic) { rd_kafka_topic_destroy(topic); })>;
using MetadataHandle =
    std::unique_ptr<const rd_kafka_metadata_t, decltype([](const rd_kafka_metadata_t* metadata) {
                      rd_kafka_metadata_destroy(metadata);
                    })>;

constexpr int kMetadataTimeoutMs = 10000;

void set(rd_kafka_conf_t& conf, const char* name, const std::string& value) {
  std::array<char, 512> reason{};
  if (rd_kafka_conf_set(&conf, name, value.c_str(), reason.data(), reason.size()) !=
      RD_KAFKA_CONF_OK) {
    throw std::runtime_error(std::string("test client property ") + name + ": " + reason.data());
  }
}

KafkaHandle make_client(rd_kafka_type_t type, const std::string& bootstrap_servers,
                        const std::vector<std::pair<const char*, std::string>>& properties) {
  KafkaConfig conf(rd_kafka_conf_new());
  if (!bootstrap_servers.empty()) {
    set(*conf, "bootstrap.servers", bootstrap_servers);
  }
  for (const auto& [name, value] : properties) {
    set(*conf, name, value);
  }
  std::array<char, 512> reason{};
  KafkaHandle client(rd_kafka_new(type, conf.get(), reason.data(), reason.size()));
  if (!client) {
    throw std::runtime_error(std::string("test client: ") + reason.data());
  }
  static_cast<void>(conf.release());
  return client;
}

int partition_count(rd_kafka_t& client, const std::string& topic) {
  TopicHandle handle(rd_kafka_topic_new(&client, topic.c_str(), nullptr));
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t error =
      rd_kafka_metadata(&client, 0, handle.get(), &raw, kMetadataTimeoutMs);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("metadata of " + topic + ": " + rd_kafka_err2str(error));
  }
  const MetadataHandle metadata(raw);
  if (metadata->topic_cnt != 1 || metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("topic " + topic + " has no metadata");
  }
  return metadata->topics[0].partition_cnt;
}

std::string random_suffix() {
  static std::mt19937_64 generator{std::random_device{}()};
  constexpr std::size_t kLength = 10;
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string suffix;
  for (std::size_t i = 0; i < kLength; ++i) {
    suffix += kAlphabet[pick(generator)];
  }
  return suffix;
}

}  // namespace

MockCluster::MockCluster(int broker_count)
    : owner_(make_client(RD_KAFKA_PRODUCER, "", {{"log_level", "3"}})),
      cluster_(rd_kafka_mock_cluster_new(owner_.get(), broker_count)) {
  if (!cluster_) {
    throw std::runtime_error("rd_kafka_mock_cluster_new failed");
  }
}

std::string MockCluster::bootstrap_servers() const {
  return rd_kafka_mock_cluster_bootstraps(cluster_.get());
}

void MockCluster::create_topic(const std::string& topic, int partitions) const {
  const rd_kafka_resp_err_t error =
      rd_kafka_mock_topic_create(cluster_.get(), topic.c_str(), partitions, 1);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("mock topic " + topic + ": " + rd_kafka_err2str(error));
  }
}

std::vector<ConsumedMessage> read_topic(const std::string& bootstrap_servers,
                                        const std::string& topic, std::size_t expected,
                                        std::chrono::milliseconds timeout) {
  KafkaHandle consumer = make_client(RD_KAFKA_CONSUMER, bootstrap_servers,
                                     {{"group.id", "kafka-it-reader-" + random_suffix()},
                                      {"enable.auto.commit", "false"},
                                      {"log_level", "3"}});
  rd_kafka_poll_set_consumer(consumer.get());
  const int partitions = partition_count(*consumer, topic);
  KafkaPartitionList assignment(rd_kafka_topic_partition_list_new(partitions));
  for (int partition = 0; partition < partitions; ++partition) {
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), partition)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  if (const auto error = rd_kafka_assign(consumer.get(), assignment.get()); error) {
    throw std::runtime_error(std::string("assign: ") + rd_kafka_err2str(error));
  }
  std::vector<ConsumedMessage> consumed;
  const auto end = std::chrono::steady_clock::now() + timeout;
  constexpr int kPollMs = 100;
  while (consumed.size() < expected && std::chrono::steady_clock::now() < end) {
    const KafkaMessage message(rd_kafka_consumer_poll(consumer.get(), kPollMs));
    if (!message || message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      continue;
    }
    ConsumedMessage copy{.partition = message->partition, .offset = message->offset};
    copy.key.assign(static_cast<const char*>(message->key), message->key_len);
    copy.value.assign(static_cast<const char*>(message->payload), message->len);
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(message.get(), &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name = nullptr;
      const void* value = nullptr;
      std::size_t size = 0;
      for (std::size_t index = 0; rd_kafka_header_get_all(headers, index, &name, &value, &size) ==
                                  RD_KAFKA_RESP_ERR_NO_ERROR;
           ++index) {
        copy.headers.emplace_back(name, std::string(static_cast<const char*>(value), size));
      }
    }
    consumed.push_back(std::move(copy));
  }
  static_cast<void>(rd_kafka_consumer_close(consumer.get()));
  return consumed;
}

std::int64_t stored_message_count(const std::string& bootstrap_servers, const std::string& topic) {
  KafkaHandle client = make_client(RD_KAFKA_PRODUCER, bootstrap_servers, {{"log_level", "3"}});
  const int partitions = partition_count(*client, topic);
  std::int64_t total = 0;
  for (int partition = 0; partition < partitions; ++partition) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    const auto error = rd_kafka_query_watermark_offsets(client.get(), topic.c_str(), partition,
                                                        &low, &high, kMetadataTimeoutMs);
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error("watermarks of " + topic + ": " + rd_kafka_err2str(error));
    }
    total += high - low;
  }
  return total;
}

std::string unique_topic(const std::string& label) {
  return "kafka-it-" + label + "-" + random_suffix();
}

core::dispatch::PublishRun numbered_run(const std::string& topic, const std::string& key,
                                        int first_sequence, int count) {
  core::dispatch::PublishRun run;
  for (int sequence = first_sequence; sequence < first_sequence + count; ++sequence) {
    run.messages.push_back(
        core::dispatch::OutgoingMessage{.topic = topic,
                                        .key = key,
                                        .value = key + "#" + std::to_string(sequence),
                                        .headers = {{"version", std::to_string(sequence)}}});
  }
  return run;
}

std::string stack_kafka_bootstrap() {
  const char* bootstrap = std::getenv("STACK_KAFKA_BOOTSTRAP");
  if (bootstrap == nullptr || *bootstrap == '\0') {
    ADD_FAILURE() << "STACK_KAFKA_BOOTSTRAP is not set: start the local stack with "
                     "`tools/stack/stack.sh start && source .stack/env`";
    return {};
  }
  return bootstrap;
}

SilentListener::SilentListener() : socket_(::socket(AF_INET, SOCK_STREAM, 0)) {
  if (socket_ < 0) {
    throw std::runtime_error("silent listener: socket() failed");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  // NOLINTBEGIN(cppcoreguidelines-pro-type-reinterpret-cast): the BSD socket API
  if (::bind(socket_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(socket_, 16) != 0 ||
      ::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(socket_);
    throw std::runtime_error("silent listener: bind/listen failed");
  }
  // NOLINTEND(cppcoreguidelines-pro-type-reinterpret-cast)
  port_ = ntohs(address.sin_port);
}

SilentListener::~SilentListener() { ::close(socket_); }

std::string SilentListener::bootstrap_servers() const {
  return "127.0.0.1:" + std::to_string(port_);
}

std::int32_t default_partition(const std::string& key, std::int32_t partition_count) {
  // The partitioner reads neither the topic handle nor the opaques for a non-empty key.
  return rd_kafka_msg_partitioner_consistent_random(nullptr, key.data(), key.size(),
                                                    partition_count, nullptr, nullptr);
}

void create_broker_topic(const std::string& bootstrap_servers, const std::string& topic,
                         int partitions,
                         const std::vector<std::pair<std::string, std::string>>& configs) {
  KafkaHandle admin = make_client(RD_KAFKA_PRODUCER, bootstrap_servers, {{"log_level", "3"}});
  std::array<char, 512> reason{};
  rd_kafka_NewTopic_t* new_topic =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, reason.data(), reason.size());
  if (new_topic == nullptr) {
    throw std::runtime_error("new topic " + topic + ": " + reason.data());
  }
  for (const auto& [name, value] : configs) {
    rd_kafka_NewTopic_set_config(new_topic, name.c_str(), value.c_str());
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(admin.get());
  rd_kafka_CreateTopics(admin.get(), &new_topic, 1, nullptr, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, kMetadataTimeoutMs);
  std::string failure;
  if (event == nullptr) {
    failure = "no answer";
  } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    failure = rd_kafka_event_error_string(event);
  } else {
    std::size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
    if (count != 1 || rd_kafka_topic_result_error(results[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      failure = count == 1 ? rd_kafka_topic_result_error_string(results[0]) : "no result";
    }
  }
  if (event != nullptr) {
    rd_kafka_event_destroy(event);
  }
  rd_kafka_queue_destroy(queue);
  rd_kafka_NewTopic_destroy(new_topic);
  if (!failure.empty()) {
    throw std::runtime_error("create topic " + topic + ": " + failure);
  }
}

core::Deadline deadline_in(std::chrono::milliseconds budget) {
  return std::chrono::steady_clock::now() + budget;
}

}  // namespace dispatcher::adapters::kafka::testing
