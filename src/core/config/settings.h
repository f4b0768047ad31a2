#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace dispatcher::core::config {

/// The process environment (or a test's), name to value.
using Environment = std::map<std::string, std::string, std::less<>>;

enum class LogLevel : unsigned char { kDebug, kInfo, kWarn, kError };

/// How the Kafka client authenticates. `kNone` is plain Kafka (local use).
enum class SaslMechanism : unsigned char { kNone, kScramSha512, kScramSha256, kPlain };

/// Every setting of the dispatcher, validated. Names and defaults: docs/configuration.md.
struct Settings {
  std::string kafka_bootstrap_servers;                  ///< KAFKA_BOOTSTRAP_SERVERS
  std::string kafka_client_id;                          ///< KAFKA_CLIENT_ID
  std::string kafka_topic_output;                       ///< KAFKA_TOPIC_OUTPUT
  std::string sasl_secret_name;                         ///< SASL_SECRET_NAME (empty: no SASL)
  SaslMechanism sasl_mechanism = SaslMechanism::kNone;  ///< KAFKA_SASL_MECHANISM
  std::string events_table_name;                        ///< EVENTS_TABLE_NAME
  std::string offsets_table_name;                       ///< OFFSETS_TABLE_NAME
  std::int64_t first_event_version = 0;                 ///< DISPATCHER_FIRST_EVENT_VERSION
  std::size_t max_events_per_aggregate = 10'000;        ///< DISPATCHER_MAX_EVENTS_PER_AGGREGATE
  std::size_t max_message_bytes = 1'000'000;            ///< KAFKA_MAX_MESSAGE_BYTES
  LogLevel log_level = LogLevel::kInfo;                 ///< LOG_LEVEL
  std::string service_name;                             ///< POWERTOOLS_SERVICE_NAME
  /// KAFKA_PRODUCER_<NAME>=value: librdkafka producer properties, name lowercased with '_' as '.'.
  std::vector<std::pair<std::string, std::string>> producer_properties;
};

/// The environment variables whose value may be an SSM parameter ARN or a Secrets Manager ARN,
/// resolved at start-up before parse_settings runs.
[[nodiscard]] const std::vector<std::string_view>& resolvable_setting_names();

enum class ReferenceKind : unsigned char { kSsmParameter, kSecretsManagerSecret };

/// When `value` is an SSM parameter ARN (arn:<partition>:ssm:<region>:<account>:parameter/<name>)
/// or a Secrets Manager secret ARN (arn:<partition>:secretsmanager:...:secret:<name>), says which.
[[nodiscard]] std::optional<ReferenceKind> reference_kind(std::string_view value);

/// Reads and validates every setting. On failure the error (code "InvalidConfiguration") lists
/// every problem found, each naming the variable and what is wrong; values are not echoed for
/// settings that may hold secrets.
[[nodiscard]] Result<Settings> parse_settings(const Environment& environment);

[[nodiscard]] std::string_view to_string(LogLevel level);
[[nodiscard]] std::string_view to_string(SaslMechanism mechanism);

}  // namespace dispatcher::core::config
