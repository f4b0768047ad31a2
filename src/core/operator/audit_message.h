#pragma once

// What `bootstrap audit` reads from its operator and from the topic: the --since time, and the
// dispatcher's headers of each message consumed.

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "core/result.h"

namespace dispatcher::core::operator_tools {

/// The highest version the audit accepts from a header: the dispatcher only publishes versions
/// >= 0, and staying below max/2 keeps every "+ 1" of the range arithmetic in range.
inline constexpr std::int64_t kMostAuditedVersion = std::numeric_limits<std::int64_t>::max() / 2;

/// `--since`: "2026-11-24T02:00:00Z" (UTC, optional fraction of a second) or epoch milliseconds.
/// Error (permanent "UsageError"): anything else, naming what it expected.
[[nodiscard]] Result<std::chrono::system_clock::time_point> parse_audit_time(std::string_view text);

/// A message of the topic as the audit reads it: where it is, its key, and the dispatcher's
/// headers streamType, streamId and version.
struct AuditedMessage {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::optional<std::string_view> key;  ///< nullopt: the message has no key
  std::string_view stream_type;
  std::string_view stream_id;
  std::int64_t version = 0;
};

/// Reads the dispatcher's headers of a consumed message (the last header of each name wins, as
/// consumers usually read them). Error (permanent "NotADispatcherMessage"): streamType, streamId
/// or version is missing, or version is not a whole number; the message says which.
[[nodiscard]] Result<AuditedMessage> read_audited_message(
    std::int32_t partition, std::int64_t offset, std::optional<std::string_view> key,
    std::span<const std::pair<std::string_view, std::string_view>> headers);

}  // namespace dispatcher::core::operator_tools
