#include "core/aws/profile_file.h"

#include <array>

#include "core/encoding/ascii.h"

namespace dispatcher::core::aws {
namespace {

/// Cuts an inline comment: '#' or ';' preceded by whitespace.
std::string_view strip_inline_comment(std::string_view text) {
  for (std::size_t index = 1; index < text.size(); ++index) {
    if ((text[index] == '#' || text[index] == ';') && encoding::is_ascii_space(text[index - 1])) {
      return text.substr(0, index);
    }
  }
  return text;
}

Error invalid_line(std::string_view file_label, std::size_t line_number, std::string_view why) {
  return permanent_error(
      "InvalidProfileFile",
      std::string(file_label) + " line " + std::to_string(line_number) + ": " + std::string(why));
}

const ProfileFile::Properties* find_section(const ProfileFile& file, std::string_view name) {
  const auto found = file.sections.find(name);
  return found == file.sections.end() ? nullptr : &found->second;
}

const std::string* find_property(const ProfileFile::Properties& properties, std::string_view name) {
  const auto found = properties.find(name);
  return found == properties.end() || found->second.empty() ? nullptr : &found->second;
}

/// Static keys from one section; nullopt when it has neither key.
Result<std::optional<Credentials>> static_keys(const ProfileFile::Properties& properties,
                                               std::string_view profile,
                                               std::string_view file_label) {
  const std::string* key_id = find_property(properties, "aws_access_key_id");
  const std::string* secret = find_property(properties, "aws_secret_access_key");
  if (key_id == nullptr && secret == nullptr) {
    return std::optional<Credentials>();
  }
  if (key_id == nullptr || secret == nullptr) {
    return fail(permanent_error(
        "IncompleteCredentials",
        "profile '" + std::string(profile) + "' in the " + std::string(file_label) + " has " +
            (key_id == nullptr ? "aws_secret_access_key but no aws_access_key_id"
                               : "aws_access_key_id but no aws_secret_access_key")));
  }
  Credentials credentials{.access_key_id = *key_id, .secret_access_key = *secret};
  if (const std::string* token = find_property(properties, "aws_session_token")) {
    credentials.session_token = *token;
  }
  return std::optional<Credentials>(std::move(credentials));
}

std::string unsupported_source(const ProfileFile::Properties& properties) {
  static constexpr std::array<std::string_view, 5> kSources = {
      "role_arn", "credential_process", "sso_session", "sso_start_url", "web_identity_token_file"};
  for (const std::string_view source : kSources) {
    if (find_property(properties, source) != nullptr) {
      return std::string(source);
    }
  }
  return {};
}

}  // namespace

Result<ProfileFile> parse_profile_file(std::string_view text, std::string_view file_label) {
  ProfileFile file;
  ProfileFile::Properties* section = nullptr;
  std::string* last_value = nullptr;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    const std::string_view content = encoding::trim_ascii(line);
    if (content.empty() || content.front() == '#' || content.front() == ';') {
      continue;
    }
    if (content.front() == '[') {
      const std::size_t close = content.find(']');
      if (close == std::string_view::npos) {
        return fail(invalid_line(file_label, line_number, "section header without ']'"));
      }
      const std::string_view after = encoding::trim_ascii(content.substr(close + 1));
      if (!after.empty() && after.front() != '#' && after.front() != ';') {
        return fail(invalid_line(file_label, line_number, "text after a section header"));
      }
      const std::string_view name = encoding::trim_ascii(content.substr(1, close - 1));
      if (name.empty()) {
        return fail(invalid_line(file_label, line_number, "empty section name"));
      }
      section = &file.sections[std::string(name)];
      last_value = nullptr;
      continue;
    }
    if (encoding::is_ascii_space(line.front())) {
      // Indented: a continuation of the previous property's value.
      if (last_value == nullptr) {
        return fail(
            invalid_line(file_label, line_number, "indented line that continues no property"));
      }
      if (!last_value->empty()) {
        last_value->push_back('\n');
      }
      last_value->append(encoding::trim_ascii(strip_inline_comment(content)));
      continue;
    }
    const std::size_t equals = content.find('=');
    if (equals == std::string_view::npos) {
      return fail(invalid_line(file_label, line_number, "expected 'name = value'"));
    }
    const std::string_view name = encoding::trim_ascii(content.substr(0, equals));
    if (name.empty()) {
      return fail(invalid_line(file_label, line_number, "property without a name"));
    }
    if (section == nullptr) {
      return fail(invalid_line(file_label, line_number, "property before any [section]"));
    }
    const std::string_view value =
        encoding::trim_ascii(strip_inline_comment(content.substr(equals + 1)));
    std::string& stored = (*section)[std::string(name)];
    stored.assign(value);
    last_value = &stored;
  }
  return file;
}

Result<ProfileCredentials> profile_credentials(const ProfileFile& credentials_file,
                                               const ProfileFile& config_file,
                                               std::string_view profile) {
  ProfileCredentials result;
  if (const auto* section = find_section(credentials_file, profile)) {
    result.profile_found = true;
    Result<std::optional<Credentials>> keys = static_keys(*section, profile, "credentials file");
    if (!keys) {
      return fail(std::move(keys.error()));
    }
    if (std::optional<Credentials>& found = *keys) {
      result.credentials = std::move(*found);
      return result;
    }
    result.unsupported_source = unsupported_source(*section);
  }
  const std::string config_section = "profile " + std::string(profile);
  const auto* section = find_section(config_file, config_section);
  if (section == nullptr && profile == "default") {
    section = find_section(config_file, "default");
  }
  if (section != nullptr) {
    result.profile_found = true;
    Result<std::optional<Credentials>> keys = static_keys(*section, profile, "config file");
    if (!keys) {
      return fail(std::move(keys.error()));
    }
    if (std::optional<Credentials>& found = *keys) {
      result.credentials = std::move(*found);
      return result;
    }
    if (result.unsupported_source.empty()) {
      result.unsupported_source = unsupported_source(*section);
    }
  }
  return result;
}

}  // namespace dispatcher::core::aws
