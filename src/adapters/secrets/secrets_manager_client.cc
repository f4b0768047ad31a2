#include "adapters/secrets/secrets_manager_client.h"

#include <stdexcept>
#include <utility>

#include "core/encoding/base64.h"

namespace dispatcher::adapters::secrets {
namespace {

core::Error unexpected(std::string_view what) {
  return core::permanent_error("UnexpectedResponse",
                               "GetSecretValue: unexpected response: " + std::string(what),
                               "secretsmanager");
}

/// The string member `name` of `object`, empty when it is missing or not a string: json::value
/// throws on a member of another type, which ended the process at start-up (found by fuzzing).
std::string text_member(const nlohmann::json& object, const char* name) {
  const auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
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
  value.arn = text_member(output, "ARN");
  value.name = text_member(output, "Name");
  value.version_id = text_member(output, "VersionId");
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
