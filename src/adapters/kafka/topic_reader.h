#pragma once

// Reads topics back with a librdkafka consumer, for `bootstrap audit`: a fixed window per
// partition (from the start, or from a time, to the high watermark when the window was taken), in
// offset order, without joining or committing to a consumer group. librdkafka stays out of this
// header.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/kafka/kafka_client_options.h"
#include "core/clock.h"
#include "core/result.h"

namespace dispatcher::adapters::kafka {

/// How to reach the cluster: the same security properties as the producer (security.protocol,
/// sasl.*, ssl.*, in librdkafka names). The reader adds its own consumer properties (no offset
/// commits, a bounded local queue, auto.offset.reset=error).
struct ConsumerSettings {
  std::string bootstrap_servers;
  std::string client_id;
  std::vector<std::pair<std::string, std::string>> properties;
  OAuthBearerTokenProvider oauthbearer_token_provider;  ///< with sasl.mechanisms=OAUTHBEARER
};

/// What one partition is read over: offsets [start, end). `low_watermark`: the first offset the
/// broker still has (above 0 when retention removed older messages).
struct PartitionWindow {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t start = 0;
  std::int64_t end = 0;
  std::int64_t low_watermark = 0;
};

/// One consumed message; the views are valid during the callback only.
struct ConsumedRecord {
  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::optional<std::string_view> key;  ///< nullopt: no key
  std::span<const std::pair<std::string_view, std::string_view>> headers;
};

class TopicReader {
 public:
  /// Creates the consumer. Error (permanent "InvalidKafkaSettings", service "config"): a property
  /// librdkafka refuses (sensitive values never shown).
  [[nodiscard]] static core::Result<std::unique_ptr<TopicReader>> create(
      ConsumerSettings settings, KafkaLogSink log_sink = {});

  TopicReader(const TopicReader&) = delete;
  TopicReader& operator=(const TopicReader&) = delete;
  TopicReader(TopicReader&&) = delete;
  TopicReader& operator=(TopicReader&&) = delete;
  ~TopicReader();

  /// The names of the cluster's topics (internal ones, starting with "__", left out).
  [[nodiscard]] core::Result<std::vector<std::string>> topic_names(
      std::chrono::milliseconds timeout);

  /// One window per partition of `topic`: from the first message at or after `since` (nullopt:
  /// the low watermark) to the high watermark now. Error (service "kafka"): the topic does not
  /// exist (UNKNOWN_TOPIC_OR_PART), or the brokers did not answer within `timeout`.
  [[nodiscard]] core::Result<std::vector<PartitionWindow>> windows(
      const std::string& topic, std::optional<std::chrono::system_clock::time_point> since,
      std::chrono::milliseconds timeout);

  /// Reads every message of `windows`, each partition in offset order, calling `on_record`.
  /// Returns when every window is read. Error (service "kafka"): no message arrived for
  /// `stall_timeout` (naming the unfinished partitions and the last broker error), an offset
  /// that is no longer there (retention removed it while reading), or another consumer error.
  [[nodiscard]] core::Status read(std::span<const PartitionWindow> windows,
                                  const std::function<void(const ConsumedRecord&)>& on_record,
                                  std::chrono::milliseconds stall_timeout);

 private:
  class State;
  explicit TopicReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace dispatcher::adapters::kafka
