#include "adapters/secrets/ssm_client.h"

#include <stdexcept>
#include <utility>

namespace dispatcher::adapters::secrets {

SsmClient::SsmClient(std::shared_ptr<aws::JsonClient> json) : json_(std::move(json)) {
  if (!json_ || json_->service().target_prefix != aws::kSsmService.target_prefix) {
    throw std::invalid_argument("SsmClient needs a JsonClient for aws::kSsmService");
  }
}

core::Result<Parameter> SsmClient::parameter(std::string_view name, bool with_decryption,
                                             core::Deadline deadline) {
  auto response =
      json_->call("GetParameter", {{"Name", name}, {"WithDecryption", with_decryption}}, deadline);
  if (!response) {
    return core::fail(std::move(response.error()));
  }
  const auto found = response->output.find("Parameter");
  if (found == response->output.end() || !found->is_object() || !found->contains("Value") ||
      !(*found)["Value"].is_string()) {
    core::Error error =
        core::permanent_error("UnexpectedResponse", "GetParameter: no Parameter with a Value");
    error.service = "ssm";
    return core::fail(std::move(error));
  }
  Parameter parameter;
  // Members of another type read as absent: json::value throws on them, which ended the process
  // at start-up.
  const auto text = [&found](const char* member) {
    const auto at = found->find(member);
    return at != found->end() && at->is_string() ? at->get<std::string>() : std::string();
  };
  parameter.name = text("Name");
  parameter.arn = text("ARN");
  parameter.type = text("Type");
  parameter.value = (*found)["Value"].get<std::string>();
  const auto version = found->find("Version");
  parameter.version =
      version != found->end() && version->is_number_integer() ? version->get<std::int64_t>() : 0;
  return parameter;
}

}  // namespace dispatcher::adapters::secrets
