#pragma once

// The pure part of `bootstrap audit`: compares, per aggregate, the versions in the events table
// and the committed offset with the versions read back from Kafka, and says what is lost, pending,
// out of order, duplicated (a re-sent suffix or not), unknown to the store, or on the wrong key or
// partition. What it keeps per aggregate is bounded by the number of holes in its versions, not
// by the number of its messages (docs/operations.md, "bootstrap audit").

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/operator/audit_message.h"
#include "core/operator/audit_versions.h"

namespace dispatcher::core::operator_tools {

struct AuditOptions {
  /// True when every partition was read from its first offset ever (no --since, nothing removed
  /// by retention): an aggregate is then judged from its first version in the store. Otherwise
  /// from its first version in the window read, and one without a message in the window is not
  /// judged.
  bool whole_topic = true;
  /// Versions in the store after the committed offset and not in Kafka (not dispatched yet) are
  /// not a problem (--allow-pending).
  bool allow_pending = false;
};

/// What the audit found about one aggregate.
struct AggregateFindings {
  std::string id;
  std::uint64_t store_versions = 0;
  std::optional<VersionRange> store_span;  ///< lowest..highest version in the store
  std::vector<VersionRange> store_holes;   ///< versions missing inside the store's span
  std::optional<std::int64_t> offset;      ///< committed offset; nullopt: none (or unreadable)
  bool offset_unreadable = false;          ///< the offsets item's version is not a number
  std::uint64_t kafka_messages = 0;
  std::uint64_t kafka_versions = 0;         ///< distinct versions in Kafka
  std::optional<VersionRange> kafka_span;   ///< lowest..highest version in Kafka
  std::optional<std::int32_t> partition;    ///< the partition of its first message
  bool judged = true;                       ///< false: no message in a partial window
  std::vector<VersionRange> lost;           ///< in the store, <= offset, not in Kafka
  std::vector<VersionRange> pending;        ///< in the store, > offset, not in Kafka
  std::vector<VersionRange> unknown;        ///< in Kafka, not in the store
  std::uint64_t uncommitted = 0;            ///< versions in Kafka after the committed offset
  std::uint64_t out_of_order = 0;           ///< messages after a higher new version
  std::uint64_t resent = 0;                 ///< duplicates in re-sent contiguous suffixes
  std::uint64_t non_suffix_duplicates = 0;  ///< re-sends that were not a contiguous suffix
  std::uint64_t wrong_key = 0;              ///< key missing or not the streamId
  std::uint64_t other_partition = 0;        ///< messages on another partition than the first
  std::vector<std::string> examples;        ///< where each kind of problem was first seen

  /// Lost, out of order, non-suffix duplicates, unknown, wrong key, other partition, and pending
  /// unless allowed.
  [[nodiscard]] bool has_problem(bool allow_pending) const noexcept;
  /// One human line per problem ("lost versions 2, 5 (committed, not in Kafka)").
  [[nodiscard]] std::vector<std::string> problem_lines(bool allow_pending) const;
};

struct AuditSummary {
  std::size_t aggregates = 0;
  std::size_t complete = 0;  ///< judged, no problem
  std::size_t with_problems = 0;
  std::size_t not_judged = 0;
  std::uint64_t store_events = 0;
  std::uint64_t kafka_messages = 0;
  std::uint64_t unreadable_messages = 0;  ///< messages without the dispatcher's headers
  std::uint64_t lost = 0;
  std::uint64_t pending = 0;
  std::uint64_t unknown = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t resent = 0;
  std::uint64_t non_suffix_duplicates = 0;
  std::uint64_t wrong_key = 0;
  std::uint64_t other_partition = 0;
  bool allow_pending = false;
  bool whole_topic = true;

  /// True when nothing is lost, out of order, duplicated other than as a suffix, unknown, on the
  /// wrong key or partition, unreadable, or (unless allowed) pending: the audit's exit code 0.
  [[nodiscard]] bool complete_and_in_order() const noexcept;
};

/// Collects what the store, the offsets table and the topic say, aggregate by aggregate, and
/// judges each. Memory: per aggregate its id and a few counters, plus one range per contiguous
/// run of versions on each side (one range for a healthy aggregate); examples only for problems.
class AuditLedger {
 public:
  explicit AuditLedger(AuditOptions options) : options_(options) {}

  /// Whether every partition is read from its first offset ever (AuditOptions::whole_topic),
  /// known once the windows are taken, after the offsets are read.
  void set_whole_topic(bool whole_topic) noexcept { options_.whole_topic = whole_topic; }
  /// The committed offset of `id`; nullopt for an offsets item whose version is unreadable.
  void record_offset(std::string_view id, std::optional<std::int64_t> offset);
  /// One event of the store (version >= 0).
  void record_store_version(std::string_view id, std::int64_t version);
  /// One message, in the partition's offset order.
  void record_message(const AuditedMessage& message);
  /// A message that is not the dispatcher's (read_audited_message failed).
  void record_unreadable_message(std::int32_t partition, std::int64_t offset, std::string_view why);

  /// Judges every aggregate, in id order, handing each to `visit`; returns the summary.
  AuditSummary judge(const std::function<void(const AggregateFindings&)>& visit) const;

  [[nodiscard]] std::size_t aggregates() const noexcept { return tracks_.size(); }
  /// Heap and node bytes the ledger holds, approximately (for the memory bound).
  [[nodiscard]] std::size_t approximate_bytes() const noexcept;
  /// The first unreadable messages (at most a few), "partition P offset O: why".
  [[nodiscard]] const std::vector<std::string>& unreadable_examples() const noexcept {
    return unreadable_examples_;
  }

 private:
  /// The Kafka side of one aggregate, on its first partition: the sequence as it arrives.
  struct Track {
    VersionSet store;
    VersionSet kafka;
    std::optional<std::int64_t> offset;
    bool offset_unreadable = false;
    std::int32_t partition = -1;
    std::int64_t first = 0;  ///< first version seen on the partition
    std::int64_t last = 0;   ///< the version the current run of messages stands at
    std::int64_t max = 0;    ///< the highest version seen on the partition
    bool any_message = false;
    std::uint64_t messages = 0;
    std::uint64_t out_of_order = 0;
    std::uint64_t resent = 0;
    std::uint64_t non_suffix = 0;
    std::uint64_t wrong_key = 0;
    std::uint64_t other_partition = 0;
    std::vector<std::string> examples;  ///< empty unless a problem was seen
  };

  Track& track(std::string_view id);
  static void note(Track& track, std::string example);

  AuditOptions options_;
  std::map<std::string, Track, std::less<>> tracks_;
  std::uint64_t unreadable_messages_ = 0;
  std::vector<std::string> unreadable_examples_;
};

}  // namespace dispatcher::core::operator_tools
