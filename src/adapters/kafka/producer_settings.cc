#include "adapters/kafka/producer_settings.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <optional>
#include <string>

#include "adapters/kafka/producer_config.h"
#include "core/encoding/ascii.h"
#include "core/encoding/redact.h"

namespace dispatcher::adapters::kafka {
namespace {

constexpr std::string_view kSettingsErrorCode = "InvalidKafkaSettings";

// The guarantees every producer of this publisher has; extra properties may only restate them.
// Gapless: once a message of a partition fails for good the producer stops (fatal) instead of
// sending the partition's later messages. No local message timeout: the publisher's deadline
// ends every message (by purging it), and a timeout is the one failure gapless does not cover.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kGuaranteedProperties{{
    {"enable.idempotence", "true"},
    {"enable.gapless.guarantee", "true"},
    {"acks", "all"},
    {"max.in.flight.requests.per.connection", "5"},
    {"message.timeout.ms", "0"},
}};

constexpr int kMaxInFlightWithIdempotence = 5;

std::string lower_trimmed(std::string_view text) {
  return core::encoding::ascii_lowercase(core::encoding::trim_ascii(text));
}

std::optional<long> parse_integer(std::string_view text) {
  const std::string trimmed = lower_trimmed(text);
  long value = 0;
  const auto [end, error] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), value);
  if (error != std::errc{} || end != trimmed.data() + trimmed.size() || trimmed.empty()) {
    return std::nullopt;
  }
  return value;
}

// Shows a value in an error only when it cannot be a secret.
std::string shown_value(std::string_view name, std::string_view value) {
  if (is_sensitive_property(name)) {
    return "(value not shown)";
  }
  return "\"" + std::string(value) + "\"";
}

// Why setting `name` to `value` would break a guarantee; nullopt when it does not.
std::optional<std::string> guarantee_breach(std::string_view name, std::string_view value) {
  const std::string normalized = lower_trimmed(value);
  if (name == "enable.idempotence") {
    if (normalized != "true" && normalized != "1") {
      return "the idempotent producer is what keeps retries from reordering or duplicating "
             "messages; it must stay true";
    }
  } else if (name == "enable.gapless.guarantee") {
    if (normalized != "true" && normalized != "1") {
      return "without the gapless guarantee a partition's later messages are delivered after an "
             "earlier one failed for good, leaving a gap in its aggregate's order; it must stay "
             "true";
    }
  } else if (name == "message.timeout.ms" || name == "delivery.timeout.ms") {
    if (normalized != "0") {
      return "the publisher's deadline ends every message; a local timeout could fail an earlier "
             "message of a partition while a later one is delivered (a gap the gapless guarantee "
             "does not cover); it must stay 0";
    }
  } else if (name == "acks" || name == "request.required.acks") {
    if (normalized != "all" && normalized != "-1") {
      return "only acks=all (-1) confirms a message after every in-sync replica has it";
    }
  } else if (name == "max.in.flight.requests.per.connection" || name == "max.in.flight") {
    const auto in_flight = parse_integer(value);
    if (!in_flight || *in_flight < 1 || *in_flight > kMaxInFlightWithIdempotence) {
      return "the idempotent producer keeps order only with 1 to 5 requests in flight";
    }
  } else if (name == "retries" || name == "message.send.max.retries") {
    const auto retries = parse_integer(value);
    if (!retries || *retries < 1) {
      return "without retries a transient broker error fails messages the idempotent producer "
             "would deliver in order";
    }
  } else if (name == "queuing.strategy") {
    if (normalized != "fifo") {
      return "only the fifo queuing strategy sends messages in the order they were produced";
    }
  } else if (name == "partitioner") {
    if (normalized == "random") {
      return "the random partitioner ignores the key, spreading one aggregate over partitions";
    }
  } else if (name == "transactional.id") {
    return "the publisher is an idempotent, not a transactional, producer";
  } else if (name == "bootstrap.servers" || name == "metadata.broker.list" || name == "client.id") {
    return "set it through the publisher's settings (KAFKA_BOOTSTRAP_SERVERS, KAFKA_CLIENT_ID)";
  } else if (name == "log.queue") {
    return "the publisher routes librdkafka's logs itself";
  }
  return std::nullopt;
}

}  // namespace

core::Status set_kafka_property(rd_kafka_conf_t& conf, const std::string& name,
                                const std::string& value) {
  std::array<char, 512> reason{};
  const rd_kafka_conf_res_t result =
      rd_kafka_conf_set(&conf, name.c_str(), value.c_str(), reason.data(), reason.size());
  if (result == RD_KAFKA_CONF_OK) {
    return {};
  }
  std::string message = "Kafka property \"" + name + "\" was refused by librdkafka";
  if (result == RD_KAFKA_CONF_UNKNOWN) {
    message += ": no such property";
  } else if (is_sensitive_property(name)) {
    // librdkafka's reason may quote the value.
    message += ": invalid value (value not shown)";
  } else {
    message += ": ";
    message += reason.data();
  }
  return core::fail(kafka_settings_error(std::move(message)));
}

void write_kafka_log_to_stderr(const KafkaLogLine& line) {
  std::fprintf(stderr, "kafka %d %.*s: %.*s\n", line.level, static_cast<int>(line.facility.size()),
               line.facility.data(), static_cast<int>(line.message.size()), line.message.data());
}

std::string redact_secrets(std::string_view text, const std::vector<std::string>& secret_values) {
  return core::encoding::redact(text, secret_values, "***");
}

bool is_sensitive_property(std::string_view name) noexcept {
  const std::string lowered = lower_trimmed(name);
  return lowered.find("password") != std::string::npos ||
         lowered.find("secret") != std::string::npos || lowered.find("sasl") != std::string::npos ||
         lowered.find("ssl.key") != std::string::npos;
}

core::Status check_producer_settings(const ProducerSettings& settings) {
  if (lower_trimmed(settings.bootstrap_servers).empty()) {
    return core::fail(kafka_settings_error("Kafka bootstrap servers are empty"));
  }
  for (const auto& [name, value] : settings.extra_properties) {
    if (auto why = guarantee_breach(name, value)) {
      return core::fail(kafka_settings_error("Kafka property \"" + name + "\" = " +
                                             shown_value(name, value) + " is refused: " + *why));
    }
  }
  return {};
}

core::Result<KafkaConfig> make_producer_config(const ProducerSettings& settings) {
  if (auto checked = check_producer_settings(settings); !checked) {
    return core::fail(checked.error());
  }
  KafkaConfig conf(rd_kafka_conf_new());
  std::vector<std::pair<std::string, std::string>> properties;
  properties.emplace_back("bootstrap.servers", settings.bootstrap_servers);
  if (!settings.client_id.empty()) {
    properties.emplace_back("client.id", settings.client_id);
  }
  for (const auto& [name, value] : kGuaranteedProperties) {
    properties.emplace_back(name, value);
  }
  properties.insert(properties.end(), settings.extra_properties.begin(),
                    settings.extra_properties.end());
  for (const auto& [name, value] : properties) {
    if (auto set = set_kafka_property(*conf, name, value); !set) {
      return core::fail(set.error());
    }
  }
  return conf;
}

core::Error kafka_settings_error(std::string message) {
  return core::permanent_error(std::string(kSettingsErrorCode), std::move(message), "config");
}

}  // namespace dispatcher::adapters::kafka
