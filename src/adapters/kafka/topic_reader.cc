#include "adapters/kafka/topic_reader.h"

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <map>
#include <random>

#include "adapters/kafka/kafka_error.h"
#include "adapters/kafka/kafka_handles.h"
#include "adapters/kafka/producer_config.h"

namespace dispatcher::adapters::kafka {
namespace {

using std::chrono::milliseconds;
constexpr std::size_t kErrorTextSize = 512;
constexpr auto kPollInterval = milliseconds(200);

// A bounded local queue (librdkafka prefetches up to 64 MB and 100,000 messages per partition
// by default): the audit's memory is the ledger's, not the prefetch's. auto.offset.reset=error:
// a start offset retention removed is an error, never a silent jump to another offset.
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kReaderProperties{{
    {"enable.auto.commit", "false"},
    {"enable.auto.offset.store", "false"},
    {"enable.partition.eof", "true"},
    {"auto.offset.reset", "error"},
    {"queued.max.messages.kbytes", "8192"},
    {"queued.min.messages", "5000"},
    {"fetch.max.bytes", "8388608"},
    {"isolation.level", "read_committed"},
}};

/// The log sink, the secret values to scrub from log lines, the token provider and the last
/// broker error, reached through librdkafka's opaque pointer.
struct ReaderContext {
  KafkaLogSink sink;
  std::vector<std::string> secret_values;
  OAuthBearerTokenProvider token_provider;
  std::string last_broker_error;

  [[nodiscard]] std::string redact(std::string_view text) const {
    return redact_secrets(text, secret_values);
  }
};

void on_log(const rd_kafka_t* handle, int level, const char* facility, const char* text) {
  const auto* context = static_cast<const ReaderContext*>(rd_kafka_opaque(handle));
  const std::string line = context->redact(text);
  context->sink(KafkaLogLine{.level = level, .facility = facility, .message = line});
}

void on_error(rd_kafka_t* /*handle*/, int code, const char* reason, void* opaque) {
  auto* context = static_cast<ReaderContext*>(opaque);
  const auto error = static_cast<rd_kafka_resp_err_t>(code);
  const std::string text = context->redact(std::string(rd_kafka_err2name(error)) + ": " + reason);
  if (error != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || context->last_broker_error.empty()) {
    context->last_broker_error = text;
  }
  constexpr int kErrorLevel = 3;
  context->sink(KafkaLogLine{.level = kErrorLevel, .facility = "ERROR", .message = text});
}

void on_token_refresh(rd_kafka_t* handle, const char* /*config*/, void* opaque) {
  auto* context = static_cast<ReaderContext*>(opaque);
  auto token = context->token_provider();
  if (!token) {
    rd_kafka_oauthbearer_set_token_failure(handle,
                                           context->redact(token.error().describe()).c_str());
    return;
  }
  const auto expiry_ms =
      std::chrono::duration_cast<milliseconds>(token->expiry.time_since_epoch()).count();
  std::array<char, kErrorTextSize> reason{};
  if (rd_kafka_oauthbearer_set_token(handle, token->value.c_str(), static_cast<int64_t>(expiry_ms),
                                     token->principal.c_str(), nullptr, 0, reason.data(),
                                     reason.size()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_oauthbearer_set_token_failure(handle, "librdkafka refused the token");
  }
}

std::string reader_group_id() {
  std::random_device device;
  return "ddb-eventstore-dispatcher-audit-" + std::to_string(getpid()) + "-" +
         std::to_string(device());
}

}  // namespace

class TopicReader::State {
 public:
  ReaderContext context;
  KafkaHandle consumer;

  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  State(State&&) = delete;
  State& operator=(State&&) = delete;
  ~State() {
    if (consumer) {
      rd_kafka_consumer_close(consumer.get());
    }
  }
};

TopicReader::TopicReader(std::unique_ptr<State> state) : state_(std::move(state)) {}

TopicReader::~TopicReader() = default;

core::Result<std::unique_ptr<TopicReader>> TopicReader::create(ConsumerSettings settings,
                                                               KafkaLogSink log_sink) {
  auto state = std::make_unique<State>();
  state->context.sink = log_sink ? std::move(log_sink) : KafkaLogSink(write_kafka_log_to_stderr);
  state->context.token_provider = std::move(settings.oauthbearer_token_provider);
  KafkaConfig conf(rd_kafka_conf_new());
  std::vector<std::pair<std::string, std::string>> properties{
      {"bootstrap.servers", settings.bootstrap_servers}, {"group.id", reader_group_id()}};
  if (!settings.client_id.empty()) {
    properties.emplace_back("client.id", settings.client_id);
  }
  for (const auto& [name, value] : kReaderProperties) {
    properties.emplace_back(name, value);
  }
  for (auto& property : settings.properties) {
    if (is_sensitive_property(property.first)) {
      state->context.secret_values.push_back(property.second);
    }
    properties.push_back(std::move(property));
  }
  for (const auto& [name, value] : properties) {
    if (auto set = set_kafka_property(*conf, std::string(name), std::string(value)); !set) {
      return core::fail(set.error());
    }
  }
  rd_kafka_conf_set_opaque(conf.get(), &state->context);
  rd_kafka_conf_set_log_cb(conf.get(), on_log);
  rd_kafka_conf_set_error_cb(conf.get(), on_error);
  if (state->context.token_provider) {
    rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf.get(), on_token_refresh);
  }
  std::array<char, kErrorTextSize> reason{};
  KafkaHandle consumer(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), reason.data(), reason.size()));
  if (!consumer) {
    return core::fail(kafka_settings_error("Kafka consumer could not be created: " +
                                           state->context.redact(reason.data())));
  }
  static_cast<void>(conf.release());  // NOLINT(bugprone-unused-return-value): rd_kafka_new took it
  rd_kafka_poll_set_consumer(consumer.get());
  state->consumer = std::move(consumer);
  return std::unique_ptr<TopicReader>(new TopicReader(std::move(state)));
}

core::Result<std::vector<std::string>> TopicReader::topic_names(milliseconds timeout) {
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t error = rd_kafka_metadata(state_->consumer.get(), 1, nullptr, &metadata,
                                                      static_cast<int>(timeout.count()));
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return core::fail(kafka_error(
        error, "listing the cluster's topics (" + state_->context.last_broker_error + ")"));
  }
  std::vector<std::string> names;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    std::string name = metadata->topics[i].topic;
    if (!name.starts_with("__")) {
      names.push_back(std::move(name));
    }
  }
  rd_kafka_metadata_destroy(metadata);
  std::ranges::sort(names);
  return names;
}

core::Result<std::vector<PartitionWindow>> TopicReader::windows(
    const std::string& topic, std::optional<std::chrono::system_clock::time_point> since,
    milliseconds timeout) {
  rd_kafka_t* consumer = state_->consumer.get();
  const auto context = [&topic, this](std::string_view what) {
    std::string text = std::string(what) + " of topic '" + topic + "'";
    if (!state_->context.last_broker_error.empty()) {
      text += " (last broker error: " + state_->context.last_broker_error + ")";
    }
    return text;
  };
  const std::unique_ptr<rd_kafka_topic_t, decltype(&rd_kafka_topic_destroy)> handle(
      rd_kafka_topic_new(consumer, topic.c_str(), nullptr), &rd_kafka_topic_destroy);
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t error =
      rd_kafka_metadata(consumer, 0, handle.get(), &metadata, static_cast<int>(timeout.count()));
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return core::fail(kafka_error(error, context("reading the metadata")));
  }
  const std::unique_ptr<const rd_kafka_metadata_t, decltype(&rd_kafka_metadata_destroy)> owned(
      metadata, &rd_kafka_metadata_destroy);
  if (metadata->topic_cnt != 1 || metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return core::fail(kafka_error(metadata->topic_cnt == 1
                                      ? metadata->topics[0].err
                                      : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                                  context("reading the metadata")));
  }
  std::vector<PartitionWindow> windows;
  for (int i = 0; i < metadata->topics[0].partition_cnt; ++i) {
    const std::int32_t partition = metadata->topics[0].partitions[i].id;
    int64_t low = 0;
    int64_t high = 0;
    error = rd_kafka_query_watermark_offsets(consumer, topic.c_str(), partition, &low, &high,
                                             static_cast<int>(timeout.count()));
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return core::fail(kafka_error(
          error, context("reading the watermarks of partition " + std::to_string(partition))));
    }
    windows.push_back(PartitionWindow{
        .topic = topic, .partition = partition, .start = low, .end = high, .low_watermark = low});
  }
  std::ranges::sort(windows, {}, &PartitionWindow::partition);
  if (since) {
    KafkaPartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(windows.size())));
    const auto since_ms =
        std::chrono::duration_cast<milliseconds>(since->time_since_epoch()).count();
    for (const auto& window : windows) {
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), window.partition)->offset =
          since_ms;
    }
    error = rd_kafka_offsets_for_times(consumer, list.get(), static_cast<int>(timeout.count()));
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return core::fail(kafka_error(error, context("finding the offsets for the time")));
    }
    for (int i = 0; i < list->cnt; ++i) {
      const auto& found = list->elems[i];
      if (found.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return core::fail(kafka_error(found.err, context("finding the offset for the time")));
      }
      auto window = std::ranges::find(windows, found.partition, &PartitionWindow::partition);
      // -1: no message at or after the time; the window is empty.
      window->start =
          found.offset < 0 ? window->end : std::max(found.offset, window->low_watermark);
    }
  }
  return windows;
}

core::Status TopicReader::read(std::span<const PartitionWindow> windows,
                               const std::function<void(const ConsumedRecord&)>& on_record,
                               milliseconds stall_timeout) {
  rd_kafka_t* consumer = state_->consumer.get();
  // Next offset to read per (topic, partition); a partition is done when it reaches its end.
  std::map<std::pair<std::string, std::int32_t>, std::pair<std::int64_t, std::int64_t>, std::less<>>
      remaining;
  const KafkaPartitionList assignment(
      rd_kafka_topic_partition_list_new(static_cast<int>(windows.size())));
  for (const auto& window : windows) {
    if (window.start >= window.end) {
      continue;
    }
    remaining[{window.topic, window.partition}] = {window.start, window.end};
    rd_kafka_topic_partition_list_add(assignment.get(), window.topic.c_str(), window.partition)
        ->offset = window.start;
  }
  if (remaining.empty()) {
    return {};
  }
  if (const rd_kafka_resp_err_t error = rd_kafka_assign(consumer, assignment.get());
      error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return core::fail(kafka_error(error, "assigning the partitions to read"));
  }
  const auto finish = [consumer](const std::string& topic, std::int32_t partition) {
    const KafkaPartitionList done(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(done.get(), topic.c_str(), partition);
    static_cast<void>(rd_kafka_pause_partitions(consumer, done.get()));
  };
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  auto last_progress = std::chrono::steady_clock::now();
  while (!remaining.empty()) {
    KafkaMessage message(rd_kafka_consumer_poll(consumer, static_cast<int>(kPollInterval.count())));
    if (!message) {
      if (std::chrono::steady_clock::now() - last_progress > stall_timeout) {
        std::string unfinished;
        for (const auto& [where, range] : remaining) {
          unfinished += (unfinished.empty() ? "" : ", ") + where.first + "/" +
                        std::to_string(where.second) + " at " + std::to_string(range.first) +
                        " of " + std::to_string(range.second);
        }
        core::Error error = core::retryable_error(
            "_TIMED_OUT", "no message for " + std::to_string(stall_timeout.count() / 1000) +
                              " s while reading " + unfinished +
                              (state_->context.last_broker_error.empty()
                                   ? std::string()
                                   : "; last broker error: " + state_->context.last_broker_error));
        error.service = "kafka";
        return core::fail(std::move(error));
      }
      continue;
    }
    const std::string topic = message->rkt != nullptr ? rd_kafka_topic_name(message->rkt) : "";
    const auto found =
        remaining.find(std::pair<std::string, std::int32_t>{topic, message->partition});
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (found != remaining.end() && message->offset >= found->second.second) {
        finish(topic, message->partition);
        remaining.erase(found);
      }
      continue;
    }
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return core::fail(kafka_error(message->err, "reading " + topic + "/" +
                                                      std::to_string(message->partition) + ": " +
                                                      rd_kafka_message_errstr(message.get())));
    }
    last_progress = std::chrono::steady_clock::now();
    if (found == remaining.end() || message->offset >= found->second.second) {
      continue;  // after its window (written since the window was taken)
    }
    headers.clear();
    rd_kafka_headers_t* message_headers = nullptr;
    if (rd_kafka_message_headers(message.get(), &message_headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name = nullptr;
      const void* value = nullptr;
      std::size_t size = 0;
      for (std::size_t i = 0; rd_kafka_header_get_all(message_headers, i, &name, &value, &size) ==
                              RD_KAFKA_RESP_ERR_NO_ERROR;
           ++i) {
        headers.emplace_back(name, value == nullptr
                                       ? std::string_view()
                                       : std::string_view(static_cast<const char*>(value), size));
      }
    }
    std::optional<std::string_view> key;
    if (message->key != nullptr) {
      key = std::string_view(static_cast<const char*>(message->key), message->key_len);
    }
    on_record(ConsumedRecord{.topic = topic,
                             .partition = message->partition,
                             .offset = message->offset,
                             .key = key,
                             .headers = headers});
    found->second.first = message->offset + 1;
    if (found->second.first >= found->second.second) {
      finish(topic, message->partition);
      remaining.erase(found);
    }
  }
  static_cast<void>(rd_kafka_assign(consumer, nullptr));
  return {};
}

}  // namespace dispatcher::adapters::kafka
