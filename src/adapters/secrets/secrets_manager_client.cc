#include "adapters/secrets/secrets_manager_client.h"

#include <stdexcept>
#include <utility>

#include "core/encoding/base64.h"

namespace dispatcher::adapters::secrets {
namespace {

core::Error unexpected(std::string_view what) {
  core::Error error = core::permanent_error(
      "UnexpectedResponse", "GetSecretValue: unexpected response: " + std::string(what));
  error.service = "secretsmanager";
  return error;
}

}  // namespace

SecretsManagerClient::SecretsManagerClient(std::shared_ptr<aws::JsonClient> json)
    : json_(std::move(json)) {
  if (!json_ || json_->service().target_prefix != aws::kSecretsManagerService.target_prefix) {
    throw std::invalid_argument(
        "SecretsManagerClient needs a JsonClient for aws::kSecretsManagerService");
  }
}

core::Result<SecretValue> SecretsManagerClient::secret_value(std::string_view secret_id,
                                                             core::Deadline deadline) {
  auto response = json_->call("GetSecretValue", {{"SecretId", secret_id}}, deadline);
  if (!response) {
    return core::fail(std::move(response.error()));
  }
  const nlohmann::json& output = response->output;
  SecretValue value;
  value.arn = output.value("ARN", "");
  value.name = output.value("Name", "");
  value.version_id = output.value("VersionId", "");
  if (const auto text = output.find("SecretString"); text != output.end() && text->is_string()) {
    value.secret_string = text->get<std::string>();
  }
  if (const auto binary = output.find("SecretBinary");
      binary != output.end() && binary->is_string()) {
    auto bytes = core::encoding::base64_decode(binary->get_ref<const std::string&>());
    if (!bytes) {
      // The decoder's message names a position only, never the value.
      return core::fail(unexpected("SecretBinary is not valid base64"));
    }
    value.secret_binary = std::move(*bytes);
  }
  if (!value.secret_string && !value.secret_binary) {
    return core::fail(unexpected("neither SecretString nor SecretBinary"));
  }
  return value;
}

}  // namespace dispatcher::adapters::secrets
