#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/aws/credentials.h"
#include "adapters/aws/json_client.h"
#include "adapters/http/client.h"
#include "core/aws/environment_lookup.h"
#include "core/clock.h"
#include "core/config/settings.h"
#include "core/result.h"
#include "core/retry/random_source.h"
#include "core/retry/retry_policy.h"

namespace dispatcher::app {

/// What every AWS client of the process shares, resolved once from the environment as the AWS
/// SDKs do: region, credentials chain, endpoint overrides, one HTTP client, one retry policy
/// per service family (the SDKs' standard mode, DynamoDB's own defaults; AWS_MAX_ATTEMPTS
/// overrides the number of attempts of both).
/// One start-up error of several (permanent "InvalidConfiguration", service "config"), each
/// problem as "<code>: <message>" joined by "; "; the error itself when there is one.
[[nodiscard]] core::Error combined_startup_error(std::vector<core::Error> errors);

class AwsContext {
 public:
  /// Errors (permanent, service "config"): no region, no or partial credentials, a malformed
  /// AWS_MAX_ATTEMPTS or DISPATCHER_REQUESTS_IN_FLIGHT, no CA bundle (CaBundleNotFound); each
  /// names the variables concerned, never a secret value. Several at once are one error naming
  /// them all (combined_startup_error).
  [[nodiscard]] static core::Result<std::unique_ptr<AwsContext>> create(
      const core::config::Environment& environment, std::shared_ptr<const core::Clock> clock);

  AwsContext(const AwsContext&) = delete;
  AwsContext& operator=(const AwsContext&) = delete;
  AwsContext(AwsContext&&) = delete;
  AwsContext& operator=(AwsContext&&) = delete;
  ~AwsContext() = default;

  [[nodiscard]] const std::string& region() const noexcept { return region_; }

  /// The PEM bundle of trusted CAs every TLS client of the process uses (DISPATCHER_CA_BUNDLE, or
  /// discovered with adapters::system::locate_ca_bundle); found at create() or create() fails.
  [[nodiscard]] const std::string& ca_bundle() const noexcept { return ca_bundle_; }

  /// The process's AWS credentials chain (for signing outside the JSON clients, e.g. MSK IAM).
  [[nodiscard]] const std::shared_ptr<adapters::aws::CredentialsProvider>& credentials_provider()
      const noexcept {
    return credentials_;
  }

  /// A JSON-protocol client for `service` at the endpoint of `service_id` ("dynamodb",
  /// "streams.dynamodb", "secretsmanager", "ssm"), honouring AWS_ENDPOINT_URL[_<SERVICE>].
  /// Error: a malformed endpoint override, naming the variable.
  [[nodiscard]] core::Result<std::shared_ptr<adapters::aws::JsonClient>> json_client(
      const adapters::aws::JsonService& service, std::string_view service_id) const;

 private:
  AwsContext(core::config::Environment environment, std::shared_ptr<const core::Clock> clock);

  /// Reads the context's own copy of the environment.
  [[nodiscard]] core::aws::EnvironmentLookup lookup() const;

  core::config::Environment environment_;
  std::shared_ptr<const core::Clock> clock_;
  std::string region_;
  std::string ca_bundle_;
  std::shared_ptr<adapters::http::Client> http_;
  std::shared_ptr<adapters::http::Client> credentials_http_;
  std::shared_ptr<adapters::aws::CredentialsProvider> credentials_;
  std::shared_ptr<core::retry::RetryPolicy> retry_policy_;
  std::shared_ptr<core::retry::RetryPolicy> dynamodb_retry_policy_;
};

}  // namespace dispatcher::app
