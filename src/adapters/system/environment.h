#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace dispatcher::adapters::system {

/// The value of an environment variable; nullopt when unset. An empty value is returned as "".
[[nodiscard]] std::optional<std::string> environment_variable(std::string_view name);

/// Every variable of the process environment, name to value (a copy taken now).
[[nodiscard]] std::map<std::string, std::string, std::less<>> process_environment();

}  // namespace dispatcher::adapters::system
