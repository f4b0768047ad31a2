#include "adapters/system/environment.h"

#include <cstdlib>

namespace dispatcher::adapters::system {

std::optional<std::string> environment_variable(std::string_view name) {
  const std::string key(name);
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read-only use; nothing in the process calls setenv
  const char* value = std::getenv(key.c_str());
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

}  // namespace dispatcher::adapters::system
