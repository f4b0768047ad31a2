#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/aws/environment_lookup.h"

namespace dispatcher::core::aws::testing {

/// An EnvironmentLookup over a fixed map, so tests never touch the process environment.
inline EnvironmentLookup fake_environment(std::map<std::string, std::string, std::less<>> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    const auto found = values.find(name);
    if (found == values.end()) {
      return std::nullopt;
    }
    return found->second;
  };
}

}  // namespace dispatcher::core::aws::testing
