#include "core/dispatch/offset_item.h"

#include <string>

namespace dispatcher::core::dispatch {
namespace {

Error invalid(std::string_view attribute, std::string_view problem) {
  return permanent_error("InvalidOffsetItem", "offset item attribute '" + std::string(attribute) +
                                                  "' " + std::string(problem));
}

/// nullopt when absent; an error when present but not an integer.
Result<std::optional<std::int64_t>> optional_integer(const dynamodb::Item& item,
                                                     std::string_view name) {
  if (dynamodb::attribute(item, name) == nullptr) {
    return std::optional<std::int64_t>{};
  }
  const auto value = dynamodb::integer_attribute(item, name);
  if (!value) {
    return fail(invalid(name, "is not an integer number"));
  }
  return value;
}

}  // namespace

Result<OffsetState> parse_offset_item(const dynamodb::Item& item) {
  OffsetState state;
  auto version = optional_integer(item, offset_attribute::kVersion);
  if (!version) {
    return fail(std::move(version.error()));
  }
  state.version = *version;
  auto dispatched_at = optional_integer(item, offset_attribute::kDispatchedAt);
  if (!dispatched_at) {
    return fail(std::move(dispatched_at.error()));
  }
  state.dispatched_at_milliseconds = *dispatched_at;

  auto hold_version = optional_integer(item, offset_attribute::kHoldVersion);
  if (!hold_version) {
    return fail(std::move(hold_version.error()));
  }
  const std::string* reason_name = dynamodb::string_attribute(item, offset_attribute::kHoldReason);
  const std::optional<std::int64_t> held_version = *hold_version;
  if (!held_version.has_value() && reason_name == nullptr) {
    return state;
  }
  if (!held_version.has_value()) {
    return fail(invalid(offset_attribute::kHoldVersion, "is missing beside hold_reason"));
  }
  if (reason_name == nullptr) {
    return fail(invalid(offset_attribute::kHoldReason, "is missing or not a string"));
  }
  const auto reason = parse_hold_reason(*reason_name);
  if (!reason) {
    return fail(
        invalid(offset_attribute::kHoldReason, "is not one of gap, poison, refused, corrupt"));
  }
  auto since = optional_integer(item, offset_attribute::kHeldSince);
  if (!since) {
    return fail(std::move(since.error()));
  }
  const std::string* detail = dynamodb::string_attribute(item, offset_attribute::kHoldDetail);
  state.hold = StoredHold{.hold = Hold{.version = *held_version,
                                       .reason = *reason,
                                       .detail = detail != nullptr ? *detail : std::string()},
                          .since_milliseconds = since->value_or(0)};
  return state;
}

}  // namespace dispatcher::core::dispatch
