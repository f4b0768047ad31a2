#pragma once

// What every librdkafka client of the process (the publisher, the audit's topic reader) is given
// besides its properties: SASL/OAUTHBEARER tokens and a log sink. No librdkafka type here.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

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

/// `text` with each run that occurrences of the non-empty `secret_values` cover replaced by "***"
/// (core::encoding::redact): what the producer and the topic reader do to librdkafka's texts
/// before anyone sees them.
[[nodiscard]] std::string redact_secrets(std::string_view text,
                                         const std::vector<std::string>& secret_values);

}  // namespace dispatcher::adapters::kafka
