#pragma once

#include <string>

namespace dispatcher::core::dispatch {

/// Something the core skipped on purpose and the caller should log. The core does no logging
/// itself: warnings travel as values, next to the results they explain.
struct Warning {
  std::string code;             ///< machine-readable: "RemoveRecordIgnored", "RecordWithoutVersion"
  std::string sequence_number;  ///< the stream record concerned; empty when none
  std::string message;          ///< for humans; names the offending input

  friend bool operator==(const Warning&, const Warning&) = default;
};

}  // namespace dispatcher::core::dispatch
