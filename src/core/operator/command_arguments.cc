#include "core/operator/command_arguments.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace dispatcher::core::operator_tools {
namespace {

Error usage_error(std::string message) { return permanent_error("UsageError", std::move(message)); }

}  // namespace

Result<CommandArguments> CommandArguments::parse(std::span<const std::string_view> arguments,
                                                 std::span<const OptionSpec> options) {
  CommandArguments parsed;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    std::string_view argument = arguments[i];
    std::optional<std::string_view> inline_value;
    if (const auto equals = argument.find('=');
        argument.starts_with("--") && equals != std::string_view::npos) {
      inline_value = argument.substr(equals + 1);
      argument = argument.substr(0, equals);
    }
    const auto spec = std::ranges::find(options, argument, &OptionSpec::name);
    if (spec == options.end()) {
      return fail(usage_error(argument.starts_with("-")
                                  ? "unknown option '" + std::string(argument) + "'"
                                  : "unexpected argument '" + std::string(argument) + "'"));
    }
    if (parsed.has(argument)) {
      return fail(usage_error("option '" + std::string(argument) + "' given twice"));
    }
    if (!spec->takes_value) {
      if (inline_value) {
        return fail(usage_error("option '" + std::string(argument) + "' takes no value"));
      }
      parsed.flags_.emplace(argument);
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= arguments.size()) {
        return fail(usage_error("option '" + std::string(argument) + "' needs a value"));
      }
      inline_value = arguments[++i];
    }
    parsed.values_.emplace(std::string(argument), std::string(*inline_value));
  }
  return parsed;
}

bool CommandArguments::has(std::string_view name) const {
  return flags_.contains(name) || values_.contains(name);
}

std::optional<std::string_view> CommandArguments::value(std::string_view name) const {
  const auto found = values_.find(name);
  if (found == values_.end()) {
    return std::nullopt;
  }
  return found->second;
}

Result<std::optional<std::int64_t>> CommandArguments::integer(std::string_view name,
                                                              std::int64_t minimum) const {
  const auto text = value(name);
  if (!text) {
    return std::optional<std::int64_t>{};
  }
  std::int64_t number = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), number);
  if (error != std::errc() || end != text->data() + text->size()) {
    return fail(
        usage_error(std::string(name) + " takes a whole number, not '" + std::string(*text) + "'"));
  }
  if (number < minimum) {
    return fail(usage_error(std::string(name) + " must be at least " + std::to_string(minimum)));
  }
  return std::optional<std::int64_t>{number};
}

Result<std::optional<double>> CommandArguments::positive_number(std::string_view name) const {
  const auto text = value(name);
  if (!text) {
    return std::optional<double>{};
  }
  double number = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), number);
  if (error != std::errc() || end != text->data() + text->size() || !std::isfinite(number) ||
      number <= 0) {
    return fail(usage_error(std::string(name) + " takes a positive number, not '" +
                            std::string(*text) + "'"));
  }
  return std::optional<double>{number};
}

}  // namespace dispatcher::core::operator_tools
