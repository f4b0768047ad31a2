#pragma once

// Internal to the Kafka adapter (it exposes librdkafka): the state librdkafka's callbacks reach,
// and the calls that build a producer around it and hand it one message.

#include <librdkafka/rdkafka.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/kafka/kafka_client_options.h"
#include "adapters/kafka/kafka_handles.h"
#include "adapters/kafka/producer_settings.h"
#include "core/aws/msk_iam_token.h"
#include "core/clock.h"
#include "core/dispatch/ports.h"
#include "core/result.h"

namespace dispatcher::adapters::kafka {

/// Room for the error texts librdkafka writes into a caller's buffer.
constexpr std::size_t kErrorTextSize = 512;

static_assert(sizeof(std::uintptr_t) >= sizeof(std::uint64_t),
              "message tags pack a wave number and an index into a pointer-sized opaque");

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
        std::chrono::duration_cast<std::chrono::milliseconds>(token->expiry.time_since_epoch())
            .count();
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
    // NOLINTNEXTLINE(*-reinterpret-cast,performance-no-int-to-ptr): a number, never dereferenced
    return reinterpret_cast<void*>(static_cast<std::uintptr_t>(packed));
  }

  void expect_report() { ++pending_; }

  void record_report(const void* tag, rd_kafka_resp_err_t error) {
    // NOLINTNEXTLINE(*-reinterpret-cast,modernize-use-auto): the number tag() packed, handed back
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
    return redact_secrets(text, secret_values_);
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

/// The longest single wait, so a fatal error is noticed soon after it is raised.
constexpr std::chrono::milliseconds kWaitSlice{100};

/// `remaining`, rounded up to whole milliseconds, within [0, cap]: a librdkafka timeout.
[[nodiscard]] int wait_milliseconds(std::chrono::steady_clock::duration remaining,
                                    std::chrono::milliseconds cap);

/// Serves the wave's delivery reports until `purge_at` (or, after a fatal error, a short wait for
/// the requests in flight), then purges what is left and serves the purged reports until
/// `deadline`, so every message of the wave ends with a known outcome and none is sent later.
/// True when it purged: the idempotence sequence may have a hole, so the next wave needs a new
/// producer.
[[nodiscard]] bool await_reports(rd_kafka_t& producer, const ProducerContext& context,
                                 const core::Clock& clock, core::Deadline purge_at,
                                 core::Deadline deadline);

/// How a producer sends: with the settings as given, or one message per produce request with one
/// request in flight, so the broker's verdict on a refused batch's message is about it alone.
enum class ProducerMode : unsigned char { kBatching, kOneMessagePerRequest };

/// A new producer for `settings` in `mode`, whose callbacks report to `context` (which must
/// outlive it). Error: permanent "InvalidKafkaSettings" naming what librdkafka refused.
[[nodiscard]] core::Result<KafkaHandle> make_producer(const ProducerSettings& settings,
                                                      ProducerMode mode, ProducerContext& context);

/// Enqueues one message tagged `tag`. librdkafka copies the key and the headers but not the
/// value, which it reads from `message` until the message's delivery report.
[[nodiscard]] rd_kafka_resp_err_t enqueue(rd_kafka_t& producer,
                                          const core::dispatch::OutgoingMessage& message,
                                          void* tag);

}  // namespace dispatcher::adapters::kafka
