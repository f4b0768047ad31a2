#include "adapters/kafka/kafka_publisher.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "adapters/kafka/kafka_error.h"
#include "adapters/kafka/producer_context.h"

namespace dispatcher::adapters::kafka {

namespace {

using core::dispatch::OutgoingMessage;
using core::dispatch::PublishOutcome;
using core::dispatch::PublishRun;
using std::chrono::milliseconds;

// The end of every publish() reserved for purging what is left and serving the purged messages'
// reports (librdkafka makes them locally, at once); at most a quarter of a short budget.
constexpr milliseconds kPurgeReserve{200};
// Attempts within one publish(): each attempt after the first follows a refused batch or a
// gapless stop and settles at least one message, and all of them end at the purge; this only
// bounds a pathological wave.
constexpr int kMaxAttempts = 10000;
// Serve delivery reports this often while enqueueing a large wave, so the report queue stays short.
constexpr std::size_t kPollEveryMessages = 1000;

core::Error as_retryable(core::Error error) {
  error.kind = core::ErrorKind::kRetryable;
  return error;
}

}  // namespace

struct KafkaPublisher::Producer {
  KafkaHandle handle;
};

// What is left to do for one run within a publish().
struct KafkaPublisher::RunProgress {
  std::size_t delivered = 0;
  // messages [delivered, alone_until) were refused in a batch: they are sent again one per request
  // before any of them is called permanent.
  std::size_t alone_until = 0;
  bool settled = false;
  // The outcome's error: final once settled; before that, what to report if no time is left.
  std::optional<core::Error> error;
};

// A part of a run handed to librdkafka in one attempt: runs[run].messages[first, end).
struct KafkaPublisher::Segment {
  std::size_t run = 0;
  std::size_t first = 0;
  std::size_t end = 0;
};

namespace {

std::string describe_message(std::size_t run_index, std::size_t message_index,
                             const OutgoingMessage& message) {
  return "message " + std::to_string(message_index) + " of run " + std::to_string(run_index) +
         " (topic \"" + message.topic + "\", key \"" + message.key + "\")";
}

}  // namespace

core::Result<std::unique_ptr<KafkaPublisher>> KafkaPublisher::create(ProducerSettings settings,
                                                                     KafkaLogSink log_sink) {
  if (auto checked = check_producer_settings(settings); !checked) {
    return core::fail(checked.error());
  }
  std::vector<std::string> secret_values;
  for (const auto& [name, value] : settings.extra_properties) {
    if (is_sensitive_property(name)) {
      secret_values.push_back(value);
    }
  }
  auto context = std::make_unique<ProducerContext>(std::move(log_sink), std::move(secret_values),
                                                   settings.oauthbearer_token_provider);
  constexpr int kWarningLevel = 4;
  for (const std::string& warning : settings.startup_warnings) {
    context->log(kWarningLevel, "CONFWARN", warning);
  }
  std::unique_ptr<KafkaPublisher> publisher(
      new KafkaPublisher(std::move(settings), std::move(context)));
  if (auto built = publisher->build_producer(ProducerMode::kBatching); !built) {
    return core::fail(built.error());
  }
  return publisher;
}

KafkaPublisher::KafkaPublisher(ProducerSettings settings, std::unique_ptr<ProducerContext> context)
    : settings_(std::move(settings)), context_(std::move(context)) {}

KafkaPublisher::~KafkaPublisher() = default;

core::Status KafkaPublisher::build_producer(ProducerMode mode) {
  producer_.reset();  // the old one first, so its last log lines come before the new one's
  auto producer = make_producer(settings_, mode, *context_);
  if (!producer) {
    return core::fail(producer.error());
  }
  producer_ = std::make_unique<Producer>(std::move(*producer));
  producer_mode_ = mode;
  rebuild_before_next_wave_ = false;
  return {};
}

std::vector<PublishOutcome> KafkaPublisher::publish(std::span<const PublishRun> runs,
                                                    core::Deadline deadline) {
  // Everything, purge and its reports included, fits before `deadline`: the purge is reserved
  // inside the budget, not added after it.
  const auto started = clock_.now();
  const auto reserve = std::clamp(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>((deadline - started) / 4),
      std::chrono::steady_clock::duration::zero(),
      std::chrono::steady_clock::duration(kPurgeReserve));
  const core::Deadline purge_at = deadline - reserve;

  std::vector<RunProgress> progress(runs.size());
  for (std::size_t run = 0; run < runs.size(); ++run) {
    progress[run].settled = runs[run].messages.empty();
  }
  // The producer is ready (and its token fresh) even for a wave with nothing to send, so a
  // broken or stale one is replaced between invocations rather than inside a busy one.
  if (rebuild_before_next_wave_ || !producer_) {
    if (auto built = build_producer(ProducerMode::kBatching); !built) {
      std::vector<PublishOutcome> outcomes(runs.size());
      for (std::size_t run = 0; run < runs.size(); ++run) {
        if (!runs[run].messages.empty()) {
          outcomes[run].error = as_retryable(built.error());  // the settings worked at start-up
        }
      }
      return outcomes;
    }
  }
  refresh_token_if_needed();
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    // Messages of refused batches go first, alone, and one per run at a time: nothing of a run may
    // be on the wire behind a message whose verdict is pending, because a broker takes any first
    // sequence number from a producer it has no state for (a new producer after a stop), so the
    // gapless guarantee alone would not keep the next message back. The rest follows batched.
    std::vector<Segment> segments;
    for (std::size_t run = 0; run < runs.size(); ++run) {
      const RunProgress& state = progress[run];
      if (!state.settled && state.alone_until > state.delivered) {
        segments.push_back(
            Segment{.run = run, .first = state.delivered, .end = state.delivered + 1});
      }
    }
    const ProducerMode mode =
        segments.empty() ? ProducerMode::kBatching : ProducerMode::kOneMessagePerRequest;
    if (segments.empty()) {
      for (std::size_t run = 0; run < runs.size(); ++run) {
        if (!progress[run].settled) {
          segments.push_back(Segment{
              .run = run, .first = progress[run].delivered, .end = runs[run].messages.size()});
        }
      }
    }
    if (segments.empty() || clock_.now() >= purge_at) {
      break;
    }
    if (rebuild_before_next_wave_ || !producer_ || producer_mode_ != mode) {
      if (auto built = build_producer(mode); !built) {
        // The same settings worked at start-up.
        for (const Segment& segment : segments) {
          progress[segment.run].error = as_retryable(built.error());
          progress[segment.run].settled = true;
        }
        break;
      }
    }
    publish_segments(runs, segments, mode, purge_at, deadline, progress);
  }

  std::vector<PublishOutcome> outcomes(runs.size());
  for (std::size_t run = 0; run < runs.size(); ++run) {
    RunProgress& state = progress[run];
    outcomes[run].delivered = state.delivered;
    if (state.delivered < runs[run].messages.size()) {
      outcomes[run].error =
          state.error ? std::move(state.error)
                      : kafka_error(RD_KAFKA_RESP_ERR__TIMED_OUT,
                                    "no time was left to send " +
                                        describe_message(run, state.delivered,
                                                         runs[run].messages[state.delivered]) +
                                        " before the deadline");
    }
  }
  return outcomes;
}

void KafkaPublisher::publish_segments(std::span<const PublishRun> runs,
                                      std::span<const Segment> segments, ProducerMode mode,
                                      core::Deadline purge_at, core::Deadline deadline,
                                      std::vector<RunProgress>& progress) {
  refresh_token_if_needed();

  std::vector<std::size_t> first_tag(segments.size());
  std::size_t message_count = 0;
  for (std::size_t index = 0; index < segments.size(); ++index) {
    first_tag[index] = message_count;
    message_count += segments[index].end - segments[index].first;
  }
  context_->begin_wave(message_count);

  // enqueued[i]: how many messages of segment i were handed to librdkafka; enqueue_error[i]: why
  // the next one was not.
  std::vector<std::size_t> enqueued(segments.size(), 0);
  std::vector<std::optional<rd_kafka_resp_err_t>> enqueue_error(segments.size());
  std::size_t since_poll = 0;
  for (std::size_t index = 0; index < segments.size(); ++index) {
    const Segment& segment = segments[index];
    const auto& messages = runs[segment.run].messages;
    for (std::size_t message = segment.first; message < segment.end; ++message) {
      void* tag = context_->tag(first_tag[index] + (message - segment.first));
      rd_kafka_resp_err_t error = enqueue(*producer_->handle, messages[message], tag);
      // A full local queue drains as reports arrive: serve them and try again until the purge.
      while (error == RD_KAFKA_RESP_ERR__QUEUE_FULL && clock_.now() < purge_at) {
        rd_kafka_poll(producer_->handle.get(),
                      wait_milliseconds(purge_at - clock_.now(), kWaitSlice));
        error = enqueue(*producer_->handle, messages[message], tag);
      }
      if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        // Nothing after this message may be enqueued, or it could overtake it.
        enqueue_error[index] = error;
        break;
      }
      context_->expect_report();
      ++enqueued[index];
      if (++since_poll == kPollEveryMessages) {
        since_poll = 0;
        rd_kafka_poll(producer_->handle.get(), 0);
      }
    }
  }

  if (await_reports(*producer_->handle, *context_, clock_, purge_at, deadline)) {
    rebuild_before_next_wave_ = true;
  }

  std::array<char, kErrorTextSize> fatal_text{};
  const rd_kafka_resp_err_t fatal =
      rd_kafka_fatal_error(producer_->handle.get(), fatal_text.data(), fatal_text.size());
  const std::string fatal_reason =
      fatal == RD_KAFKA_RESP_ERR_NO_ERROR
          ? std::string()
          : std::string(rd_kafka_err2name(fatal)) + ": " + context_->redact(fatal_text.data());
  if (fatal != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rebuild_before_next_wave_ = true;
  }
  // The gapless guarantee stopped the producer after one message failed for good: the messages
  // it stopped with it are sent again by the next attempt, on a new producer.
  const bool gapless_stop = fatal == RD_KAFKA_RESP_ERR__GAPLESS_GUARANTEE;

  for (std::size_t index = 0; index < segments.size(); ++index) {
    const Segment& segment = segments[index];
    const auto& messages = runs[segment.run].messages;
    RunProgress& state = progress[segment.run];
    std::size_t confirmed = 0;
    while (confirmed < enqueued[index]) {
      const auto& report = context_->report(first_tag[index] + confirmed);
      if (!report.arrived || report.error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        break;
      }
      ++confirmed;
    }
    state.delivered = segment.first + confirmed;
    if (state.delivered == segment.end) {
      state.error.reset();
      state.settled = state.delivered == messages.size();
      continue;
    }
    const std::string what =
        describe_message(segment.run, state.delivered, messages[state.delivered]);
    if (confirmed == enqueued[index]) {
      // Not enqueued: the error came from librdkafka's own checks.
      const rd_kafka_resp_err_t error = enqueue_error[index].value_or(RD_KAFKA_RESP_ERR__FAIL);
      if (gapless_stop && is_producer_state_error(error)) {
        state.error = as_retryable(kafka_error(error, std::string("enqueueing ")
                                                          .append(what)
                                                          .append(" failed (producer stopped: ")
                                                          .append(fatal_reason)
                                                          .append(")")));
      } else {
        state.error = kafka_error(error, "enqueueing " + what + " failed");
        state.settled = true;
      }
      continue;
    }
    const auto& report = context_->report(first_tag[index] + confirmed);
    const bool refused = report.arrived && !is_producer_state_error(report.error) &&
                         kafka_error_kind(report.error) == core::ErrorKind::kPermanent;
    if (refused && mode == ProducerMode::kBatching) {
      // The broker judges a whole batch: the refusal may be a neighbour's. Every message of the
      // segment it refused is sent again alone before any is called permanent.
      std::size_t last_refused = confirmed;
      for (std::size_t later = confirmed; later < enqueued[index]; ++later) {
        const auto& later_report = context_->report(first_tag[index] + later);
        if (later_report.arrived &&
            kafka_error_kind(later_report.error) == core::ErrorKind::kPermanent) {
          last_refused = later;
        }
      }
      state.alone_until = segment.first + last_refused + 1;
      state.error = as_retryable(kafka_error(
          report.error, "delivery of " + what +
                            " was refused with its batch and could not be retried alone before "
                            "the deadline"));
      continue;
    }
    if (refused) {
      // Sent alone and refused: this message is the cause.
      state.error = kafka_error(report.error, "delivery of " + what + " failed (sent alone)");
      state.settled = true;
      continue;
    }
    if (gapless_stop && (!report.arrived || is_producer_state_error(report.error))) {
      state.error = as_retryable(
          kafka_error(RD_KAFKA_RESP_ERR__FATAL,
                      std::string(what)
                          .append(" not delivered: the producer stopped after another message "
                                  "failed (")
                          .append(fatal_reason)
                          .append(")")));
      continue;
    }
    state.settled = true;
    if (!fatal_reason.empty() && (!report.arrived || is_purged(report.error))) {
      // Purged because the producer broke, not because of the deadline: say so.
      state.error =
          kafka_error(RD_KAFKA_RESP_ERR__FATAL, std::string(what)
                                                    .append(" not delivered (producer fatal error ")
                                                    .append(fatal_reason)
                                                    .append(")"));
    } else if (!report.arrived) {
      state.error = kafka_error(RD_KAFKA_RESP_ERR__TIMED_OUT,
                                "no delivery report for " + what + " even after purging");
    } else {
      state.error = kafka_error(report.error, "delivery of " + what + " failed");
    }
    if ((!report.arrived || is_purged(report.error)) && !context_->last_broker_error().empty()) {
      // Purged at the deadline: the brokers' last error (e.g. authentication) is the reason.
      state.error->message += " (last broker error " + context_->last_broker_error() + ")";
      // A refused login or TLS handshake is why nothing went out: the error carries that code, so
      // it is classified as the deployment fault it is (failure_scope), not as a slow broker.
      const rd_kafka_resp_err_t cause = context_->last_broker_error_code();
      if (cause == RD_KAFKA_RESP_ERR__AUTHENTICATION || cause == RD_KAFKA_RESP_ERR__SSL) {
        state.error->code = rd_kafka_err2name(cause);
        state.error->kind = kafka_error_kind(cause);
      }
    }
  }
  release_unreported_messages();
}

void KafkaPublisher::refresh_token_if_needed() {
  // librdkafka refreshes the token on its own clock, which does not run while a Lambda is frozen:
  // after a thaw the token may already have expired, so make a fresh one before sending.
  if (context_->has_token_provider() &&
      context_->token_needs_refresh(std::chrono::system_clock::now())) {
    context_->refresh_token(*producer_->handle);
  }
}

void KafkaPublisher::release_unreported_messages() {
  if (context_->pending() == 0) {
    return;
  }
  // A request librdkafka had started writing is not purged (it would corrupt the connection), so
  // its messages may still be unreported at the deadline. Their values point into the caller's
  // messages, which must not outlive publish() in librdkafka's hands: destroying the producer
  // ends every reference now. Their outcome stays unknown (reported as not delivered).
  producer_.reset();
  rebuild_before_next_wave_ = true;
}

}  // namespace dispatcher::adapters::kafka
