#include "adapters/system/environment.h"

#include <cstdlib>

#include <unistd.h>

namespace dispatcher::adapters::system {

std::optional<std::string> environment_variable(std::string_view name) {
  const std::string key(name);
  // NOLINTNEXTLINE(concurrency-mt-unsafe): only the main thread reads or sets variables
  const char* value = std::getenv(key.c_str());
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

std::map<std::string, std::string, std::less<>> process_environment() {
  std::map<std::string, std::string, std::less<>> variables;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) {
      continue;
    }
    variables.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return variables;
}

}  // namespace dispatcher::adapters::system
