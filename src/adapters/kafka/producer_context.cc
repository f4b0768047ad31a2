#include "adapters/kafka/producer_context.h"

#include <sys/types.h>

#include <algorithm>

#include "adapters/kafka/producer_config.h"

namespace dispatcher::adapters::kafka {
namespace {

using std::chrono::milliseconds;

// After a fatal error: how long in-flight requests may still bring their real outcome before they
// are purged (a purged in-flight message may have been stored: re-sending it is a duplicate).
constexpr milliseconds kFatalInFlightWait{500};

// Rounded down, for the last waits before the deadline itself.
int wait_milliseconds_floor(std::chrono::steady_clock::duration remaining,
                            std::chrono::milliseconds cap) {
  const auto wait =
      std::clamp(std::chrono::floor<milliseconds>(remaining), milliseconds::zero(), cap);
  return static_cast<int>(wait.count());
}

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

// The settings of the producer that sends messages of a refused batch again, one per request.
constexpr std::array<std::pair<const char*, const char*>, 3> kOneMessagePerRequest{{
    {"batch.num.messages", "1"},
    {"linger.ms", "0"},
    {"max.in.flight.requests.per.connection", "1"},
}};

}  // namespace

core::Result<KafkaHandle> make_producer(const ProducerSettings& settings, ProducerMode mode,
                                        ProducerContext& context) {
  auto conf = make_producer_config(settings);
  if (!conf) {
    return core::fail(conf.error());
  }
  if (mode == ProducerMode::kOneMessagePerRequest) {
    for (const auto& [name, value] : kOneMessagePerRequest) {
      std::array<char, kErrorTextSize> refused{};
      if (rd_kafka_conf_set(conf->get(), name, value, refused.data(), refused.size()) !=
          RD_KAFKA_CONF_OK) {
        return core::fail(kafka_settings_error(std::string("Kafka property \"") + name +
                                               "\" was refused by librdkafka: " + refused.data()));
      }
    }
  }
  rd_kafka_conf_set_opaque(conf->get(), &context);
  rd_kafka_conf_set_dr_msg_cb(conf->get(), on_delivery_report);
  rd_kafka_conf_set_log_cb(conf->get(), on_log);
  rd_kafka_conf_set_error_cb(conf->get(), on_error);
  if (context.has_token_provider()) {
    rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf->get(), on_token_refresh);
  }
  std::array<char, kErrorTextSize> reason{};
  KafkaHandle producer(rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), reason.data(), reason.size()));
  if (!producer) {
    return core::fail(kafka_settings_error("Kafka producer could not be created: " +
                                           context.redact(reason.data())));
  }
  static_cast<void>(conf->release());  // NOLINT(bugprone-unused-return-value): rd_kafka_new took it
  return producer;
}

// librdkafka always copies the key and the headers, never the value here: it points into `message`,
// which the caller keeps alive until the message's delivery report (publish() returns only when
// every report is in, or after destroying the producer), so the value goes from the decoded page to
// the wire buffer without a copy of ours.
rd_kafka_resp_err_t enqueue(rd_kafka_t& producer, const core::dispatch::OutgoingMessage& message,
                            void* tag) {
  KafkaHeaders headers(rd_kafka_headers_new(message.headers.size()));
  for (const auto& [name, value] : message.headers) {
    rd_kafka_header_add(headers.get(), name.data(), static_cast<ssize_t>(name.size()), value.data(),
                        static_cast<ssize_t>(value.size()));
  }
  // NOLINTBEGIN(*-union-access,*-const-cast): librdkafka's tagged union, read-only void*
  // rd_kafka_vu_t is librdkafka's tagged union (vtype says which member), and it takes void* for
  // the key and value it only reads (no RD_KAFKA_MSG_F_FREE).
  std::array<rd_kafka_vu_t, 6> values{};
  values[0].vtype = RD_KAFKA_VTYPE_TOPIC;
  values[0].u.cstr = message.topic.c_str();
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
  // NOLINTEND(*-union-access,*-const-cast)
  const KafkaErrorObject error(rd_kafka_produceva(&producer, values.data(), values.size()));
  if (!error) {
    // NOLINTNEXTLINE(bugprone-unused-return-value): now owned by the queued message
    static_cast<void>(headers.release());
    return RD_KAFKA_RESP_ERR_NO_ERROR;
  }
  return rd_kafka_error_code(error.get());
}

int wait_milliseconds(std::chrono::steady_clock::duration remaining, milliseconds cap) {
  const auto wait =
      std::clamp(std::chrono::ceil<milliseconds>(remaining), milliseconds::zero(), cap);
  return static_cast<int>(wait.count());
}

bool await_reports(rd_kafka_t& producer, const ProducerContext& context, const core::Clock& clock,
                   core::Deadline purge_at, core::Deadline deadline) {
  const auto is_fatal = [&producer] {
    return rd_kafka_fatal_error(&producer, nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR;
  };
  // rd_kafka_flush serves delivery reports and returns early once every message is reported.
  while (context.pending() > 0 && clock.now() < purge_at && !is_fatal()) {
    rd_kafka_flush(&producer, wait_milliseconds(purge_at - clock.now(), kWaitSlice));
  }
  if (context.pending() > 0 && is_fatal()) {
    // librdkafka fails the queued messages itself; requests in flight still bring their outcome.
    const auto wait_end = std::min(purge_at, clock.now() + kFatalInFlightWait);
    while (context.pending() > 0 && clock.now() < wait_end) {
      rd_kafka_poll(&producer, wait_milliseconds(wait_end - clock.now(), kWaitSlice));
    }
  }
  if (context.pending() == 0) {
    return false;
  }
  // Out of time (or the producer is broken): fail what is left, locally, and serve those reports
  // in the reserved end of the budget, so every message of the wave ends with a known outcome
  // and none is sent later.
  rd_kafka_purge(&producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  while (context.pending() > 0 && clock.now() < deadline) {
    rd_kafka_poll(&producer, wait_milliseconds_floor(deadline - clock.now(), kWaitSlice));
  }
  // Purged in-flight requests leave the idempotence sequence with a hole the broker may or may
  // not have seen: a new producer (new producer id) starts the next wave from a clean state.
  return true;
}

}  // namespace dispatcher::adapters::kafka
