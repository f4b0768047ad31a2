#include "adapters/aws/credentials.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "adapters/system/environment.h"
#include "core/aws/profile_file.h"

namespace dispatcher::adapters::aws {
namespace {

using core::fail;
using core::permanent_error;
using core::Result;
using core::aws::non_empty_variable;

const core::SystemClock& system_clock() {
  static const core::SystemClock kClock;
  return kClock;
}

/// A configured file path with a leading "~/" expanded from HOME, as the SDKs do.
std::optional<std::string> expand_home(const EnvironmentLookup& environment,
                                       std::string_view path) {
  if (path.size() >= 2 && path[0] == '~' && path[1] == '/') {
    const std::optional<std::string> home = non_empty_variable(environment, "HOME");
    if (!home) {
      return std::nullopt;
    }
    return *home + std::string(path.substr(1));
  }
  return std::string(path);
}

std::optional<std::string> shared_file_path(const EnvironmentLookup& environment,
                                            std::string_view variable,
                                            std::string_view default_name) {
  const std::optional<std::string> configured = non_empty_variable(environment, variable);
  if (configured) {
    return expand_home(environment, *configured);
  }
  const std::optional<std::string> home = non_empty_variable(environment, "HOME");
  if (!home) {
    return std::nullopt;
  }
  return *home + "/.aws/" + std::string(default_name);
}

/// The parsed file, or an empty one when it does not exist.
Result<core::aws::ProfileFile> load_profile_file(const FileReader& read_file,
                                                 const std::optional<std::string>& path) {
  if (!path) {
    return core::aws::ProfileFile{};
  }
  Result<std::string> text = read_file(*path);
  if (!text) {
    if (text.error().code == "FileNotFound") {
      return core::aws::ProfileFile{};
    }
    return fail(std::move(text.error()));
  }
  return core::aws::parse_profile_file(*text, *path);
}

Result<std::optional<Credentials>> environment_credentials(const EnvironmentLookup& environment) {
  std::optional<std::string> key_id = non_empty_variable(environment, "AWS_ACCESS_KEY_ID");
  std::optional<std::string> secret = non_empty_variable(environment, "AWS_SECRET_ACCESS_KEY");
  if (!key_id && !secret) {
    return std::optional<Credentials>();
  }
  if (!key_id || !secret) {
    return fail(permanent_error("IncompleteCredentials",
                                key_id
                                    ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
                                    : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"));
  }
  Credentials credentials{.access_key_id = std::move(*key_id),
                          .secret_access_key = std::move(*secret)};
  if (std::optional<std::string> token = non_empty_variable(environment, "AWS_SESSION_TOKEN")) {
    credentials.session_token = std::move(*token);
  }
  return std::optional<Credentials>(std::move(credentials));
}

std::string describe_path(const std::optional<std::string>& path, std::string_view fallback) {
  return path ? *path : std::string(fallback) + " (HOME is not set)";
}

}  // namespace

Result<std::string> read_whole_file(const std::string& path) {
  const std::ifstream stream(path, std::ios::binary);
  if (!stream) {
    std::error_code ignored;
    if (!std::filesystem::exists(path, ignored)) {
      return fail(permanent_error("FileNotFound", "file '" + path + "' does not exist"));
    }
    return fail(permanent_error("FileUnreadable", "cannot read file '" + path + "'"));
  }
  std::ostringstream contents;
  contents << stream.rdbuf();
  if (stream.bad()) {
    return fail(permanent_error("FileUnreadable", "error while reading file '" + path + "'"));
  }
  return std::move(contents).str();
}

ContainerCredentialsProvider::ContainerCredentialsProvider(
    core::aws::ContainerCredentialsEndpoint endpoint, HttpGet http_get, FileReader read_file,
    const core::Clock& clock, std::chrono::seconds refresh_margin)
    : endpoint_(std::move(endpoint)),
      http_get_(std::move(http_get)),
      read_file_(std::move(read_file)),
      clock_(clock),
      refresh_margin_(refresh_margin) {}

Result<Credentials> ContainerCredentialsProvider::credentials() {
  const std::scoped_lock lock(mutex_);
  const auto now = clock_.wall_now();
  if (cached_ && (!cached_->expiration || now + refresh_margin_ < *cached_->expiration)) {
    return *cached_;
  }
  Result<Credentials> fresh = fetch();
  if (!fresh) {
    if (cached_ && cached_->expiration && now < *cached_->expiration) {
      return *cached_;
    }
    return fail(std::move(fresh.error()));
  }
  cached_ = *fresh;
  return fresh;
}

Result<Credentials> ContainerCredentialsProvider::fetch() {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!endpoint_.authorization_token_file.empty()) {
    Result<std::string> token = read_file_(endpoint_.authorization_token_file);
    if (!token) {
      return fail(std::move(token.error()));
    }
    if (core::Status valid = core::aws::check_authorization_token(
            *token, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + endpoint_.authorization_token_file);
        !valid) {
      return fail(std::move(valid.error()));
    }
    headers.emplace_back("Authorization", std::move(*token));
  } else if (!endpoint_.authorization_token.empty()) {
    headers.emplace_back("Authorization", endpoint_.authorization_token);
  }
  Result<std::string> body = http_get_(endpoint_.url, headers);
  if (!body) {
    core::Error error = std::move(body.error());
    error.message = "fetching container credentials from " + endpoint_.url + ": " + error.message;
    return fail(std::move(error));
  }
  return core::aws::parse_container_credentials(*body);
}

Result<std::unique_ptr<CredentialsProvider>> default_credentials_provider(
    DefaultCredentialsOptions options) {
  const EnvironmentLookup environment =
      options.environment ? std::move(options.environment)
                          : EnvironmentLookup(adapters::system::environment_variable);
  const FileReader read_file =
      options.read_file ? std::move(options.read_file) : FileReader(read_whole_file);

  // 1. Environment variables.
  Result<std::optional<Credentials>> from_environment = environment_credentials(environment);
  if (!from_environment) {
    return fail(std::move(from_environment.error()));
  }
  if (std::optional<Credentials>& found = *from_environment; found) {
    return std::make_unique<StaticCredentialsProvider>(std::move(*found));
  }

  // 2. Shared credentials and config files.
  const std::optional<std::string> explicit_profile =
      non_empty_variable(environment, "AWS_PROFILE");
  const std::string profile = explicit_profile.value_or("default");
  const std::optional<std::string> credentials_path =
      shared_file_path(environment, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
  const std::optional<std::string> config_path =
      shared_file_path(environment, "AWS_CONFIG_FILE", "config");
  Result<core::aws::ProfileFile> credentials_file = load_profile_file(read_file, credentials_path);
  if (!credentials_file) {
    return fail(std::move(credentials_file.error()));
  }
  Result<core::aws::ProfileFile> config_file = load_profile_file(read_file, config_path);
  if (!config_file) {
    return fail(std::move(config_file.error()));
  }
  Result<core::aws::ProfileCredentials> from_profile =
      core::aws::profile_credentials(*credentials_file, *config_file, profile);
  if (!from_profile) {
    return fail(std::move(from_profile.error()));
  }
  if (std::optional<Credentials>& found = from_profile->credentials; found) {
    return std::make_unique<StaticCredentialsProvider>(std::move(*found));
  }
  if (!from_profile->unsupported_source.empty()) {
    return fail(permanent_error(
        "UnsupportedCredentialsSource",
        "profile '" + profile + "' gets credentials through " + from_profile->unsupported_source +
            ", which this program does not support; use static keys in the profile, "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or container credentials"));
  }
  if (explicit_profile && !from_profile->profile_found) {
    return fail(permanent_error(
        "ProfileNotFound", "AWS_PROFILE names profile '" + profile + "', which is in neither " +
                               describe_path(credentials_path, "~/.aws/credentials") + " nor " +
                               describe_path(config_path, "~/.aws/config")));
  }

  // 3. Container credentials.
  Result<std::optional<core::aws::ContainerCredentialsEndpoint>> endpoint =
      core::aws::container_credentials_endpoint(environment);
  if (!endpoint) {
    return fail(std::move(endpoint.error()));
  }
  if (std::optional<core::aws::ContainerCredentialsEndpoint>& found = *endpoint; found) {
    if (!options.http_get) {
      return fail(permanent_error(
          "MissingHttpClient",
          "container credentials are configured but no HTTP client was given to fetch them"));
    }
    return std::make_unique<ContainerCredentialsProvider>(
        std::move(*found), std::move(options.http_get), read_file,
        options.clock != nullptr ? *options.clock : system_clock(), options.refresh_margin);
  }

  return fail(permanent_error(
      "CredentialsNotFound",
      "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, put static "
      "keys in profile '" +
          profile + "' of " + describe_path(credentials_path, "~/.aws/credentials") +
          ", or set AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / AWS_CONTAINER_CREDENTIALS_FULL_URI"));
}

}  // namespace dispatcher::adapters::aws
