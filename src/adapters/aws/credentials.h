#pragma once

// Where AWS credentials come from, in the AWS SDKs' order: environment variables, the shared
// credentials and config files, then the container credentials endpoint (ECS, EKS Pod Identity).

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/aws/container_credentials.h"
#include "core/aws/credentials.h"
#include "core/aws/environment_lookup.h"
#include "core/clock.h"
#include "core/result.h"

namespace dispatcher::adapters::aws {

/// Access key id, secret, optional session token and expiration. Never log them.
using Credentials = core::aws::Credentials;
using EnvironmentLookup = core::aws::EnvironmentLookup;

/// One HTTP GET: the response body on a 2xx answer, an error otherwise (retryable for transport
/// failures and 5xx, as the HTTP client classifies them).
using HttpGet = std::function<core::Result<std::string>(
    const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers)>;

/// Reads a whole file. Errors: permanent "FileNotFound" when it does not exist (the shared
/// files are optional), permanent "FileUnreadable" otherwise; both name the path.
using FileReader = std::function<core::Result<std::string>(const std::string& path)>;

/// Reads a file from disk (the default FileReader).
[[nodiscard]] core::Result<std::string> read_whole_file(const std::string& path);

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  /// Credentials valid for at least a few more minutes. Thread-safe.
  [[nodiscard]] virtual core::Result<Credentials> credentials() = 0;
};

/// Always the same credentials (environment variables, a profile's static keys, tests).
class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials credentials)
      : credentials_(std::move(credentials)) {}
  [[nodiscard]] core::Result<Credentials> credentials() override { return credentials_; }

 private:
  Credentials credentials_;
};

/// Temporary credentials from the container agent, fetched on first use and again once they
/// are within `refresh_margin` of their Expiration. When a refresh fails while the cached
/// credentials have not expired yet, those are returned (the agent may be briefly unavailable).
class ContainerCredentialsProvider final : public CredentialsProvider {
 public:
  ContainerCredentialsProvider(core::aws::ContainerCredentialsEndpoint endpoint, HttpGet http_get,
                               FileReader read_file, const core::Clock& clock,
                               std::chrono::seconds refresh_margin);

  /// Errors: the fetch's error (retryable "CredentialsUnavailable" wrapping transport
  /// failures), permanent "InvalidCredentialsResponse" for a malformed document, the token
  /// file's "FileUnreadable" / "InvalidContainerAuthorizationToken".
  [[nodiscard]] core::Result<Credentials> credentials() override;

 private:
  core::Result<Credentials> fetch();

  core::aws::ContainerCredentialsEndpoint endpoint_;
  HttpGet http_get_;
  FileReader read_file_;
  const core::Clock& clock_;
  std::chrono::seconds refresh_margin_;
  std::mutex mutex_;
  std::optional<Credentials> cached_;
};

/// The default refresh margin: AWS SDKs refresh container credentials 5 minutes before expiry.
inline constexpr std::chrono::seconds kDefaultRefreshMargin{300};

struct DefaultCredentialsOptions {
  /// Where variables are read; defaults to the process environment.
  EnvironmentLookup environment;
  /// Needed only when the container credentials variables are set.
  HttpGet http_get;
  /// Defaults to read_whole_file.
  FileReader read_file;
  /// Defaults to a process-wide SystemClock. Must outlive the provider.
  const core::Clock* clock = nullptr;
  std::chrono::seconds refresh_margin = kDefaultRefreshMargin;
};

/// Chooses the credentials source once, in the AWS SDKs' order:
/// 1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
/// 2. the profile AWS_PROFILE (default "default") in AWS_SHARED_CREDENTIALS_FILE
///    (~/.aws/credentials) and AWS_CONFIG_FILE (~/.aws/config), static keys only;
/// 3. AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN
///    or _TOKEN_FILE.
/// Errors (permanent, naming what is missing and never a secret value): "IncompleteCredentials"
/// (one of a key pair set without the other), "ProfileNotFound" (AWS_PROFILE names a profile
/// absent from both files), "UnsupportedCredentialsSource" (the profile uses role_arn, sso,
/// credential_process, ...), "InvalidProfileFile", "InvalidContainerCredentialsUri",
/// "CredentialsNotFound" (nothing configured), "MissingHttpClient" (container credentials
/// configured but no http_get given).
[[nodiscard]] core::Result<std::unique_ptr<CredentialsProvider>> default_credentials_provider(
    DefaultCredentialsOptions options = {});

}  // namespace dispatcher::adapters::aws
