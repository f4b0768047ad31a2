#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "adapters/aws/credentials.h"
#include "adapters/kafka/producer_settings.h"
#include "app/aws_environment.h"
#include "core/aws/msk_iam_token.h"
#include "core/clock.h"
#include "core/config/settings.h"
#include "core/result.h"

namespace dispatcher::app {

/// The username and password of a SASL secret, read from its JSON text
/// {"username": "...", "password": "..."} (the shape of Amazon MSK SCRAM secrets).
struct SaslCredentials {
  std::string username;
  std::string password;
};

/// Error (permanent "InvalidSaslSecret", service "config"): the text is not a JSON object, or
/// username/password is missing, not a string or empty. The message names the secret and the
/// field, never any of the secret's content.
[[nodiscard]] core::Result<SaslCredentials> parse_sasl_secret(std::string_view secret_text,
                                                              std::string_view secret_name);

/// The SASL/OAUTHBEARER token provider of KAFKA_SASL_MECHANISM=AWS_MSK_IAM: each call signs a
/// fresh MSK IAM token for `region` with the current credentials of `credentials`, valid for
/// `lifetime` (the official signers' 900 s; tests use shorter ones to see tokens replaced; see
/// core/aws/msk_iam_token.h). Error: the credentials provider's (never a secret value).
[[nodiscard]] adapters::kafka::OAuthBearerTokenProvider msk_iam_token_provider(
    std::shared_ptr<adapters::aws::CredentialsProvider> credentials, std::string region,
    std::chrono::seconds lifetime = core::aws::kMskIamTokenLifetime);

/// What the Kafka security settings need besides `Settings`, resolved by the caller.
struct KafkaSecurityInputs {
  std::optional<SaslCredentials> sasl;  ///< from SASL_SECRET_NAME's secret
  std::string ca_bundle;                ///< the process CA bundle (AwsContext::ca_bundle())
  adapters::kafka::OAuthBearerTokenProvider oauthbearer_token_provider;  ///< for AWS_MSK_IAM
};

/// Maps the settings to librdkafka properties, in this order: security.protocol; SASL
/// (sasl.mechanisms plus sasl.username/sasl.password from `inputs.sasl`, or OAUTHBEARER with
/// `inputs.oauthbearer_token_provider` for AWS_MSK_IAM); with TLS (SSL, SASL_SSL) ssl.ca.location
/// = KAFKA_SSL_CA_LOCATION or else the process CA bundle, the client certificate, key and key
/// password when given, and for KAFKA_SSL_INSECURE_SKIP_VERIFY=true
/// enable.ssl.certificate.verification=false and ssl.endpoint.identification.algorithm=none plus
/// a start-up warning naming the setting; allow.auto.create.topics; then every KAFKA_PRODUCER_*
/// property (which may override any of these; the publisher refuses unsafe ones).
[[nodiscard]] adapters::kafka::ProducerSettings map_kafka_producer_settings(
    const core::config::Settings& settings, KafkaSecurityInputs inputs);

/// The producer settings for `settings`: reads SASL_SECRET_NAME's secret through Secrets Manager
/// when set, uses AwsContext's CA bundle, credentials and region, then map_kafka_producer_settings.
/// Errors: the secret cannot be read (names SASL_SECRET_NAME) or parse_sasl_secret's.
[[nodiscard]] core::Result<adapters::kafka::ProducerSettings> kafka_producer_settings(
    const core::config::Settings& settings, const AwsContext& aws, core::Deadline deadline);

}  // namespace dispatcher::app
