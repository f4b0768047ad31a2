#include "app/kafka_security.h"

#include <algorithm>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "adapters/aws/signer.h"
#include "adapters/secrets/secrets_manager_client.h"
#include "core/aws/msk_iam_token.h"

namespace dispatcher::app {
namespace {

constexpr std::size_t kRecordFramingAllowance = std::size_t{64} * 1024;
constexpr std::size_t kLibrdkafkaMostMessageMaxBytes = 1'000'000'000;

constexpr std::string_view kExpectedSecret = R"(expected {"username": "...", "password": "..."})";

core::Error secret_error(std::string message) {
  return core::permanent_error("InvalidSaslSecret", std::move(message), "config");
}

}  // namespace

core::Result<SaslCredentials> parse_sasl_secret(std::string_view secret_text,
                                                std::string_view secret_name) {
  const std::string where = "SASL_SECRET_NAME secret '" + std::string(secret_name) + "'";
  // No exceptions and no parser message: either could quote the secret's text.
  const auto document = nlohmann::json::parse(secret_text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return core::fail(
        secret_error(where + " is not a JSON object; " + std::string(kExpectedSecret)));
  }
  SaslCredentials credentials;
  for (const auto& [field, target] :
       {std::pair<const char*, std::string*>{"username", &credentials.username},
        std::pair<const char*, std::string*>{"password", &credentials.password}}) {
    const auto found = document.find(field);
    // What is wrong, by the field's JSON type only: never its value.
    std::string problem;
    if (found == document.end()) {
      problem = "is missing";
    } else if (!found->is_string()) {
      problem = std::string("is not a string (JSON ") + found->type_name() + ")";
    } else if (found->get_ref<const std::string&>().empty()) {
      problem = "is empty";
    }
    if (!problem.empty()) {
      std::string message = where + R"(: field ")";
      message += field;
      message += "\" " + problem + "; ";
      message += kExpectedSecret;
      return core::fail(secret_error(std::move(message)));
    }
    *target = found->get<std::string>();
  }
  return credentials;
}

adapters::kafka::OAuthBearerTokenProvider msk_iam_token_provider(
    std::shared_ptr<adapters::aws::CredentialsProvider> credentials, std::string region,
    std::chrono::seconds lifetime) {
  return [credentials = std::move(credentials), region = std::move(region),
          lifetime]() -> core::Result<adapters::kafka::OAuthBearerToken> {
    auto current = credentials->credentials();
    if (!current) {
      return core::fail(std::move(current.error()));
    }
    const auto now = std::chrono::system_clock::now();
    const std::string presigned = adapters::aws::presign_url(
        "GET", core::aws::msk_iam_connect_url(region), *current,
        adapters::aws::SigningScope{.region = region,
                                    .service = std::string(core::aws::kMskIamSigningService)},
        now, lifetime);
    core::aws::MskIamToken token =
        core::aws::msk_iam_token(presigned, core::aws::kMskIamUserAgent, now, lifetime);
    // The broker takes the identity from the signature; librdkafka only needs a non-empty name.
    return adapters::kafka::OAuthBearerToken{
        .value = std::move(token.value), .expiry = token.expiry, .principal = "aws-msk-iam"};
  };
}

adapters::kafka::ProducerSettings map_kafka_producer_settings(
    const core::config::Settings& settings, KafkaSecurityInputs inputs) {
  using core::config::SaslMechanism;
  using core::config::SecurityProtocol;
  adapters::kafka::ProducerSettings producer{.bootstrap_servers = settings.kafka_bootstrap_servers,
                                             .client_id = settings.kafka_client_id};
  auto& properties = producer.extra_properties;
  properties.emplace_back("security.protocol",
                          std::string(core::config::to_string(settings.kafka_security_protocol)));
  if (settings.sasl_mechanism == SaslMechanism::kAwsMskIam) {
    properties.emplace_back("sasl.mechanisms", "OAUTHBEARER");
    producer.oauthbearer_token_provider = std::move(inputs.oauthbearer_token_provider);
  } else if (settings.sasl_mechanism != SaslMechanism::kNone && inputs.sasl) {
    properties.emplace_back("sasl.mechanisms",
                            std::string(core::config::to_string(settings.sasl_mechanism)));
    properties.emplace_back("sasl.username", std::move(inputs.sasl->username));
    properties.emplace_back("sasl.password", std::move(inputs.sasl->password));
  }
  const bool uses_tls = settings.kafka_security_protocol == SecurityProtocol::kSsl ||
                        settings.kafka_security_protocol == SecurityProtocol::kSaslSsl;
  if (uses_tls) {
    // The process bundle by default: librdkafka's own default probes paths that a Lambda image
    // may not have, and one trust decision for HTTPS and Kafka is easier to reason about.
    const std::string& ca_location =
        settings.kafka_ssl_ca_location.empty() ? inputs.ca_bundle : settings.kafka_ssl_ca_location;
    if (!ca_location.empty()) {
      properties.emplace_back("ssl.ca.location", ca_location);
    }
    if (!settings.kafka_ssl_certificate_location.empty()) {
      properties.emplace_back("ssl.certificate.location", settings.kafka_ssl_certificate_location);
    }
    if (!settings.kafka_ssl_key_location.empty()) {
      properties.emplace_back("ssl.key.location", settings.kafka_ssl_key_location);
    }
    if (!settings.kafka_ssl_key_password.empty()) {
      properties.emplace_back("ssl.key.password", settings.kafka_ssl_key_password);
    }
    if (settings.kafka_ssl_insecure_skip_verify) {
      properties.emplace_back("enable.ssl.certificate.verification", "false");
      properties.emplace_back("ssl.endpoint.identification.algorithm", "none");
      producer.startup_warnings.emplace_back(
          "KAFKA_SSL_INSECURE_SKIP_VERIFY=true: Kafka broker TLS certificates and host names are "
          "NOT verified; anyone on the network path can impersonate the brokers. Use "
          "KAFKA_SSL_CA_LOCATION with the brokers' CA instead.");
    }
  }
  // The broker refuses a whole record batch over the topic's max.message.bytes, innocent messages
  // included. Batches no larger than KAFKA_MAX_MESSAGE_BYTES (which the user sets to at most the
  // topic's limit) keep such a refusal to the one oversized event; librdkafka's own per-message
  // cap leaves room for the record framing the mapper's size check does not count.
  properties.emplace_back("batch.size", std::to_string(settings.max_message_bytes));
  properties.emplace_back(
      "message.max.bytes",
      std::to_string(std::min(settings.max_message_bytes + kRecordFramingAllowance,
                              kLibrdkafkaMostMessageMaxBytes)));
  // A missing topic is an error unless auto-creation was asked for (the broker must allow it too).
  properties.emplace_back("allow.auto.create.topics",
                          settings.kafka_allow_auto_create_topics ? "true" : "false");
  for (const auto& property : settings.producer_properties) {
    properties.push_back(property);
  }
  return producer;
}

core::Result<adapters::kafka::ProducerSettings> kafka_producer_settings(
    const core::config::Settings& settings, const AwsContext& aws, core::Deadline deadline) {
  KafkaSecurityInputs inputs{.ca_bundle = aws.ca_bundle()};
  if (!settings.sasl_secret_name.empty()) {
    auto json = aws.json_client(adapters::aws::kSecretsManagerService, "secretsmanager");
    if (!json) {
      return core::fail(std::move(json.error()));
    }
    adapters::secrets::SecretsManagerClient secrets(std::move(*json));
    auto secret = secrets.secret_value(settings.sasl_secret_name, deadline);
    if (!secret) {
      core::Error error = secret.error();
      error.message = "SASL_SECRET_NAME: cannot read secret '" + settings.sasl_secret_name +
                      "': " + secret.error().describe();
      return core::fail(std::move(error));
    }
    const std::optional<std::string>& secret_text = secret->secret_string;
    if (!secret_text) {
      return core::fail(secret_error("SASL_SECRET_NAME secret '" + settings.sasl_secret_name +
                                     "' holds binary data, not JSON text"));
    }
    auto credentials = parse_sasl_secret(*secret_text, settings.sasl_secret_name);
    if (!credentials) {
      return core::fail(std::move(credentials.error()));
    }
    inputs.sasl = std::move(*credentials);
  }
  if (settings.sasl_mechanism == core::config::SaslMechanism::kAwsMskIam) {
    inputs.oauthbearer_token_provider =
        msk_iam_token_provider(aws.credentials_provider(), aws.region());
  }
  return map_kafka_producer_settings(settings, std::move(inputs));
}

}  // namespace dispatcher::app
