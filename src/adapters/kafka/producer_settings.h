#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/kafka/kafka_handles.h"
#include "core/result.h"

namespace dispatcher::adapters::kafka {

/// A SASL/OAUTHBEARER token (for example an Amazon MSK IAM token) and when it stops working.
struct OAuthBearerToken {
  std::string value;
  std::chrono::system_clock::time_point expiry;
  std::string principal;  ///< the principal name librdkafka requires; not a secret
};

/// Makes a fresh token. Called by the publisher when librdkafka asks (before expiry, on its own
/// schedule) and before a publish when the last token has expired (a Lambda thawed after a
/// freeze). Errors are logged by librdkafka and retried by it; they must not contain secrets.
using OAuthBearerTokenProvider = std::function<core::Result<OAuthBearerToken>()>;

/// How to reach the cluster. The publisher always sets enable.idempotence=true,
/// enable.gapless.guarantee=true, acks=all, max.in.flight.requests.per.connection=5 and
/// message.timeout.ms=0 (its deadline bounds each message); `extra_properties` (librdkafka names,
/// e.g. "security.protocol", "sasl.username", "compression.type") are applied after them and may
/// not weaken those guarantees.
struct ProducerSettings {
  std::string bootstrap_servers;
  std::string client_id;
  std::vector<std::pair<std::string, std::string>> extra_properties;
  /// Set with sasl.mechanisms=OAUTHBEARER: supplies the tokens (empty: none).
  OAuthBearerTokenProvider oauthbearer_token_provider;
  /// Written to the log sink as warnings when the publisher is created (for example that broker
  /// certificates are not verified), so an unsafe setting is visible at every start-up.
  std::vector<std::string> startup_warnings;
};

/// One librdkafka log line, already scrubbed of every secret property value.
struct KafkaLogLine {
  int level = 0;  ///< syslog level: 0 emergency ... 7 debug
  std::string_view facility;
  std::string_view message;
};

/// Receives librdkafka's log lines. Called from librdkafka's internal threads, so it must be
/// thread-safe. An empty sink means "write to stderr".
using KafkaLogSink = std::function<void(const KafkaLogLine&)>;

/// Writes "kafka <level> <facility>: <message>" to stderr.
void write_kafka_log_to_stderr(const KafkaLogLine& line);

/// True for properties whose values must never appear in an error or a log line.
[[nodiscard]] bool is_sensitive_property(std::string_view name) noexcept;

/// Refuses settings that would break per-key order, exactly-once enqueueing or the publisher's
/// ownership of the connection. Error: permanent "InvalidKafkaSettings" (service "config") naming
/// the property and why; the value is shown only for non-sensitive properties.
[[nodiscard]] core::Status check_producer_settings(const ProducerSettings& settings);

/// A librdkafka configuration with the guarantees and `settings` applied (checked first with
/// check_producer_settings). Error: permanent "InvalidKafkaSettings" naming the property that
/// librdkafka rejected.
[[nodiscard]] core::Result<KafkaConfig> make_producer_config(const ProducerSettings& settings);

}  // namespace dispatcher::adapters::kafka
