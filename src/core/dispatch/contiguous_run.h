#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace dispatcher::core::dispatch {

/// Why a contiguous run ends.
enum class RunEnd : unsigned char {
  kEndOfInput,  ///< every version given is in the run
  kGap,         ///< the next version is missing: the aggregate is held there, nothing is skipped
  kOutOfOrder   ///< a version at or below one already expected: the input broke its promise
};

/// The versions that may be published now: first_version, first_version + 1, ... (length of them).
struct ContiguousRun {
  std::int64_t first_version = 0;  ///< the offset + 1, or the first event version
  std::size_t length = 0;          ///< versions[0, length) form the run
  RunEnd end = RunEnd::kEndOfInput;
  /// versions[length] when end != kEndOfInput: the version found where next_version() was due.
  std::optional<std::int64_t> found_version;

  /// The first version not in the run: the missing version when end == kGap.
  [[nodiscard]] std::int64_t next_version() const noexcept {
    return first_version + static_cast<std::int64_t>(length);
  }
  /// The last version of the run; nullopt when the run is empty.
  [[nodiscard]] std::optional<std::int64_t> last_version() const noexcept {
    if (length == 0) {
      return std::nullopt;
    }
    return next_version() - 1;
  }

  friend bool operator==(const ContiguousRun&, const ContiguousRun&) = default;
};

/// The longest prefix of `versions` that continues the committed offset without a hole: offset + 1,
/// offset + 2, ... or, with no offset yet, first_event_version, first_event_version + 1, ...
/// It stops at the first missing version (kGap: the aggregate waits for it, never skips it) or at a
/// version that repeats or goes back (kOutOfOrder: the events Query promises ascending versions
/// above the offset, so this is a broken promise, never silently dropped).
[[nodiscard]] ContiguousRun find_contiguous_run(std::optional<std::int64_t> committed_offset,
                                                std::int64_t first_event_version,
                                                std::span<const std::int64_t> versions) noexcept;

}  // namespace dispatcher::core::dispatch
