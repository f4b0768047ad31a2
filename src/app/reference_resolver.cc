#include "app/reference_resolver.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "adapters/secrets/secrets_manager_client.h"
#include "adapters/secrets/ssm_client.h"

namespace dispatcher::app {
namespace {

core::Error reference_error(std::string_view variable, std::string_view what,
                            const core::Error& cause) {
  core::Error error = cause;
  error.message = std::string(variable) + ": " + std::string(what) + ": " + cause.describe();
  error.service = "config";
  error.code = "UnresolvableSetting";
  error.kind = core::ErrorKind::kPermanent;
  return error;
}

}  // namespace

core::Result<ResolvedEnvironment> resolve_references(core::config::Environment environment,
                                                     const AwsContext& aws,
                                                     core::Deadline deadline) {
  core::config::SensitiveNames sensitive;
  std::unique_ptr<adapters::secrets::SsmClient> ssm;
  std::unique_ptr<adapters::secrets::SecretsManagerClient> secrets;
  for (const std::string_view name : core::config::resolvable_setting_names()) {
    const auto found = environment.find(name);
    if (found == environment.end()) {
      continue;
    }
    const auto kind = core::config::reference_kind(found->second);
    if (!kind) {
      continue;
    }
    const std::string arn = found->second;
    if (*kind == core::config::ReferenceKind::kSsmParameter) {
      if (!ssm) {
        auto json = aws.json_client(adapters::aws::kSsmService, "ssm");
        if (!json) {
          return core::fail(std::move(json.error()));
        }
        ssm = std::make_unique<adapters::secrets::SsmClient>(std::move(*json));
      }
      auto parameter = ssm->parameter(arn, /*with_decryption=*/true, deadline);
      if (!parameter) {
        return core::fail(
            reference_error(name, "cannot read SSM parameter " + arn, parameter.error()));
      }
      if (parameter->type != "String" && parameter->type != "StringList") {
        sensitive.emplace(name);  // SecureString, or a type this code does not know: secret
      }
      found->second = std::move(parameter->value);
      continue;
    }
    if (!secrets) {
      auto json = aws.json_client(adapters::aws::kSecretsManagerService, "secretsmanager");
      if (!json) {
        return core::fail(std::move(json.error()));
      }
      secrets = std::make_unique<adapters::secrets::SecretsManagerClient>(std::move(*json));
    }
    auto secret = secrets->secret_value(arn, deadline);
    if (!secret) {
      return core::fail(reference_error(name, "cannot read secret " + arn, secret.error()));
    }
    std::optional<std::string>& secret_text = secret->secret_string;
    if (!secret_text) {
      return core::fail(core::permanent_error(
          "UnresolvableSetting",
          std::string(name) + ": secret " + arn + " holds binary data, not a string", "config"));
    }
    sensitive.emplace(name);
    found->second = std::move(*secret_text);
  }
  return ResolvedEnvironment{.environment = std::move(environment),
                             .sensitive = std::move(sensitive)};
}

}  // namespace dispatcher::app
