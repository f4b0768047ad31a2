#pragma once

#include <memory>
#include <span>
#include <vector>

#include "adapters/kafka/kafka_handles.h"
#include "adapters/kafka/producer_settings.h"
#include "core/clock.h"
#include "core/dispatch/ports.h"
#include "core/result.h"

namespace dispatcher::adapters::kafka {

class ProducerContext;

/// Publishes runs of messages through one idempotent librdkafka producer (acks=all, at most 5
/// requests in flight), kept for the life of the process. Delivery reports are the only proof of
/// delivery. Not thread-safe: one publish() at a time.
class KafkaPublisher final : public core::dispatch::Publisher {
 public:
  /// Checks `settings` and creates the producer now, so bad settings fail at start-up.
  /// Errors (permanent, service "config", code "InvalidKafkaSettings"): a property that would
  /// weaken ordering or idempotence, or one librdkafka refuses; sensitive values are never shown.
  /// `log_sink` receives librdkafka's log lines scrubbed of secret values (empty: stderr).
  [[nodiscard]] static core::Result<std::unique_ptr<KafkaPublisher>> create(
      ProducerSettings settings, KafkaLogSink log_sink = {});

  KafkaPublisher(const KafkaPublisher&) = delete;
  KafkaPublisher& operator=(const KafkaPublisher&) = delete;
  KafkaPublisher(KafkaPublisher&&) = delete;
  KafkaPublisher& operator=(KafkaPublisher&&) = delete;
  ~KafkaPublisher() override;

  /// Enqueues every run in order (after a message that fails to enqueue, nothing more of its run),
  /// then waits for all delivery reports until `deadline`. At the deadline whatever is still
  /// queued or in flight is purged and its reports awaited, so no message is left in an unknown
  /// state. Outcome i: the length of the prefix of runs[i] confirmed by successful reports, and
  /// the error of the first message that was not (service "kafka", code = librdkafka's error
  /// name, classified once in kafka_error_kind). A fatal producer error, or a purge, makes the
  /// next call start with a new producer (new idempotence epoch); the affected messages are
  /// reported retryable.
  [[nodiscard]] std::vector<core::dispatch::PublishOutcome> publish(
      std::span<const core::dispatch::PublishRun> runs, core::Deadline deadline) override;

 private:
  KafkaPublisher(ProducerSettings settings, std::unique_ptr<ProducerContext> context);

  /// Replaces the producer by a new one built from settings_.
  [[nodiscard]] core::Status build_producer();

  // Waits for the reports of the wave until the deadline, then purges what is left.
  void await_reports(core::Deadline deadline);

  ProducerSettings settings_;
  core::SystemClock clock_;  // librdkafka waits in real time, so deadlines are real time too
  // Declared before producer_ so it outlives it: librdkafka's callbacks point into it.
  std::unique_ptr<ProducerContext> context_;
  KafkaHandle producer_;
  bool rebuild_before_next_wave_ = false;
};

}  // namespace dispatcher::adapters::kafka
