#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "adapters/aws/json_client.h"
#include "core/clock.h"
#include "core/result.h"

namespace dispatcher::adapters::secrets {

/// An SSM parameter. A SecureString's value is a secret: never log it.
struct Parameter {
  std::string name;
  std::string arn;
  std::string type;  ///< "String", "StringList" or "SecureString"
  std::string value;
  std::int64_t version = 0;
};

/// SSM Parameter Store through one JsonClient made for aws::kSsmService. Thread-compatible.
class SsmClient {
 public:
  explicit SsmClient(std::shared_ptr<aws::JsonClient> json);

  /// GetParameter; `name` is a parameter name or ARN. with_decryption returns SecureString values
  /// in clear text. Errors (service "ssm"): ParameterNotFound, AccessDeniedException, ... as
  /// JsonClient::call describes; permanent "UnexpectedResponse" when the answer has no Parameter.
  [[nodiscard]] core::Result<Parameter> parameter(std::string_view name, bool with_decryption,
                                                  core::Deadline deadline);

 private:
  std::shared_ptr<aws::JsonClient> json_;
};

}  // namespace dispatcher::adapters::secrets
