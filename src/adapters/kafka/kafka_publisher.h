#pragma once

#include <memory>
#include <span>
#include <vector>

#include "adapters/kafka/producer_settings.h"
#include "core/clock.h"
#include "core/dispatch/ports.h"
#include "core/result.h"

namespace dispatcher::adapters::kafka {

class ProducerContext;
enum class ProducerMode : unsigned char;

/// Publishes runs of messages through one idempotent librdkafka producer (acks=all, at most 5
/// requests in flight, gapless guarantee), kept until a purge or a fatal error makes it start a
/// new one. Delivery reports are the only proof of delivery. Not thread-safe: one publish() at a
/// time.
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
  /// then waits for all delivery reports. Values are not copied: librdkafka reads them from `runs`
  /// until their reports, and no reference is left when publish() returns. Returns by `deadline`,
  /// everything included: the end of the budget (200 ms, at most a quarter of it) is reserved for
  /// purging whatever is still queued or in flight and serving those reports, so no message is left
  /// in an unknown state or sent later. The producer keeps the gapless guarantee: once a message of
  /// a partition fails, no later message of that partition is delivered by the same producer; it
  /// stops (fatal), and the messages it stopped with are sent again in the same call on a new
  /// producer. A message the broker refuses for good with its batch is sent again alone (one
  /// message per request, the next message of its run only after its verdict) before it is reported
  /// permanent, so messages batched with an oversized one are delivered. Outcome i: the length of
  /// the prefix of runs[i] confirmed by successful reports, and the error of the first message that
  /// was not (service "kafka", code = librdkafka's error name, classified once in
  /// kafka_error_kind): permanent only for a message refused alone, or refused by librdkafka's own
  /// checks; retryable for what the deadline, a broker fault or a fatal producer error cut short. A
  /// fatal error or a purge makes the next call start with a new producer (new idempotence epoch).
  [[nodiscard]] std::vector<core::dispatch::PublishOutcome> publish(
      std::span<const core::dispatch::PublishRun> runs, core::Deadline deadline) override;

 private:
  struct Producer;  // librdkafka's handle, kept out of this header (kafka_publisher.cc)
  struct RunProgress;
  struct Segment;

  KafkaPublisher(ProducerSettings settings, std::unique_ptr<ProducerContext> context);

  /// Replaces the producer by a new one built from settings_ for `mode`.
  [[nodiscard]] core::Status build_producer(ProducerMode mode);

  // One attempt: enqueues the segments on the current producer, awaits their reports and records
  // in `progress` what was delivered, what is settled and what the next attempt sends again.
  void publish_segments(std::span<const core::dispatch::PublishRun> runs,
                        std::span<const Segment> segments, ProducerMode mode,
                        core::Deadline purge_at, core::Deadline deadline,
                        std::vector<RunProgress>& progress);

  // Gives the producer a new SASL/OAUTHBEARER token when the last one is (nearly) expired.
  void refresh_token_if_needed();

  // Messages are enqueued without a copy of their value: when reports are still missing at the
  // end of a wave, destroys the producer so librdkafka holds no pointer into the caller's runs.
  void release_unreported_messages();

  ProducerSettings settings_;
  core::SystemClock clock_;  // librdkafka waits in real time, so deadlines are real time too
  // Declared before producer_ so it outlives it: librdkafka's callbacks point into it.
  std::unique_ptr<ProducerContext> context_;
  std::unique_ptr<Producer> producer_;
  ProducerMode producer_mode_{};
  bool rebuild_before_next_wave_ = false;
};

}  // namespace dispatcher::adapters::kafka
