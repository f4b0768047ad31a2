#pragma once

// Owning handles for librdkafka's C objects, so no code path can leak or double-free one.

#include <librdkafka/rdkafka.h>

#include <memory>

namespace dispatcher::adapters::kafka {

struct KafkaHandleDeleter {
  void operator()(rd_kafka_t* handle) const noexcept { rd_kafka_destroy(handle); }
  void operator()(rd_kafka_conf_t* conf) const noexcept { rd_kafka_conf_destroy(conf); }
  void operator()(rd_kafka_headers_t* headers) const noexcept { rd_kafka_headers_destroy(headers); }
  void operator()(rd_kafka_message_t* message) const noexcept { rd_kafka_message_destroy(message); }
  void operator()(rd_kafka_topic_partition_list_t* list) const noexcept {
    rd_kafka_topic_partition_list_destroy(list);
  }
  void operator()(rd_kafka_error_t* error) const noexcept { rd_kafka_error_destroy(error); }
};

/// A client instance (producer or consumer). Destroying it waits for its internal threads.
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaHandleDeleter>;
/// A configuration object; ownership passes to rd_kafka_new() only when that call succeeds.
using KafkaConfig = std::unique_ptr<rd_kafka_conf_t, KafkaHandleDeleter>;
/// Message headers; ownership passes to rd_kafka_producev() only when that call succeeds.
using KafkaHeaders = std::unique_ptr<rd_kafka_headers_t, KafkaHandleDeleter>;
/// A consumed message (tests read back what the publisher wrote).
using KafkaMessage = std::unique_ptr<rd_kafka_message_t, KafkaHandleDeleter>;
using KafkaPartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, KafkaHandleDeleter>;
/// An error object returned by the newer librdkafka calls (rd_kafka_produceva).
using KafkaErrorObject = std::unique_ptr<rd_kafka_error_t, KafkaHandleDeleter>;

}  // namespace dispatcher::adapters::kafka
