#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dispatcher::adapters::system {

/// The value of an environment variable; nullopt when unset. An empty value is returned as "".
[[nodiscard]] std::optional<std::string> environment_variable(std::string_view name);

}  // namespace dispatcher::adapters::system
