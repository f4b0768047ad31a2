#include "adapters/kafka/kafka_publisher.h"

#include <sys/types.h>
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "adapters/kafka/kafka_error.h"
#include "core/aws/msk_iam_token.h"

namespace dispatcher::adapters::kafka {

namespace {

using core::dispatch::OutgoingMessage;
using core::dispatch::PublishOutcome;
using core::dispatch::PublishRun;
using std::chrono::milliseconds;

// The longest single wait, so a fatal error is noticed soon after it is raised.
constexpr milliseconds kWaitSlice{100};
// The end of every publish() reserved for purging what is left and serving the purged messages'
// reports (librdkafka makes them locally, at once); at most a quarter of a short budget.
constexpr milliseconds kPurgeReserve{200};
// After a fatal error: how long in-flight requests may still bring their real outcome before they
// are purged (a purged in-flight message may have been stored: re-sending it is a duplicate).
constexpr milliseconds kFatalInFlightWait{500};
// Attempts within one publish(): each attempt after the first follows a refused batch or a
// gapless stop and settles at least one message, and all of them end at the purge; this only
// bounds a pathological wave.
constexpr int kMaxAttempts = 10000;
// Serve delivery reports this often while enqueueing a large wave, so the report queue stays short.
constexpr std::size_t kPollEveryMessages = 1000;
constexpr std::size_t kErrorTextSize = 512;

static_assert(sizeof(std::uintptr_t) >= sizeof(std::uint64_t),
              "message tags pack a wave number and an index into a pointer-sized opaque");

int wait_milliseconds(std::chrono::steady_clock::duration remaining, milliseconds cap) {
  const auto wait =
      std::clamp(std::chrono::ceil<milliseconds>(remaining), milliseconds::zero(), cap);
  return static_cast<int>(wait.count());
}

// Rounded down, for the last waits before the deadline itself.
int wait_milliseconds_floor(std::chrono::steady_clock::duration remaining, milliseconds cap) {
  const auto wait =
      std::clamp(std::chrono::floor<milliseconds>(remaining), milliseconds::zero(), cap);
  return static_cast<int>(wait.count());
}

}  // namespace

/// What librdkafka's callbacks reach through their opaque pointer: the log sink and the reports of
/// the current wave. Delivery reports are served only inside rd_kafka_poll/flush on the publishing
/// thread; log lines come from any thread and only read immutable members.
class ProducerContext {
 public:
  struct Report {
    bool arrived = false;
    rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  };

  ProducerContext(KafkaLogSink log_sink, std::vector<std::string> secret_values,
                  OAuthBearerTokenProvider token_provider)
      : log_sink_(log_sink ? std::move(log_sink) : KafkaLogSink(write_kafka_log_to_stderr)),
        secret_values_(std::move(secret_values)),
        token_provider_(std::move(token_provider)) {}

  [[nodiscard]] bool has_token_provider() const { return static_cast<bool>(token_provider_); }

  /// Asks the provider for a token and hands it (or the failure) to `producer`. Called from
  /// librdkafka's refresh callback (inside poll, on the publishing thread) and from publish().
  void refresh_token(rd_kafka_t& producer) {
    constexpr int kWarningLevel = 4;
    auto token = token_provider_();
    if (!token) {
      const std::string reason = redact(token.error().describe());
      log(kWarningLevel, "OAUTHBEARER", "cannot make a SASL/OAUTHBEARER token: " + reason);
      rd_kafka_oauthbearer_set_token_failure(&producer, reason.c_str());
      return;
    }
    const auto expiry_ms =
        std::chrono::duration_cast<milliseconds>(token->expiry.time_since_epoch()).count();
    std::array<char, kErrorTextSize> reason{};
    const rd_kafka_resp_err_t result = rd_kafka_oauthbearer_set_token(
        &producer, token->value.c_str(), static_cast<int64_t>(expiry_ms), token->principal.c_str(),
        nullptr, 0, reason.data(), reason.size());
    if (result != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // librdkafka's reason may quote the token.
      log(kWarningLevel, "OAUTHBEARER",
          std::string("librdkafka refused the SASL/OAUTHBEARER token: ") +
              rd_kafka_err2name(result));
      rd_kafka_oauthbearer_set_token_failure(&producer, rd_kafka_err2name(result));
      return;
    }
    token_expiry_ = token->expiry;
  }

  /// Keeps the latest client-level error (authentication, TLS, transport), already redacted, so
  /// an undelivered message's error can say why the brokers could not be reached. Served in poll
  /// on the publishing thread.
  void note_broker_error(rd_kafka_resp_err_t code, std::string text) {
    last_broker_error_code_ = code;
    last_broker_error_ = std::move(text);
  }
  [[nodiscard]] const std::string& last_broker_error() const { return last_broker_error_; }
  [[nodiscard]] rd_kafka_resp_err_t last_broker_error_code() const {
    return last_broker_error_code_;
  }

  /// True when no token was set yet or the last one is within the refresh margin of expiry.
  [[nodiscard]] bool token_needs_refresh(std::chrono::system_clock::time_point now) const {
    return !token_expiry_ || core::aws::token_needs_refresh(*token_expiry_, now);
  }

  void begin_wave(std::size_t message_count) {
    ++wave_;
    last_broker_error_.clear();
    last_broker_error_code_ = RD_KAFKA_RESP_ERR_NO_ERROR;
    reports_.assign(message_count, Report{});
    pending_ = 0;
  }

  // The per-message opaque: the wave number guards against a report of an earlier wave (which
  // would mean a bug elsewhere) being counted as proof for a message of this one.
  [[nodiscard]] void* tag(std::size_t index) const {
    const std::uint64_t packed = (std::uint64_t{wave_} << 32U) | static_cast<std::uint32_t>(index);
    return reinterpret_cast<void*>(static_cast<std::uintptr_t>(packed));
  }

  void expect_report() { ++pending_; }

  void record_report(const void* tag, rd_kafka_resp_err_t error) {
    const std::uint64_t packed = reinterpret_cast<std::uintptr_t>(tag);
    const std::size_t index = packed & 0xFFFFFFFFU;
    if ((packed >> 32U) != wave_ || index >= reports_.size() || reports_[index].arrived) {
      return;
    }
    reports_[index] = Report{.arrived = true, .error = error};
    --pending_;
  }

  [[nodiscard]] std::size_t pending() const { return pending_; }
  [[nodiscard]] const Report& report(std::size_t index) const { return reports_[index]; }

  /// Scrubs every secret value out of `message` before the sink sees it.
  void log(int level, std::string_view facility, std::string_view message) const {
    const std::string scrubbed = redact(message);
    log_sink_(KafkaLogLine{.level = level, .facility = facility, .message = scrubbed});
  }

  [[nodiscard]] std::string redact(std::string_view text) const {
    std::string result(text);
    for (const std::string& secret : secret_values_) {
      if (secret.empty()) {
        continue;
      }
      for (auto at = result.find(secret); at != std::string::npos;
           at = result.find(secret, at + 3)) {
        result.replace(at, secret.size(), "***");
      }
    }
    return result;
  }

 private:
  KafkaLogSink log_sink_;
  std::vector<std::string> secret_values_;
  OAuthBearerTokenProvider token_provider_;
  std::optional<std::chrono::system_clock::time_point> token_expiry_;
  std::string last_broker_error_;
  rd_kafka_resp_err_t last_broker_error_code_ = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::uint32_t wave_ = 0;
  std::vector<Report> reports_;
  std::size_t pending_ = 0;
};

namespace {

void on_delivery_report(rd_kafka_t* /*producer*/, const rd_kafka_message_t* message, void* opaque) {
  static_cast<ProducerContext*>(opaque)->record_report(message->_private, message->err);
}

void on_log(const rd_kafka_t* producer, int level, const char* facility, const char* text) {
  const std::string_view line(text);
  if (std::string_view(facility) == "CONFWARN" &&
      line.find("enable.gapless.guarantee is experimental") != std::string_view::npos) {
    return;  // set on purpose, on every producer: a warning at each rebuild would be noise
  }
  const auto* context = static_cast<const ProducerContext*>(rd_kafka_opaque(producer));
  context->log(level, facility, text);
}

void on_token_refresh(rd_kafka_t* producer, const char* /*oauthbearer_config*/, void* opaque) {
  static_cast<ProducerContext*>(opaque)->refresh_token(*producer);
}

void on_error(rd_kafka_t* /*producer*/, int code, const char* reason, void* opaque) {
  constexpr int kErrorLevel = 3;
  const auto error = static_cast<rd_kafka_resp_err_t>(code);
  auto* context = static_cast<ProducerContext*>(opaque);
  const std::string text = std::string(rd_kafka_err2name(error)) + ": " + reason;
  context->log(kErrorLevel, "ERROR", text);
  if (error == RD_KAFKA_RESP_ERR__AUTHENTICATION || error == RD_KAFKA_RESP_ERR__SSL ||
      error == RD_KAFKA_RESP_ERR__TRANSPORT || error == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    // "all brokers down" follows the real cause; keep the cause.
    if (error != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || context->last_broker_error().empty()) {
      // librdkafka reports a failed certificate check as _SSL or, depending on where in the
      // handshake it fails, as _TRANSPORT with OpenSSL's reason: both are the same TLS fault,
      // which no retry mends. Other transport errors (an EOF mid-handshake) stay transient.
      const bool certificate_refused =
          error == RD_KAFKA_RESP_ERR__TRANSPORT &&
          std::string_view(reason).find("certificate verify failed") != std::string_view::npos;
      context->note_broker_error(certificate_refused ? RD_KAFKA_RESP_ERR__SSL : error,
                                 context->redact(text));
    }
  }
}

// Enqueues one message. librdkafka copies the key and the headers (it always does) but not the
// value: it points into `message`, which the caller keeps alive until the message's delivery
// report (publish() returns only when every report is in, or after destroying the producer), so
// the value goes from the decoded page to the wire buffer without a copy of ours.
rd_kafka_resp_err_t enqueue(rd_kafka_t& producer, const OutgoingMessage& message, void* tag) {
  KafkaHeaders headers(rd_kafka_headers_new(message.headers.size()));
  for (const auto& [name, value] : message.headers) {
    rd_kafka_header_add(headers.get(), name.data(), static_cast<ssize_t>(name.size()), value.data(),
                        static_cast<ssize_t>(value.size()));
  }
  std::array<rd_kafka_vu_t, 6> values{};
  values[0].vtype = RD_KAFKA_VTYPE_TOPIC;
  values[0].u.cstr = message.topic.c_str();
  // librdkafka takes void* but only reads (no RD_KAFKA_MSG_F_FREE).
  values[1].vtype = RD_KAFKA_VTYPE_KEY;
  values[1].u.mem = {.ptr = const_cast<char*>(message.key.data()), .size = message.key.size()};
  values[2].vtype = RD_KAFKA_VTYPE_VALUE;
  values[2].u.mem = {.ptr = const_cast<char*>(message.value.data()), .size = message.value.size()};
  values[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  values[3].u.i = 0;  // no RD_KAFKA_MSG_F_COPY: see above
  values[4].vtype = RD_KAFKA_VTYPE_HEADERS;
  values[4].u.headers = headers.get();
  values[5].vtype = RD_KAFKA_VTYPE_OPAQUE;
  values[5].u.ptr = tag;
  const KafkaErrorObject error(rd_kafka_produceva(&producer, values.data(), values.size()));
  if (!error) {
    static_cast<void>(headers.release());  // now owned by the queued message
    return RD_KAFKA_RESP_ERR_NO_ERROR;
  }
  return rd_kafka_error_code(error.get());
}

bool is_purged(rd_kafka_resp_err_t error) {
  return error == RD_KAFKA_RESP_ERR__PURGE_QUEUE || error == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT;
}

// Errors a message gets because the producer's idempotence state broke, not because of it.
bool is_producer_state_error(rd_kafka_resp_err_t error) {
  return is_purged(error) || error == RD_KAFKA_RESP_ERR__FATAL ||
         error == RD_KAFKA_RESP_ERR__GAPLESS_GUARANTEE ||
         error == RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER ||
         error == RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID ||
         error == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
}

// The settings of the producer that sends messages of a refused batch again, one per request, so
// the broker's verdict is about that message alone.
constexpr std::array<std::pair<const char*, const char*>, 3> kOneMessagePerRequest{{
    {"batch.num.messages", "1"},
    {"linger.ms", "0"},
    {"max.in.flight.requests.per.connection", "1"},
}};

core::Error as_retryable(core::Error error) {
  error.kind = core::ErrorKind::kRetryable;
  return error;
}

}  // namespace

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

core::Error settings_error(std::string message) {
  core::Error error = core::permanent_error("InvalidKafkaSettings", std::move(message));
  error.service = "config";
  return error;
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
  auto conf = make_producer_config(settings_);
  if (!conf) {
    return core::fail(conf.error());
  }
  if (mode == ProducerMode::kOneMessagePerRequest) {
    for (const auto& [name, value] : kOneMessagePerRequest) {
      std::array<char, kErrorTextSize> refused{};
      if (rd_kafka_conf_set(conf->get(), name, value, refused.data(), refused.size()) !=
          RD_KAFKA_CONF_OK) {
        return core::fail(settings_error(std::string("Kafka property \"") + name +
                                         "\" was refused by librdkafka: " + refused.data()));
      }
    }
  }
  rd_kafka_conf_set_opaque(conf->get(), context_.get());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), on_delivery_report);
  rd_kafka_conf_set_log_cb(conf->get(), on_log);
  rd_kafka_conf_set_error_cb(conf->get(), on_error);
  if (context_->has_token_provider()) {
    rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf->get(), on_token_refresh);
  }
  std::array<char, kErrorTextSize> reason{};
  KafkaHandle producer(rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), reason.data(), reason.size()));
  if (!producer) {
    return core::fail(
        settings_error("Kafka producer could not be created: " + context_->redact(reason.data())));
  }
  static_cast<void>(conf->release());  // rd_kafka_new took it
  producer_ = std::move(producer);
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
      rd_kafka_resp_err_t error = enqueue(*producer_, messages[message], tag);
      // A full local queue drains as reports arrive: serve them and try again until the purge.
      while (error == RD_KAFKA_RESP_ERR__QUEUE_FULL && clock_.now() < purge_at) {
        rd_kafka_poll(producer_.get(), wait_milliseconds(purge_at - clock_.now(), kWaitSlice));
        error = enqueue(*producer_, messages[message], tag);
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
        rd_kafka_poll(producer_.get(), 0);
      }
    }
  }

  await_reports(purge_at, deadline);

  std::array<char, kErrorTextSize> fatal_text{};
  const rd_kafka_resp_err_t fatal =
      rd_kafka_fatal_error(producer_.get(), fatal_text.data(), fatal_text.size());
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
      const rd_kafka_resp_err_t error = *enqueue_error[index];
      if (gapless_stop && is_producer_state_error(error)) {
        state.error = as_retryable(kafka_error(error, "enqueueing " + what +
                                                          " failed (producer "
                                                          "stopped: " +
                                                          fatal_reason + ")"));
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
                      what + " not delivered: the producer stopped after another message failed (" +
                          fatal_reason + ")"));
      continue;
    }
    state.settled = true;
    if (!fatal_reason.empty() && (!report.arrived || is_purged(report.error))) {
      // Purged because the producer broke, not because of the deadline: say so.
      state.error =
          kafka_error(RD_KAFKA_RESP_ERR__FATAL,
                      what + " not delivered (producer fatal error " + fatal_reason + ")");
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
    context_->refresh_token(*producer_);
  }
}

void KafkaPublisher::await_reports(core::Deadline purge_at, core::Deadline deadline) {
  const auto is_fatal = [this] {
    return rd_kafka_fatal_error(producer_.get(), nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR;
  };
  // rd_kafka_flush serves delivery reports and returns early once every message is reported.
  while (context_->pending() > 0 && clock_.now() < purge_at && !is_fatal()) {
    rd_kafka_flush(producer_.get(), wait_milliseconds(purge_at - clock_.now(), kWaitSlice));
  }
  if (context_->pending() > 0 && is_fatal()) {
    // librdkafka fails the queued messages itself; requests in flight still bring their outcome.
    const auto wait_end = std::min(purge_at, clock_.now() + kFatalInFlightWait);
    while (context_->pending() > 0 && clock_.now() < wait_end) {
      rd_kafka_poll(producer_.get(), wait_milliseconds(wait_end - clock_.now(), kWaitSlice));
    }
  }
  if (context_->pending() == 0) {
    return;
  }
  // Out of time (or the producer is broken): fail what is left, locally, and serve those reports
  // in the reserved end of the budget, so every message of the wave ends with a known outcome
  // and none is sent later.
  rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  while (context_->pending() > 0 && clock_.now() < deadline) {
    rd_kafka_poll(producer_.get(), wait_milliseconds_floor(deadline - clock_.now(), kWaitSlice));
  }
  // Purged in-flight requests leave the idempotence sequence with a hole the broker may or may
  // not have seen: a new producer (new producer id) starts the next wave from a clean state.
  rebuild_before_next_wave_ = true;
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
