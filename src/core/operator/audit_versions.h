#pragma once

// The sets of versions `bootstrap audit` compares: sorted, disjoint ranges, so what it keeps per
// aggregate is bounded by the number of holes in its versions, not by the number of its messages.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace dispatcher::core::operator_tools {

/// first..last, both included.
struct VersionRange {
  std::int64_t first = 0;
  std::int64_t last = 0;
  bool operator==(const VersionRange&) const = default;
};

/// A set of versions as sorted, disjoint, non-adjacent ranges: a contiguous aggregate costs one
/// range however many versions it has.
class VersionSet {
 public:
  /// Adds `version`; true when it was not in the set. Constant time when versions come in
  /// ascending order (as a Query or a partition returns them).
  bool add(std::int64_t version);
  [[nodiscard]] bool contains(std::int64_t version) const noexcept;
  /// The number of versions (not ranges).
  [[nodiscard]] std::uint64_t size() const noexcept;
  [[nodiscard]] bool empty() const noexcept { return ranges_.empty(); }
  [[nodiscard]] std::span<const VersionRange> ranges() const noexcept { return ranges_; }
  [[nodiscard]] std::optional<std::int64_t> lowest() const noexcept;
  [[nodiscard]] std::optional<std::int64_t> highest() const noexcept;
  /// Heap bytes held (for the memory bound).
  [[nodiscard]] std::size_t heap_bytes() const noexcept {
    return ranges_.capacity() * sizeof(VersionRange);
  }

 private:
  std::vector<VersionRange> ranges_;
};

/// The versions of `from` in [low, high] that are not in `without`, as ranges.
[[nodiscard]] std::vector<VersionRange> versions_missing(const VersionSet& from,
                                                         const VersionSet& without,
                                                         std::int64_t low, std::int64_t high);

/// The number of versions in `ranges`.
[[nodiscard]] std::uint64_t version_count(std::span<const VersionRange> ranges) noexcept;

/// "2, 5..7, 9" (at most `shown` ranges, then ", ... (N more)"); "-" for none.
[[nodiscard]] std::string ranges_text(std::span<const VersionRange> ranges, std::size_t shown = 6);

/// "5" or "5..7".
[[nodiscard]] std::string range_text(const VersionRange& range);

}  // namespace dispatcher::core::operator_tools
