#include "core/operator/audit_ledger.h"

#include <algorithm>
#include <limits>

namespace dispatcher::core::operator_tools {
namespace {

constexpr std::int64_t kLowest = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kHighest = std::numeric_limits<std::int64_t>::max();
/// Examples kept per aggregate: enough to locate each kind of problem, bounded.
constexpr std::size_t kMostExamples = 4;
constexpr std::size_t kMostUnreadableExamples = 5;
constexpr std::size_t kMostKeyShown = 64;

std::string shown_key(std::optional<std::string_view> key) {
  if (!key) {
    return "no key";
  }
  std::string text(key->substr(0, kMostKeyShown));
  if (key->size() > kMostKeyShown) {
    text += "...";
  }
  return "key \"" + text + "\"";
}

std::vector<VersionRange> holes_of(const VersionSet& set) {
  std::vector<VersionRange> holes;
  const auto ranges = set.ranges();
  for (std::size_t i = 1; i < ranges.size(); ++i) {
    holes.push_back({ranges[i - 1].last + 1, ranges[i].first - 1});
  }
  return holes;
}

}  // namespace

AuditLedger::Track& AuditLedger::track(std::string_view id) {
  auto found = tracks_.find(id);
  if (found == tracks_.end()) {
    found = tracks_.emplace(std::string(id), Track{}).first;
  }
  return found->second;
}

void AuditLedger::note(Track& track, std::string example) {
  if (track.examples.size() < kMostExamples) {
    track.examples.push_back(std::move(example));
  }
}

void AuditLedger::record_offset(std::string_view id, std::optional<std::int64_t> offset) {
  Track& entry = track(id);
  entry.offset = offset;
  entry.offset_unreadable = !offset.has_value();
}

void AuditLedger::record_store_version(std::string_view id, std::int64_t version) {
  if (version < 0 || version > kMostAuditedVersion) {
    return;  // markers and the runner's state items are not events
  }
  track(id).store.add(version);
}

void AuditLedger::record_unreadable_message(std::int32_t partition, std::int64_t offset,
                                            std::string_view why) {
  ++unreadable_messages_;
  if (unreadable_examples_.size() < kMostUnreadableExamples) {
    unreadable_examples_.push_back("partition " + std::to_string(partition) + " offset " +
                                   std::to_string(offset) + ": " + std::string(why));
  }
}

void AuditLedger::record_message(const AuditedMessage& message) {
  std::string id;
  id.reserve(message.stream_type.size() + 1 + message.stream_id.size());
  id.append(message.stream_type).append(":").append(message.stream_id);
  Track& entry = track(id);
  const std::int64_t version = message.version;
  const std::string where = "partition " + std::to_string(message.partition) + " offset " +
                            std::to_string(message.offset);
  ++entry.messages;
  if (!message.key || *message.key != message.stream_id) {
    ++entry.wrong_key;
    note(entry, "version " + std::to_string(version) + " at " + where + " has " +
                    shown_key(message.key) + ", not its streamId");
  }
  if (entry.partition < 0) {
    entry.partition = message.partition;
  } else if (message.partition != entry.partition) {
    // Order only exists within a partition: judged on the first one, counted here.
    ++entry.other_partition;
    note(entry, "version " + std::to_string(version) + " at " + where +
                    ", but the aggregate's first message is on partition " +
                    std::to_string(entry.partition));
    entry.kafka.add(version);
    return;
  }
  const bool is_new = entry.kafka.add(version);
  if (!entry.any_message) {
    entry.any_message = true;
    entry.first = entry.last = entry.max = version;
    return;
  }
  if (!is_new) {
    if (version <= entry.last || version == entry.last + 1) {
      // A re-send begins (again) here, or goes on contiguously.
      ++entry.resent;
      entry.last = version;
      return;
    }
    // Seen before, but not the next one of the re-send: it skipped last+1 .. version-1.
    ++entry.resent;
    ++entry.non_suffix;
    note(entry, "a re-send went from version " + std::to_string(entry.last) + " to " +
                    std::to_string(version) + " at " + where + ", skipping " +
                    range_text(VersionRange{.first = entry.last + 1, .last = version - 1}));
    entry.last = version;
    return;
  }
  if (version < entry.max) {
    // New, but a higher version came first: out of order. The run stays where it was.
    ++entry.out_of_order;
    note(entry, "version " + std::to_string(version) + " at " + where + " came after version " +
                    std::to_string(entry.max));
    return;
  }
  if (entry.last < entry.max) {
    ++entry.non_suffix;
    note(entry, "a re-send stopped at version " + std::to_string(entry.last) + ", before " +
                    std::to_string(entry.max) + ", and version " + std::to_string(version) +
                    " followed at " + where);
  }
  entry.last = version;
  entry.max = version;
}

std::size_t AuditLedger::approximate_bytes() const noexcept {
  // A std::map node: three pointers and a colour besides the pair.
  constexpr std::size_t kNodeOverhead = 4 * sizeof(void*);
  std::size_t bytes = 0;
  for (const auto& [id, entry] : tracks_) {
    bytes += kNodeOverhead + sizeof(std::string) + sizeof(Track);
    bytes += id.capacity() > 15 ? id.capacity() + 1 : 0;  // beyond the short-string buffer
    bytes += entry.store.heap_bytes() + entry.kafka.heap_bytes();
    bytes += entry.examples.capacity() * sizeof(std::string);
    for (const auto& example : entry.examples) {
      bytes += example.capacity() + 1;
    }
  }
  return bytes;
}

AuditSummary AuditLedger::judge(const std::function<void(const AggregateFindings&)>& visit) const {
  AuditSummary summary{.allow_pending = options_.allow_pending,
                       .whole_topic = options_.whole_topic};
  summary.unreadable_messages = unreadable_messages_;
  for (const auto& [id, entry] : tracks_) {
    AggregateFindings findings{.id = id};
    findings.store_versions = entry.store.size();
    if (const auto low = entry.store.lowest()) {
      findings.store_span =
          VersionRange{.first = *low, .last = entry.store.highest().value_or(*low)};
    }
    findings.store_holes = holes_of(entry.store);
    findings.offset = entry.offset;
    findings.offset_unreadable = entry.offset_unreadable;
    findings.kafka_messages = entry.messages;
    findings.kafka_versions = entry.kafka.size();
    if (const auto low = entry.kafka.lowest()) {
      findings.kafka_span =
          VersionRange{.first = *low, .last = entry.kafka.highest().value_or(*low)};
    }
    if (entry.partition >= 0) {
      findings.partition = entry.partition;
    }
    findings.out_of_order = entry.out_of_order;
    findings.resent = entry.resent;
    findings.non_suffix_duplicates = entry.non_suffix;
    findings.wrong_key = entry.wrong_key;
    findings.other_partition = entry.other_partition;
    findings.examples = entry.examples;
    findings.judged = options_.whole_topic || !entry.kafka.empty();
    if (findings.judged) {
      // In a partial window, what came before the aggregate's first version in it is not judged.
      const std::int64_t low =
          options_.whole_topic ? kLowest : entry.kafka.lowest().value_or(kLowest);
      const bool committed = entry.offset.has_value() && !entry.offset_unreadable;
      if (committed) {
        findings.lost = versions_missing(entry.store, entry.kafka, low, *entry.offset);
      }
      const std::int64_t pending_from = committed ? std::max(low, *entry.offset + 1) : low;
      findings.pending = versions_missing(entry.store, entry.kafka, pending_from, kHighest);
      findings.unknown = versions_missing(entry.kafka, entry.store, kLowest, kHighest);
      findings.uncommitted = version_count(versions_missing(
          entry.kafka, VersionSet{}, committed ? *entry.offset + 1 : kLowest, kHighest));
      if (entry.any_message && entry.last < entry.max && committed && *entry.offset >= entry.max) {
        // The dispatcher committed past it, so nothing will finish this re-send.
        ++findings.non_suffix_duplicates;
        if (findings.examples.size() < kMostExamples) {
          findings.examples.push_back("a re-send stopped at version " + std::to_string(entry.last) +
                                      ", before " + std::to_string(entry.max) +
                                      ", at the end of the topic");
        }
      }
    }
    summary.aggregates += 1;
    summary.store_events += findings.store_versions;
    summary.kafka_messages += findings.kafka_messages;
    summary.lost += version_count(findings.lost);
    summary.pending += version_count(findings.pending);
    summary.unknown += version_count(findings.unknown);
    summary.out_of_order += findings.out_of_order;
    summary.resent += findings.resent;
    summary.non_suffix_duplicates += findings.non_suffix_duplicates;
    summary.wrong_key += findings.wrong_key;
    summary.other_partition += findings.other_partition;
    if (!findings.judged) {
      ++summary.not_judged;
    } else if (findings.has_problem(options_.allow_pending)) {
      ++summary.with_problems;
    } else {
      ++summary.complete;
    }
    visit(findings);
  }
  return summary;
}

// ---- findings --------------------------------------------------------------------------------

bool AggregateFindings::has_problem(bool allow_pending) const noexcept {
  return !lost.empty() || (!allow_pending && !pending.empty()) || !unknown.empty() ||
         out_of_order > 0 || non_suffix_duplicates > 0 || wrong_key > 0 || other_partition > 0 ||
         offset_unreadable;
}

std::vector<std::string> AggregateFindings::problem_lines(bool allow_pending) const {
  std::vector<std::string> lines;
  if (!lost.empty()) {
    lines.push_back("lost versions " + ranges_text(lost) + " (in the store, committed at offset " +
                    std::to_string(offset.value_or(-1)) + ", not in Kafka)");
  }
  if (!pending.empty()) {
    lines.push_back(std::string(allow_pending ? "pending" : "not yet in Kafka") + ": versions " +
                    ranges_text(pending) +
                    (offset_unreadable ? " (the offsets item is unreadable: see bootstrap status)"
                                       : " (after the committed offset: not dispatched yet)"));
  }
  if (!unknown.empty()) {
    lines.push_back("versions " + ranges_text(unknown) +
                    " are in Kafka but not in the events table");
  }
  if (out_of_order > 0) {
    lines.push_back(std::to_string(out_of_order) + " message(s) out of order");
  }
  if (non_suffix_duplicates > 0) {
    lines.push_back(std::to_string(non_suffix_duplicates) +
                    " re-send(s) that were not a contiguous suffix");
  }
  if (wrong_key > 0) {
    lines.push_back(std::to_string(wrong_key) + " message(s) whose key is not the streamId");
  }
  if (other_partition > 0) {
    lines.push_back(std::to_string(other_partition) + " message(s) on another partition than " +
                    std::to_string(partition.value_or(-1)));
  }
  if (offset_unreadable) {
    lines.emplace_back("the offsets item's version is unreadable");
  }
  if (!lines.empty()) {
    for (const auto& example : examples) {
      lines.push_back("  first seen: " + example);
    }
  }
  return lines;
}

bool AuditSummary::complete_and_in_order() const noexcept {
  return with_problems == 0 && unreadable_messages == 0;
}

}  // namespace dispatcher::core::operator_tools
