#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/aws/json_client.h"
#include "core/clock.h"
#include "core/result.h"

namespace dispatcher::adapters::secrets {

/// A secret's current value. Holds a secret: never log it, print it or put it in an error.
struct SecretValue {
  std::string arn;
  std::string name;
  std::string version_id;
  std::optional<std::string> secret_string;  ///< SecretString, when the secret is text
  std::optional<std::string> secret_binary;  ///< SecretBinary, base64-decoded bytes
};

/// Secrets Manager through one JsonClient made for aws::kSecretsManagerService. Thread-compatible.
class SecretsManagerClient {
 public:
  explicit SecretsManagerClient(std::shared_ptr<aws::JsonClient> json);

  /// GetSecretValue of the AWSCURRENT version; `secret_id` is a name or an ARN. Errors (service
  /// "secretsmanager"): ResourceNotFoundException, AccessDeniedException, DecryptionFailure, ...
  /// as JsonClient::call describes; permanent "UnexpectedResponse" when the answer has neither
  /// SecretString nor a valid base64 SecretBinary. Messages never contain the value.
  [[nodiscard]] core::Result<SecretValue> secret_value(std::string_view secret_id,
                                                       core::Deadline deadline);

 private:
  std::shared_ptr<aws::JsonClient> json_;
};

}  // namespace dispatcher::adapters::secrets
