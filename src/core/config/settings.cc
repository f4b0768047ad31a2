#include "core/config/settings.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

#include "core/config/setting_values.h"
#include "core/dispatch/topic_template.h"
#include "core/encoding/ascii.h"

namespace dispatcher::core::config {
namespace {

constexpr std::string_view kProducerPropertyPrefix = "KAFKA_PRODUCER_";

/// RFC 3986 URI-reference characters (unreserved, reserved, and '%' of percent-encoding).
bool is_uri_reference(std::string_view text) noexcept {
  constexpr std::string_view kAllowed = "-._~:/?#[]@!$&'()*+,;=%";
  return !text.empty() && std::ranges::all_of(text, [kAllowed](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           kAllowed.find(c) != std::string_view::npos;
  });
}

/// "type/subtype" of RFC 2045 tokens, optionally followed by "; parameters" of printable ASCII.
bool is_media_type(std::string_view text) noexcept {
  constexpr std::string_view kTokenSpecials = "()<>@,;:\\\"/[]?= ";
  const auto is_token = [kTokenSpecials](std::string_view token) {
    return !token.empty() && std::ranges::all_of(token, [kTokenSpecials](char c) {
      return c > ' ' && c < 127 && kTokenSpecials.find(c) == std::string_view::npos;
    });
  };
  const auto semicolon = text.find(';');
  const std::string_view type = text.substr(0, semicolon);
  const auto slash = type.find('/');
  if (slash == std::string_view::npos || !is_token(type.substr(0, slash)) ||
      !is_token(type.substr(slash + 1))) {
    return false;
  }
  return semicolon == std::string_view::npos ||
         std::ranges::all_of(text.substr(semicolon), [](char c) { return c >= ' ' && c < 127; });
}

LogLevel log_level_setting(const Environment& environment, Problems& problems) {
  const std::string text = optional_text(environment, "LOG_LEVEL", "INFO");
  if (const auto level = parse_log_level(text)) {
    return *level;
  }
  problems.add("LOG_LEVEL", "must be one of DEBUG, INFO, WARN, ERROR, got \"" +
                                encoding::ascii_uppercase(text) + "\"");
  return LogLevel::kInfo;
}

SaslMechanism sasl_mechanism_setting(const Environment& environment, bool sasl_configured,
                                     Problems& problems) {
  const std::string text =
      encoding::ascii_uppercase(optional_text(environment, "KAFKA_SASL_MECHANISM", ""));
  if (text.empty()) {
    return sasl_configured ? SaslMechanism::kScramSha512 : SaslMechanism::kNone;
  }
  if (text == "AWS_MSK_IAM") {
    if (sasl_configured) {
      problems.add("KAFKA_SASL_MECHANISM",
                   "AWS_MSK_IAM signs with the function's AWS credentials; unset SASL_SECRET_NAME");
    }
    return SaslMechanism::kAwsMskIam;
  }
  SaslMechanism mechanism = SaslMechanism::kNone;
  if (text == "SCRAM-SHA-512") {
    mechanism = SaslMechanism::kScramSha512;
  } else if (text == "SCRAM-SHA-256") {
    mechanism = SaslMechanism::kScramSha256;
  } else if (text == "PLAIN") {
    mechanism = SaslMechanism::kPlain;
  } else {
    problems.add(
        "KAFKA_SASL_MECHANISM",
        "must be one of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN, AWS_MSK_IAM, got \"" + text + "\"");
    return SaslMechanism::kNone;
  }
  if (!sasl_configured) {
    problems.add("KAFKA_SASL_MECHANISM", "is set but SASL_SECRET_NAME is not");
  }
  return mechanism;
}

SecurityProtocol security_protocol_setting(const Environment& environment, SaslMechanism sasl,
                                           Problems& problems) {
  const std::string text =
      encoding::ascii_uppercase(optional_text(environment, "KAFKA_SECURITY_PROTOCOL", ""));
  const bool uses_sasl = sasl != SaslMechanism::kNone;
  if (text.empty()) {
    return uses_sasl ? SecurityProtocol::kSaslSsl : SecurityProtocol::kPlaintext;
  }
  SecurityProtocol protocol = SecurityProtocol::kPlaintext;
  if (text == "PLAINTEXT") {
    protocol = SecurityProtocol::kPlaintext;
  } else if (text == "SSL") {
    protocol = SecurityProtocol::kSsl;
  } else if (text == "SASL_PLAINTEXT") {
    protocol = SecurityProtocol::kSaslPlaintext;
  } else if (text == "SASL_SSL") {
    protocol = SecurityProtocol::kSaslSsl;
  } else {
    problems.add("KAFKA_SECURITY_PROTOCOL",
                 "must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, got \"" + text + "\"");
    return protocol;
  }
  const bool protocol_has_sasl =
      protocol == SecurityProtocol::kSaslPlaintext || protocol == SecurityProtocol::kSaslSsl;
  if (protocol_has_sasl && !uses_sasl) {
    problems.add("KAFKA_SECURITY_PROTOCOL", "is " + text +
                                                " but no SASL is configured (SASL_SECRET_NAME or "
                                                "KAFKA_SASL_MECHANISM=AWS_MSK_IAM)");
  } else if (!protocol_has_sasl && uses_sasl) {
    problems.add("KAFKA_SECURITY_PROTOCOL",
                 "is " + text + " but SASL is configured; use SASL_SSL (or SASL_PLAINTEXT)");
  }
  return protocol;
}

PoisonHandling poison_policy_setting(const Environment& environment, Problems& problems) {
  const std::string text =
      encoding::ascii_lowercase(optional_text(environment, "DISPATCHER_POISON_POLICY", "hold"));
  if (text == "hold") {
    return PoisonHandling::kHold;
  }
  if (text == "dead-letter" || text == "dead_letter") {
    return PoisonHandling::kDeadLetter;
  }
  problems.add("DISPATCHER_POISON_POLICY", "must be hold or dead-letter, got \"" + text + "\"");
  return PoisonHandling::kHold;
}

}  // namespace

const std::vector<std::string_view>& resolvable_setting_names() {
  static const std::vector<std::string_view> kNames = {
      // Not SASL_SECRET_NAME: it names (or is the ARN of) the secret that kafka_security reads.
      "KAFKA_BOOTSTRAP_SERVERS",     "KAFKA_CLIENT_ID",    "KAFKA_TOPIC_OUTPUT",
      "EVENTS_TABLE_NAME",           "OFFSETS_TABLE_NAME", "KAFKA_SSL_KEY_PASSWORD",
      "DISPATCHER_DEAD_LETTER_TOPIC"};
  return kNames;
}

std::optional<ReferenceKind> reference_kind(std::string_view value) {
  // arn:<partition>:<service>:<region>:<account>:<resource>
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    const auto colon = value.find(':', start);
    if (colon == std::string_view::npos) {
      return std::nullopt;
    }
    fields.push_back(value.substr(start, colon - start));
    start = colon + 1;
  }
  const std::string_view resource = value.substr(start);
  if (fields[0] != "arn" || fields[1].empty() || fields[3].empty()) {
    return std::nullopt;
  }
  if (fields[2] == "ssm" && resource.starts_with("parameter/") && resource.size() > 10) {
    return ReferenceKind::kSsmParameter;
  }
  if (fields[2] == "secretsmanager" && resource.starts_with("secret:") && resource.size() > 7) {
    return ReferenceKind::kSecretsManagerSecret;
  }
  return std::nullopt;
}

UnresolvedNames reference_valued_names(const Environment& environment) {
  UnresolvedNames names;
  for (const auto& [name, value] : environment) {
    if (reference_kind(encoding::trim_ascii(value))) {
      names.insert(name);
    }
  }
  return names;
}

Result<Settings> parse_settings(const Environment& environment, const SensitiveNames& sensitive,
                                const UnresolvedNames& unresolved) {
  Problems problems(environment, sensitive, unresolved);
  Settings settings;
  settings.kafka_bootstrap_servers = required(environment, "KAFKA_BOOTSTRAP_SERVERS", problems);
  settings.kafka_client_id =
      optional_text(environment, "KAFKA_CLIENT_ID", "ddb-eventstore-dispatcher");
  settings.kafka_topic_output = required(environment, "KAFKA_TOPIC_OUTPUT", problems);
  settings.kafka_topic_allow_event_type_routing =
      boolean_setting(environment, "KAFKA_TOPIC_ALLOW_EVENT_TYPE_ROUTING", false, problems);
  if (!settings.kafka_topic_output.empty()) {
    if (auto topic = dispatch::TopicTemplate::parse(settings.kafka_topic_output); !topic) {
      problems.add("KAFKA_TOPIC_OUTPUT", topic.error().message);
    } else if (topic->uses_field("eventType") && !settings.kafka_topic_allow_event_type_routing) {
      problems.add("KAFKA_TOPIC_OUTPUT",
                   "uses {eventType}, which sends one aggregate's events to several topics: Kafka "
                   "keeps their order only within each topic, so consumers reading more than one "
                   "could see them out of order; set KAFKA_TOPIC_ALLOW_EVENT_TYPE_ROUTING=true to "
                   "accept that");
    }
  }
  settings.sasl_secret_name = optional_text(environment, "SASL_SECRET_NAME", "");
  settings.sasl_mechanism =
      sasl_mechanism_setting(environment, !settings.sasl_secret_name.empty(), problems);
  settings.kafka_security_protocol =
      security_protocol_setting(environment, settings.sasl_mechanism, problems);
  settings.kafka_ssl_ca_location = optional_text(environment, "KAFKA_SSL_CA_LOCATION", "");
  settings.kafka_ssl_certificate_location =
      optional_text(environment, "KAFKA_SSL_CERTIFICATE_LOCATION", "");
  settings.kafka_ssl_key_location = optional_text(environment, "KAFKA_SSL_KEY_LOCATION", "");
  settings.kafka_ssl_key_password = optional_text(environment, "KAFKA_SSL_KEY_PASSWORD", "");
  if (settings.kafka_ssl_certificate_location.empty() != settings.kafka_ssl_key_location.empty()) {
    problems.add("KAFKA_SSL_CERTIFICATE_LOCATION",
                 "and KAFKA_SSL_KEY_LOCATION must be set together (client certificate and key)");
  }
  if (!settings.kafka_ssl_key_password.empty() && settings.kafka_ssl_key_location.empty()) {
    problems.add("KAFKA_SSL_KEY_PASSWORD", "is set but KAFKA_SSL_KEY_LOCATION is not");
  }
  settings.kafka_ssl_insecure_skip_verify =
      boolean_setting(environment, "KAFKA_SSL_INSECURE_SKIP_VERIFY", false, problems);
  const bool uses_tls = settings.kafka_security_protocol == SecurityProtocol::kSsl ||
                        settings.kafka_security_protocol == SecurityProtocol::kSaslSsl;
  if (!uses_tls && (!settings.kafka_ssl_ca_location.empty() ||
                    !settings.kafka_ssl_certificate_location.empty() ||
                    settings.kafka_ssl_insecure_skip_verify)) {
    problems.add("KAFKA_SECURITY_PROTOCOL",
                 "does not use TLS, but KAFKA_SSL_* settings are given; use SSL or SASL_SSL");
  }
  settings.kafka_allow_auto_create_topics =
      boolean_setting(environment, "KAFKA_ALLOW_AUTO_CREATE_TOPICS", false, problems);
  settings.kafka_cloudevents_headers =
      boolean_setting(environment, "KAFKA_CLOUDEVENTS_HEADERS", false, problems);
  settings.kafka_cloudevents_source = optional_text(environment, "KAFKA_CLOUDEVENTS_SOURCE", "");
  settings.kafka_cloudevents_content_type =
      optional_text(environment, "KAFKA_CLOUDEVENTS_CONTENT_TYPE", "");
  for (const auto& [name, value] :
       {std::pair<std::string_view, const std::string*>{"KAFKA_CLOUDEVENTS_SOURCE",
                                                        &settings.kafka_cloudevents_source},
        std::pair<std::string_view, const std::string*>{
            "KAFKA_CLOUDEVENTS_CONTENT_TYPE", &settings.kafka_cloudevents_content_type}}) {
    if (!value->empty() && !settings.kafka_cloudevents_headers) {
      problems.add(name, "is set but KAFKA_CLOUDEVENTS_HEADERS is not true");
    }
  }
  if (!settings.kafka_cloudevents_source.empty() &&
      !is_uri_reference(settings.kafka_cloudevents_source)) {
    problems.add(
        "KAFKA_CLOUDEVENTS_SOURCE",
        "must be a URI-reference (RFC 3986: ASCII letters, digits and -._~:/?#[]@!$&'()*+,;=%, "
        "no spaces), got \"" +
            settings.kafka_cloudevents_source + "\"");
  }
  if (!settings.kafka_cloudevents_content_type.empty() &&
      !is_media_type(settings.kafka_cloudevents_content_type)) {
    problems.add("KAFKA_CLOUDEVENTS_CONTENT_TYPE",
                 "must be a media type such as application/json or "
                 "application/avro; charset=binary, got \"" +
                     settings.kafka_cloudevents_content_type + "\"");
  }
  settings.ca_bundle = optional_text(environment, "DISPATCHER_CA_BUNDLE", "");
  settings.poison_policy = poison_policy_setting(environment, problems);
  settings.dead_letter_topic = optional_text(environment, "DISPATCHER_DEAD_LETTER_TOPIC", "");
  if (settings.poison_policy == PoisonHandling::kDeadLetter && settings.dead_letter_topic.empty()) {
    problems.add("DISPATCHER_DEAD_LETTER_TOPIC",
                 "is required when DISPATCHER_POISON_POLICY is "
                 "dead-letter");
  }
  if (!settings.dead_letter_topic.empty() &&
      !dispatch::is_legal_topic_name(settings.dead_letter_topic)) {
    problems.add("DISPATCHER_DEAD_LETTER_TOPIC",
                 "\"" + settings.dead_letter_topic +
                     "\" is not a legal Kafka topic name (1 to 249 of A-Z a-z 0-9 . _ -)");
  }
  settings.events_table_name = required(environment, "EVENTS_TABLE_NAME", problems);
  settings.offsets_table_name = required(environment, "OFFSETS_TABLE_NAME", problems);
  if (!settings.events_table_name.empty() &&
      settings.events_table_name == settings.offsets_table_name) {
    problems.add("OFFSETS_TABLE_NAME", "must name a different table than EVENTS_TABLE_NAME");
  }
  if (settings.kafka_cloudevents_headers && settings.kafka_cloudevents_source.empty()) {
    settings.kafka_cloudevents_source = settings.events_table_name;
  }
  settings.first_event_version =
      integer_setting<std::int64_t>(environment, "DISPATCHER_FIRST_EVENT_VERSION", 0, 0,
                                    std::numeric_limits<std::int64_t>::max() / 2, problems);
  settings.max_events_per_aggregate = integer_setting<std::size_t>(
      environment, "DISPATCHER_MAX_EVENTS_PER_AGGREGATE", 10'000, 1, 1'000'000, problems);
  settings.max_message_bytes = integer_setting<std::size_t>(
      environment, "KAFKA_MAX_MESSAGE_BYTES", 1'000'000, 1'024, 1'000'000'000, problems);
  settings.deadline_margin = std::chrono::milliseconds(integer_setting<std::int64_t>(
      environment, "DISPATCHER_DEADLINE_MARGIN_MS", 2'000, 100, 60'000, problems));
  {
    // A sixth of the function's memory: the items read (whose texts the messages take over) and
    // the transient JSON of the pages are each about this much, beside the process's own ~30 MB.
    Problems ignored(Environment{}, SensitiveNames{});
    const auto memory_megabytes = integer_setting<std::size_t>(
        environment, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 0, 1, 1'000'000, ignored);
    const std::size_t fallback = memory_megabytes > 0
                                     ? memory_megabytes * (std::size_t{1} << 20U) / 6
                                     : std::size_t{64} << 20U;
    settings.max_read_bytes =
        integer_setting<std::size_t>(environment, "DISPATCHER_MAX_READ_BYTES", fallback,
                                     std::size_t{1} << 20U, std::size_t{1} << 40U, problems);
  }
  settings.requests_in_flight =
      integer_setting<std::size_t>(environment, "DISPATCHER_REQUESTS_IN_FLIGHT",
                                   kDefaultRequestsInFlight, 1, kMostRequestsInFlight, problems);
  settings.log_level = log_level_setting(environment, problems);
  settings.service_name = service_name_setting(environment);
  settings.metrics_namespace =
      optional_text(environment, "POWERTOOLS_METRICS_NAMESPACE", "DdbEventstoreDispatcher");
  for (const auto& [name, value] : environment) {
    if (!name.starts_with(kProducerPropertyPrefix)) {
      continue;
    }
    std::string property = name.substr(kProducerPropertyPrefix.size());
    std::ranges::transform(property, property.begin(), [](unsigned char c) {
      return c == '_' ? '.' : static_cast<char>(std::tolower(c));
    });
    if (property.empty()) {
      problems.add(name, "names no producer property");
      continue;
    }
    settings.producer_properties.emplace_back(std::move(property), value);
  }
  if (!problems.empty()) {
    return fail(problems.error());
  }
  return settings;
}

std::optional<LogLevel> parse_log_level(std::string_view text) {
  const std::string level = encoding::ascii_uppercase(encoding::trim_ascii(text));
  if (level == "DEBUG" || level == "TRACE") {
    return LogLevel::kDebug;
  }
  if (level == "INFO") {
    return LogLevel::kInfo;
  }
  if (level == "WARN" || level == "WARNING") {
    return LogLevel::kWarn;
  }
  if (level == "ERROR" || level == "CRITICAL") {
    return LogLevel::kError;
  }
  return std::nullopt;
}

std::string service_name_setting(const Environment& environment) {
  return optional_text(environment, "POWERTOOLS_SERVICE_NAME", "ddb-eventstore-dispatcher");
}

Result<std::size_t> requests_in_flight_setting(const Environment& environment) {
  Problems problems(environment, SensitiveNames{});
  const auto value =
      integer_setting<std::size_t>(environment, "DISPATCHER_REQUESTS_IN_FLIGHT",
                                   kDefaultRequestsInFlight, 1, kMostRequestsInFlight, problems);
  if (!problems.empty()) {
    return fail(problems.error());
  }
  return value;
}

}  // namespace dispatcher::core::config
