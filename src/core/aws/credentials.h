#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace dispatcher::core::aws {

/// AWS credentials. Never log or print these; `secret_access_key` and `session_token` are
/// secrets and `access_key_id` identifies the account.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  ///< empty for long-term keys
  /// When temporary credentials stop working; nullopt for keys that do not expire.
  std::optional<std::chrono::system_clock::time_point> expiration;
};

}  // namespace dispatcher::core::aws
