#pragma once

#include <string_view>

#include "adapters/kafka/producer_settings.h"
#include "app/aws_environment.h"
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

/// The producer settings for `settings`: bootstrap servers, client id, SASL_SSL with the
/// configured mechanism and the secret's credentials when SASL_SECRET_NAME is set, then every
/// KAFKA_PRODUCER_* property (which may override security.protocol, e.g. for SASL_PLAINTEXT).
/// Errors: the secret cannot be read (names SASL_SECRET_NAME) or parse_sasl_secret's.
[[nodiscard]] core::Result<adapters::kafka::ProducerSettings> kafka_producer_settings(
    const core::config::Settings& settings, const AwsContext& aws, core::Deadline deadline);

}  // namespace dispatcher::app
