#include "core/operator/audit_versions.h"

#include <algorithm>
#include <functional>
#include <iterator>

namespace dispatcher::core::operator_tools {

std::string range_text(const VersionRange& range) {
  return range.first == range.last
             ? std::to_string(range.first)
             : std::to_string(range.first) + ".." + std::to_string(range.last);
}

bool VersionSet::add(std::int64_t version) {
  if (ranges_.empty() || version > ranges_.back().last + 1) {
    ranges_.push_back({version, version});
    return true;
  }
  if (version == ranges_.back().last + 1) {
    ranges_.back().last = version;
    return true;
  }
  // The first range that ends at or after `version`.
  auto at = std::ranges::lower_bound(ranges_, version, std::less<>{}, &VersionRange::last);
  if (at != ranges_.end() && at->first <= version) {
    return false;
  }
  const bool joins_previous = at != ranges_.begin() && std::prev(at)->last + 1 == version;
  const bool joins_next = at != ranges_.end() && at->first - 1 == version;
  if (joins_previous && joins_next) {
    std::prev(at)->last = at->last;
    ranges_.erase(at);
  } else if (joins_previous) {
    std::prev(at)->last = version;
  } else if (joins_next) {
    at->first = version;
  } else {
    ranges_.insert(at, {version, version});
  }
  return true;
}

bool VersionSet::contains(std::int64_t version) const noexcept {
  const auto at = std::ranges::lower_bound(ranges_, version, std::less<>{}, &VersionRange::last);
  return at != ranges_.end() && at->first <= version;
}

std::uint64_t VersionSet::size() const noexcept { return version_count(ranges_); }

std::optional<std::int64_t> VersionSet::lowest() const noexcept {
  if (ranges_.empty()) {
    return std::nullopt;
  }
  return ranges_.front().first;
}

std::optional<std::int64_t> VersionSet::highest() const noexcept {
  if (ranges_.empty()) {
    return std::nullopt;
  }
  return ranges_.back().last;
}

std::vector<VersionRange> versions_missing(const VersionSet& from, const VersionSet& without,
                                           std::int64_t low, std::int64_t high) {
  std::vector<VersionRange> missing;
  const auto others = without.ranges();
  std::size_t other = 0;
  for (const VersionRange& range : from.ranges()) {
    std::int64_t first = std::max(range.first, low);
    const std::int64_t last = std::min(range.last, high);
    if (first > last) {
      continue;
    }
    while (other < others.size() && others[other].last < first) {
      ++other;
    }
    // Walk the ranges of `without` that overlap [first, last], keeping what lies between them.
    std::size_t overlap = other;
    while (first <= last) {
      if (overlap >= others.size() || others[overlap].first > last) {
        missing.push_back({first, last});
        break;
      }
      if (others[overlap].first > first) {
        missing.push_back({first, others[overlap].first - 1});
      }
      if (others[overlap].last >= last) {
        break;
      }
      first = std::max(first, others[overlap].last + 1);
      ++overlap;
    }
  }
  return missing;
}

std::uint64_t version_count(std::span<const VersionRange> ranges) noexcept {
  std::uint64_t count = 0;
  for (const auto& range : ranges) {
    count += static_cast<std::uint64_t>(range.last - range.first) + 1;
  }
  return count;
}

std::string ranges_text(std::span<const VersionRange> ranges, std::size_t shown) {
  if (ranges.empty()) {
    return "-";
  }
  std::string text;
  for (std::size_t i = 0; i < ranges.size() && i < shown; ++i) {
    text += (i == 0 ? "" : ", ") + range_text(ranges[i]);
  }
  if (ranges.size() > shown) {
    text += ", ... (" + std::to_string(ranges.size() - shown) + " more)";
  }
  return text;
}

}  // namespace dispatcher::core::operator_tools
