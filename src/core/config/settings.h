#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace dispatcher::core::config {

/// The process environment (or a test's), name to value.
using Environment = std::map<std::string, std::string, std::less<>>;

enum class LogLevel : unsigned char { kDebug, kInfo, kWarn, kError };

/// How the Kafka client authenticates. `kNone`: no SASL. `kAwsMskIam`: SASL/OAUTHBEARER with an
/// Amazon MSK IAM token signed with the Lambda's AWS credentials (no secret).
enum class SaslMechanism : unsigned char { kNone, kScramSha512, kScramSha256, kPlain, kAwsMskIam };

/// librdkafka's security.protocol.
enum class SecurityProtocol : unsigned char { kPlaintext, kSsl, kSaslPlaintext, kSaslSsl };

/// What happens to an event that can never become a valid message (DISPATCHER_POISON_POLICY).
enum class PoisonHandling : unsigned char {
  kHold,       ///< the aggregate stops before the event until an operator acts
  kDeadLetter  ///< the event goes to DISPATCHER_DEAD_LETTER_TOPIC and the aggregate continues
};

/// Every setting of the dispatcher, validated. Names and defaults: docs/configuration.md.
/// DISPATCHER_REQUESTS_IN_FLIGHT's default and bounds (docs/benchmarks.md has the measurement the
/// default comes from).
inline constexpr std::size_t kDefaultRequestsInFlight = 128;
inline constexpr std::size_t kMostRequestsInFlight = 1024;

struct Settings {
  std::string kafka_bootstrap_servers;  ///< KAFKA_BOOTSTRAP_SERVERS
  std::string kafka_client_id;          ///< KAFKA_CLIENT_ID
  /// KAFKA_TOPIC_OUTPUT: a topic name, or a template over the event's fields such as
  /// "events.{streamType}" (validated here with core::dispatch::TopicTemplate).
  std::string kafka_topic_output;
  /// KAFKA_TOPIC_ALLOW_EVENT_TYPE_ROUTING=true accepts a KAFKA_TOPIC_OUTPUT with {eventType}, which
  /// splits an aggregate over topics (ordered per topic only); refused by default.
  bool kafka_topic_allow_event_type_routing = false;
  std::string sasl_secret_name;                         ///< SASL_SECRET_NAME (empty: no SASL)
  SaslMechanism sasl_mechanism = SaslMechanism::kNone;  ///< KAFKA_SASL_MECHANISM
  /// KAFKA_SECURITY_PROTOCOL; default SASL_SSL when SASL is configured, else PLAINTEXT.
  SecurityProtocol kafka_security_protocol = SecurityProtocol::kPlaintext;
  std::string kafka_ssl_ca_location;           ///< KAFKA_SSL_CA_LOCATION (empty: process CA bundle)
  std::string kafka_ssl_certificate_location;  ///< KAFKA_SSL_CERTIFICATE_LOCATION (mTLS, PEM)
  std::string kafka_ssl_key_location;          ///< KAFKA_SSL_KEY_LOCATION (mTLS, PEM)
  std::string kafka_ssl_key_password;          ///< KAFKA_SSL_KEY_PASSWORD (secret; may be an ARN)
  /// KAFKA_SSL_INSECURE_SKIP_VERIFY=true: no broker certificate check. Logged loudly at start-up.
  bool kafka_ssl_insecure_skip_verify = false;
  /// KAFKA_ALLOW_AUTO_CREATE_TOPICS=true lets the broker create a missing topic on first use
  /// (when the broker allows it); by default a missing topic is an error.
  bool kafka_allow_auto_create_topics = false;
  /// KAFKA_CLOUDEVENTS_HEADERS=true adds the CloudEvents binary-mode headers (ce_*) to every
  /// message.
  bool kafka_cloudevents_headers = false;
  /// KAFKA_CLOUDEVENTS_SOURCE: ce_source, a URI-reference; default EVENTS_TABLE_NAME.
  std::string kafka_cloudevents_source;
  /// KAFKA_CLOUDEVENTS_CONTENT_TYPE: the content-type header (e.g. application/json); empty: none.
  std::string kafka_cloudevents_content_type;
  /// DISPATCHER_CA_BUNDLE: PEM file of trusted CAs for HTTPS and Kafka TLS; empty: discovered
  /// from the known locations at start-up (app/ca_bundle.h).
  std::string ca_bundle;
  PoisonHandling poison_policy = PoisonHandling::kHold;  ///< DISPATCHER_POISON_POLICY
  std::string dead_letter_topic;   ///< DISPATCHER_DEAD_LETTER_TOPIC (required with dead-letter)
  std::string events_table_name;   ///< EVENTS_TABLE_NAME
  std::string offsets_table_name;  ///< OFFSETS_TABLE_NAME
  std::int64_t first_event_version = 0;           ///< DISPATCHER_FIRST_EVENT_VERSION
  std::size_t max_events_per_aggregate = 10'000;  ///< DISPATCHER_MAX_EVENTS_PER_AGGREGATE
  std::size_t max_message_bytes = 1'000'000;      ///< KAFKA_MAX_MESSAGE_BYTES
  /// DISPATCHER_DEADLINE_MARGIN_MS: kept before the invocation's deadline for answering.
  std::chrono::milliseconds deadline_margin{2'000};
  /// DISPATCHER_MAX_READ_BYTES: events read per invocation, in bytes; default a sixth of
  /// AWS_LAMBDA_FUNCTION_MEMORY_SIZE, 64 MiB without it.
  std::size_t max_read_bytes = std::size_t{64} << 20U;
  /// DISPATCHER_REQUESTS_IN_FLIGHT: AWS requests a wave keeps in flight at once (every commit,
  /// Query or batch chunk of a wave is sent; this many at a time). The HTTP client keeps as many
  /// connections alive, so each request of a wave finds a warm one.
  std::size_t requests_in_flight = kDefaultRequestsInFlight;
  LogLevel log_level = LogLevel::kInfo;  ///< LOG_LEVEL
  std::string service_name;              ///< POWERTOOLS_SERVICE_NAME
  std::string metrics_namespace;  ///< POWERTOOLS_METRICS_NAMESPACE (CloudWatch EMF namespace)
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

/// Names of the variables whose values are secret: read from an SSM SecureString parameter or a
/// Secrets Manager secret (app/reference_resolver.h). KAFKA_SSL_KEY_PASSWORD always is one.
using SensitiveNames = std::set<std::string, std::less<>>;

/// Variables whose value is an SSM / Secrets Manager ARN that could not be resolved (start-up
/// failed before): their value is unknown, so no problem is reported about them.
using UnresolvedNames = std::set<std::string, std::less<>>;

/// The variables of `environment` whose value is an ARN reference (reference_kind).
[[nodiscard]] UnresolvedNames reference_valued_names(const Environment& environment);

/// Reads and validates every setting. On failure the error (code "InvalidConfiguration") lists
/// every problem found, each naming the variable and what is wrong. The value of a variable in
/// `sensitive` (or of KAFKA_SSL_KEY_PASSWORD) never appears in the error. Problems about the
/// variables in `unresolved` are left out (their real value is not known).
[[nodiscard]] Result<Settings> parse_settings(const Environment& environment,
                                              const SensitiveNames& sensitive = {},
                                              const UnresolvedNames& unresolved = {});

/// DISPATCHER_REQUESTS_IN_FLIGHT as parse_settings reads it, for the HTTP client that is made
/// before parse_settings runs. Error: permanent "InvalidConfiguration" (service "config") naming
/// the variable, as parse_settings reports it.
[[nodiscard]] Result<std::size_t> requests_in_flight_setting(const Environment& environment);

/// The LOG_LEVEL names parse_settings accepts (any case, trimmed): DEBUG or TRACE, INFO, WARN or
/// WARNING, ERROR or CRITICAL; nothing for any other text.
[[nodiscard]] std::optional<LogLevel> parse_log_level(std::string_view text);

/// POWERTOOLS_SERVICE_NAME, trimmed, or "ddb-eventstore-dispatcher" when unset or blank (the
/// service every log line and metric names, also before the settings are parsed).
[[nodiscard]] std::string service_name_setting(const Environment& environment);

[[nodiscard]] std::string_view to_string(LogLevel level);
[[nodiscard]] std::string_view to_string(SaslMechanism mechanism);
[[nodiscard]] std::string_view to_string(SecurityProtocol protocol);
[[nodiscard]] std::string_view to_string(PoisonHandling policy);

}  // namespace dispatcher::core::config
