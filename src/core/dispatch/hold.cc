#include "core/dispatch/hold.h"

namespace dispatcher::core::dispatch {

const char* hold_reason_name(HoldReason reason) noexcept {
  switch (reason) {
    case HoldReason::kGap:
      return "gap";
    case HoldReason::kPoison:
      return "poison";
    case HoldReason::kRefused:
      return "refused";
    case HoldReason::kCorrupt:
      return "corrupt";
  }
  return "unknown";
}

std::optional<HoldReason> parse_hold_reason(std::string_view name) noexcept {
  for (const HoldReason reason :
       {HoldReason::kGap, HoldReason::kPoison, HoldReason::kRefused, HoldReason::kCorrupt}) {
    if (name == hold_reason_name(reason)) {
      return reason;
    }
  }
  return std::nullopt;
}

}  // namespace dispatcher::core::dispatch
