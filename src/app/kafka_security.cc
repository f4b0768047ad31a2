#include "app/kafka_security.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "adapters/secrets/secrets_manager_client.h"

namespace dispatcher::app {
namespace {

core::Error secret_error(std::string message) {
  core::Error error = core::permanent_error("InvalidSaslSecret", std::move(message));
  error.service = "config";
  return error;
}

}  // namespace

core::Result<SaslCredentials> parse_sasl_secret(std::string_view secret_text,
                                                std::string_view secret_name) {
  const std::string where = "SASL_SECRET_NAME secret '" + std::string(secret_name) + "'";
  // No exceptions and no parser message: either could quote the secret's text.
  const auto document = nlohmann::json::parse(secret_text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return core::fail(secret_error(
        where + " is not a JSON object; expected {\"username\": \"...\", \"password\": \"...\"}"));
  }
  SaslCredentials credentials;
  for (const auto& [field, target] :
       {std::pair<const char*, std::string*>{"username", &credentials.username},
        std::pair<const char*, std::string*>{"password", &credentials.password}}) {
    const auto found = document.find(field);
    if (found == document.end() || !found->is_string() ||
        found->get_ref<const std::string&>().empty()) {
      return core::fail(secret_error(where + " has no non-empty string field \"" + field + "\""));
    }
    *target = found->get<std::string>();
  }
  return credentials;
}

core::Result<adapters::kafka::ProducerSettings> kafka_producer_settings(
    const core::config::Settings& settings, const AwsContext& aws, core::Deadline deadline) {
  adapters::kafka::ProducerSettings producer{.bootstrap_servers = settings.kafka_bootstrap_servers,
                                             .client_id = settings.kafka_client_id};
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
    if (!secret->secret_string) {
      return core::fail(secret_error("SASL_SECRET_NAME secret '" + settings.sasl_secret_name +
                                     "' holds binary data, not JSON text"));
    }
    auto credentials = parse_sasl_secret(*secret->secret_string, settings.sasl_secret_name);
    if (!credentials) {
      return core::fail(std::move(credentials.error()));
    }
    producer.extra_properties = {
        {"security.protocol",
         std::string(core::config::to_string(settings.kafka_security_protocol))},
        {"sasl.mechanisms", std::string(core::config::to_string(settings.sasl_mechanism))},
        {"sasl.username", std::move(credentials->username)},
        {"sasl.password", std::move(credentials->password)},
    };
  }
  // A missing topic is an error unless auto-creation was asked for (the broker must allow it too).
  producer.extra_properties.emplace_back(
      "allow.auto.create.topics", settings.kafka_allow_auto_create_topics ? "true" : "false");
  for (const auto& property : settings.producer_properties) {
    producer.extra_properties.push_back(property);
  }
  return producer;
}

}  // namespace dispatcher::app
