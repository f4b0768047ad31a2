#pragma once

// The AWS shared configuration files (~/.aws/credentials and ~/.aws/config), parsed without I/O.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/aws/credentials.h"
#include "core/result.h"

namespace dispatcher::core::aws {

/// Sections of an INI-style AWS profile file: section name (as written between the brackets,
/// trimmed) to property name to value.
struct ProfileFile {
  using Properties = std::map<std::string, std::string, std::less<>>;
  std::map<std::string, Properties, std::less<>> sections;
};

/// Parses the AWS profile file format: `[section]` lines, `name = value` properties, full-line
/// comments starting with '#' or ';', inline comments introduced by whitespace then '#' or ';',
/// and indented continuation lines (appended to the previous value after a newline, as nested
/// settings like `s3 =` use). Repeated sections merge; a repeated property keeps the last value.
/// Errors: permanent "InvalidProfileFile" naming `file_label` and the line number (never the
/// line's text, which may hold a secret).
[[nodiscard]] Result<ProfileFile> parse_profile_file(std::string_view text,
                                                     std::string_view file_label);

/// Which file a profile was read from, for messages.
enum class ProfileFileKind : unsigned char { kCredentials, kConfig };

/// What the shared files say about one profile.
struct ProfileCredentials {
  std::optional<Credentials> credentials;  ///< static keys, when the profile has them
  bool profile_found = false;              ///< the profile exists in either file
  /// A credential source the profile names that this program does not implement ("role_arn",
  /// "credential_process", "sso_session", "sso_start_url", "web_identity_token_file"); empty when
  /// none.
  std::string unsupported_source;
};

/// Looks up static keys (aws_access_key_id, aws_secret_access_key, optional aws_session_token)
/// for `profile`: the credentials file's `[profile]` first, then the config file's
/// `[profile profile]` (or `[default]` for "default"), as the AWS SDKs do.
/// Errors: permanent "IncompleteCredentials" when a profile has one key without the other,
/// naming the profile, the file and the missing property.
[[nodiscard]] Result<ProfileCredentials> profile_credentials(const ProfileFile& credentials_file,
                                                             const ProfileFile& config_file,
                                                             std::string_view profile);

}  // namespace dispatcher::core::aws
