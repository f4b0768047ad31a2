#pragma once

// Holds: an aggregate stopped before a version on purpose, and what the offsets table stores
// about it so that `status`, `release` and `sweep` read the dispatcher's own verdict.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dispatcher::core::dispatch {

enum class HoldReason : unsigned char {
  kGap,     ///< the version is not in the table (yet): its own stream record will ring the doorbell
  kPoison,  ///< the version is there but cannot become a valid message
  kRefused,  ///< the broker refused the version's message for good (too large, invalid record)
  kCorrupt,  ///< the aggregate's stored data cannot be read: its offset item, an event page, or
             ///< versions the store returned out of order
};

/// "gap", "poison", "refused", "corrupt".
[[nodiscard]] const char* hold_reason_name(HoldReason reason) noexcept;

/// The reason named `name` (as hold_reason_name spells it); nullopt for anything else.
[[nodiscard]] std::optional<HoldReason> parse_hold_reason(std::string_view name) noexcept;

/// An aggregate stopped before `version`, on purpose. Not a failure: retrying changes nothing
/// until the cause is fixed (the missing or fixed item's stream record rings the doorbell again,
/// or an operator releases it).
struct Hold {
  std::int64_t version = 0;
  HoldReason reason = HoldReason::kGap;
  std::string detail;  ///< for people: what was found instead, or why (never an attribute's value)

  friend bool operator==(const Hold&, const Hold&) = default;

  /// The same stop: same version and reason (the detail may be worded differently).
  [[nodiscard]] bool same_stop(const Hold& other) const noexcept {
    return version == other.version && reason == other.reason;
  }
};

/// A hold as the offsets table stores it, with when it began.
struct StoredHold {
  Hold hold;
  std::int64_t since_milliseconds = 0;  ///< epoch ms when the dispatcher first stopped there

  friend bool operator==(const StoredHold&, const StoredHold&) = default;
};

}  // namespace dispatcher::core::dispatch
