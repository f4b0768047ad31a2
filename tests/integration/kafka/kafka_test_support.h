#pragma once

// Helpers for the Kafka adapter's integration tests: a librdkafka mock cluster, a consumer that
// reads a topic back, unique topic names and message builders.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adapters/kafka/kafka_handles.h"
#include "core/dispatch/ports.h"

namespace dispatcher::adapters::kafka::testing {

/// An in-process Kafka cluster from librdkafka's mock API, for fault injection.
class MockCluster {
 public:
  explicit MockCluster(int broker_count);
  [[nodiscard]] rd_kafka_mock_cluster_t* get() const { return cluster_.get(); }
  [[nodiscard]] std::string bootstrap_servers() const;
  /// Creates a topic (the mock cluster auto-creates with one partition otherwise).
  void create_topic(const std::string& topic, int partitions) const;

 private:
  struct ClusterDeleter {
    void operator()(rd_kafka_mock_cluster_t* cluster) const noexcept {
      rd_kafka_mock_cluster_destroy(cluster);
    }
  };
  KafkaHandle owner_;  // the mock cluster lives inside this handle's threads; destroyed last
  std::unique_ptr<rd_kafka_mock_cluster_t, ClusterDeleter> cluster_;
};

/// A loopback TCP port that completes connections (the kernel's backlog) but never reads or
/// answers: a broker that hangs before its first byte.
class SilentListener {
 public:
  SilentListener();
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  ~SilentListener();
  [[nodiscard]] std::string bootstrap_servers() const;

 private:
  int socket_ = -1;
  int port_ = 0;
};

/// The partition librdkafka's default partitioner (consistent_random) picks for a non-empty key.
[[nodiscard]] std::int32_t default_partition(const std::string& key, std::int32_t partition_count);

/// Creates `topic` on a real broker with topic-level `configs` (for example max.message.bytes),
/// waiting for the broker to confirm it.
void create_broker_topic(const std::string& bootstrap_servers, const std::string& topic,
                         int partitions,
                         const std::vector<std::pair<std::string, std::string>>& configs);

struct ConsumedMessage {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string key;
  std::string value;
  std::vector<core::dispatch::Header> headers;
};

/// Reads `topic` from the beginning of every partition until `expected` messages arrived or
/// `timeout` passed; messages of one partition are in offset order.
[[nodiscard]] std::vector<ConsumedMessage> read_topic(const std::string& bootstrap_servers,
                                                      const std::string& topic,
                                                      std::size_t expected,
                                                      std::chrono::milliseconds timeout);

/// The number of messages stored in `topic` (sum of high minus low watermark over partitions).
[[nodiscard]] std::int64_t stored_message_count(const std::string& bootstrap_servers,
                                                const std::string& topic);

/// "kafka-it-<label>-<random>", so tests sharing a broker never see each other's messages.
[[nodiscard]] std::string unique_topic(const std::string& label);

/// A run of `count` messages for one key; value i is "<key>#<first_sequence + i>".
[[nodiscard]] core::dispatch::PublishRun numbered_run(const std::string& topic,
                                                      const std::string& key, int first_sequence,
                                                      int count);

/// STACK_KAFKA_BOOTSTRAP (the shared stack's broker); records a test failure naming the variable
/// and returns "" when it is unset.
[[nodiscard]] std::string stack_kafka_bootstrap();

/// The deadline `budget` from now.
[[nodiscard]] core::Deadline deadline_in(std::chrono::milliseconds budget);

}  // namespace dispatcher::adapters::kafka::testing
