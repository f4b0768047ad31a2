#pragma once

// The offsets table's item of one aggregate, read by the dispatcher and the operator commands
// alike: {id S, version N, dispatched_at N, hold_version N, hold_reason S, hold_detail S,
// held_since N}. Every attribute but `id` may be missing; the hold attributes come together.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "core/dispatch/hold.h"
#include "core/dynamodb/attribute_value.h"
#include "core/result.h"

namespace dispatcher::core::dispatch {

namespace offset_attribute {
inline constexpr std::string_view kVersion = "version";             ///< last dispatched version
inline constexpr std::string_view kDispatchedAt = "dispatched_at";  ///< epoch ms of that commit
inline constexpr std::string_view kHoldVersion = "hold_version";
inline constexpr std::string_view kHoldReason = "hold_reason";  ///< hold_reason_name()
inline constexpr std::string_view kHoldDetail = "hold_detail";
inline constexpr std::string_view kHeldSince = "held_since";  ///< epoch ms
}  // namespace offset_attribute

/// How both writers of the offsets item (the dispatcher's commit, the operator's release and
/// replay) spell it in DynamoDB expressions: `#name` stands for each attribute.
namespace offset_expression {
inline constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kNames = {{
    {"#version", offset_attribute::kVersion},
    {"#hold_version", offset_attribute::kHoldVersion},
    {"#hold_reason", offset_attribute::kHoldReason},
    {"#hold_detail", offset_attribute::kHoldDetail},
    {"#held_since", offset_attribute::kHeldSince},
}};
inline constexpr std::string_view kRemoveHold =
    "REMOVE #hold_version, #hold_reason, #hold_detail, #held_since";
/// Holds while the item's version is there but not a number (bind :number_type to "N").
inline constexpr std::string_view kVersionUnreadable =
    "attribute_exists(#version) AND NOT attribute_type(#version, :number_type)";
}  // namespace offset_expression

/// What the offsets table says about one aggregate.
struct OffsetState {
  std::optional<std::int64_t> version;  ///< last dispatched version; nullopt: nothing yet
  std::optional<StoredHold> hold;       ///< why the dispatcher stopped, when it did
  std::optional<std::int64_t> dispatched_at_milliseconds;

  friend bool operator==(const OffsetState&, const OffsetState&) = default;
};

/// Reads an offsets item. Fails (permanent, "InvalidOffsetItem", naming the attribute and what
/// is wrong, never its value) when `version` is there but not an integer, or the hold attributes
/// are incomplete or of the wrong type.
[[nodiscard]] Result<OffsetState> parse_offset_item(const dynamodb::Item& item);

}  // namespace dispatcher::core::dispatch
