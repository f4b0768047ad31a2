#include "core/operator/audit.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <iterator>
#include <limits>

namespace dispatcher::core::operator_tools {
namespace {

constexpr std::int64_t kLowest = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kHighest = std::numeric_limits<std::int64_t>::max();
/// Versions the audit accepts from a header: the dispatcher only publishes versions >= 0, and
/// staying below max/2 keeps every "+ 1" of the range arithmetic in range.
constexpr std::int64_t kMostVersion = kHighest / 2;
/// Examples kept per aggregate: enough to locate each kind of problem, bounded.
constexpr std::size_t kMostExamples = 4;
constexpr std::size_t kMostUnreadableExamples = 5;
constexpr std::size_t kMostKeyShown = 64;

std::string range_text(const VersionRange& range) {
  return range.first == range.last
             ? std::to_string(range.first)
             : std::to_string(range.first) + ".." + std::to_string(range.last);
}

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

nlohmann::json ranges_json(std::span<const VersionRange> ranges) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& range : ranges) {
    list.push_back({range.first, range.last});
  }
  return list;
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

// ---- VersionSet ------------------------------------------------------------------------------

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

// ---- time ------------------------------------------------------------------------------------

Result<std::chrono::system_clock::time_point> parse_audit_time(std::string_view text) {
  const auto usage = [text] {
    return fail(permanent_error("UsageError",
                                "--since takes a UTC time such as "
                                "2026-11-24T02:00:00Z or epoch milliseconds, not '" +
                                    std::string(text) + "'"));
  };
  const auto number = [](std::string_view digits, int& value) {
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return error == std::errc{} && end == digits.data() + digits.size() && !digits.empty();
  };
  if (!text.empty() && std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; })) {
    std::int64_t milliseconds = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), milliseconds);
    if (error != std::errc{}) {
      return usage();
    }
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(milliseconds));
  }
  // YYYY-MM-DDTHH:MM:SS[.f+]Z
  constexpr std::size_t kSecondsEnd = 19;
  if (text.size() < kSecondsEnd + 1 || text.back() != 'Z' || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':') {
    return usage();
  }
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!number(text.substr(0, 4), year) || !number(text.substr(5, 2), month) ||
      !number(text.substr(8, 2), day) || !number(text.substr(11, 2), hour) ||
      !number(text.substr(14, 2), minute) || !number(text.substr(17, 2), second) || hour > 23 ||
      minute > 59 || second > 60) {
    return usage();
  }
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) {
    return usage();
  }
  std::chrono::milliseconds fraction{0};
  const std::string_view rest = text.substr(kSecondsEnd, text.size() - kSecondsEnd - 1);
  if (!rest.empty()) {
    if (rest.front() != '.' || rest.size() < 2 ||
        !std::ranges::all_of(rest.substr(1), [](char c) { return c >= '0' && c <= '9'; })) {
      return usage();
    }
    std::string digits(rest.substr(1, 3));
    digits.resize(3, '0');
    int millis = 0;
    static_cast<void>(number(digits, millis));
    fraction = std::chrono::milliseconds(millis);
  }
  return std::chrono::system_clock::time_point(std::chrono::sys_days(date)) +
         std::chrono::hours(hour) + std::chrono::minutes(minute) + std::chrono::seconds(second) +
         fraction;
}

// ---- messages --------------------------------------------------------------------------------

Result<AuditedMessage> read_audited_message(
    std::int32_t partition, std::int64_t offset, std::optional<std::string_view> key,
    std::span<const std::pair<std::string_view, std::string_view>> headers) {
  std::optional<std::string_view> stream_type;
  std::optional<std::string_view> stream_id;
  std::optional<std::string_view> version_text;
  for (const auto& [name, value] : headers) {
    if (name == "streamType") {
      stream_type = value;
    } else if (name == "streamId") {
      stream_id = value;
    } else if (name == "version") {
      version_text = value;
    }
  }
  const auto missing = [](std::string_view header) {
    return fail(permanent_error("NotADispatcherMessage", "no " + std::string(header) + " header"));
  };
  if (!stream_type) {
    return missing("streamType");
  }
  if (!stream_id) {
    return missing("streamId");
  }
  if (!version_text) {
    return missing("version");
  }
  std::int64_t version = 0;
  const char* end = version_text->data() + version_text->size();
  const auto [position, error] = std::from_chars(version_text->data(), end, version);
  if (error != std::errc{} || position != end || version < 0 || version > kMostVersion) {
    return fail(permanent_error(
        "NotADispatcherMessage",
        "the version header is not a whole number from 0 to " + std::to_string(kMostVersion)));
  }
  return AuditedMessage{.partition = partition,
                        .offset = offset,
                        .key = key,
                        .stream_type = *stream_type,
                        .stream_id = *stream_id,
                        .version = version};
}

// ---- ledger ----------------------------------------------------------------------------------

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
  if (version < 0 || version > kMostVersion) {
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
                    range_text({entry.last + 1, version - 1}));
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
    bytes += kNodeOverhead + sizeof(id) + sizeof(entry);
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
      findings.store_span = VersionRange{*low, *entry.store.highest()};
    }
    findings.store_holes = holes_of(entry.store);
    findings.offset = entry.offset;
    findings.offset_unreadable = entry.offset_unreadable;
    findings.kafka_messages = entry.messages;
    findings.kafka_versions = entry.kafka.size();
    if (const auto low = entry.kafka.lowest()) {
      findings.kafka_span = VersionRange{*low, *entry.kafka.highest()};
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
    lines.push_back("the offsets item's version is unreadable");
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

std::string audit_table(std::span<const AggregateFindings> findings, bool allow_pending) {
  std::vector<std::array<std::string, 7>> rows;
  rows.push_back({"AGGREGATE", "STORE", "OFFSET", "KAFKA", "MESSAGES", "PARTITION", "VERDICT"});
  for (const auto& entry : findings) {
    std::string store = entry.store_span ? range_text(*entry.store_span) : "-";
    if (!entry.store_holes.empty()) {
      store += " (holes " + ranges_text(entry.store_holes, 3) + ")";
    }
    std::string verdict;
    const auto tag = [&verdict](bool when, std::string_view name) {
      if (when) {
        verdict += (verdict.empty() ? "" : ",") + std::string(name);
      }
    };
    tag(!entry.judged, "not-in-window");
    tag(!entry.lost.empty(), "LOST");
    tag(!entry.pending.empty(), allow_pending ? "pending" : "PENDING");
    tag(entry.out_of_order > 0, "OUT-OF-ORDER");
    tag(entry.non_suffix_duplicates > 0, "NON-SUFFIX-DUPLICATE");
    tag(!entry.unknown.empty(), "UNKNOWN");
    tag(entry.wrong_key > 0, "WRONG-KEY");
    tag(entry.other_partition > 0, "SPLIT-PARTITION");
    tag(entry.offset_unreadable, "OFFSET-UNREADABLE");
    if (verdict.empty()) {
      verdict = "ok";
    }
    if (entry.resent > 0) {
      verdict += " (" + std::to_string(entry.resent) + " re-sent)";
    }
    rows.push_back({entry.id, store,
                    entry.offset_unreadable
                        ? "unreadable"
                        : (entry.offset ? std::to_string(*entry.offset) : std::string("-")),
                    entry.kafka_span ? range_text(*entry.kafka_span) : "-",
                    std::to_string(entry.kafka_messages),
                    entry.partition ? std::to_string(*entry.partition) : "-", verdict});
  }
  std::array<std::size_t, 7> widths{};
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  std::string table;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line += std::string(widths[i] - row[i].size() + 2, ' ');
      }
    }
    table += line + "\n";
  }
  return table;
}

nlohmann::json findings_json(const AggregateFindings& findings, bool allow_pending) {
  const auto optional_number = [](std::optional<std::int64_t> value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  };
  return {
      {"id", findings.id},
      {"store",
       {{"versions", findings.store_versions},
        {"first", optional_number(findings.store_span
                                      ? std::optional<std::int64_t>(findings.store_span->first)
                                      : std::nullopt)},
        {"last", optional_number(findings.store_span
                                     ? std::optional<std::int64_t>(findings.store_span->last)
                                     : std::nullopt)},
        {"holes", ranges_json(findings.store_holes)}}},
      {"offset", optional_number(findings.offset)},
      {"offset_unreadable", findings.offset_unreadable},
      {"kafka",
       {{"messages", findings.kafka_messages},
        {"versions", findings.kafka_versions},
        {"first", optional_number(findings.kafka_span
                                      ? std::optional<std::int64_t>(findings.kafka_span->first)
                                      : std::nullopt)},
        {"last", optional_number(findings.kafka_span
                                     ? std::optional<std::int64_t>(findings.kafka_span->last)
                                     : std::nullopt)},
        {"partition",
         findings.partition ? nlohmann::json(*findings.partition) : nlohmann::json(nullptr)}}},
      {"judged", findings.judged},
      {"lost", ranges_json(findings.lost)},
      {"pending", ranges_json(findings.pending)},
      {"unknown", ranges_json(findings.unknown)},
      {"uncommitted", findings.uncommitted},
      {"out_of_order", findings.out_of_order},
      {"resent", findings.resent},
      {"non_suffix_duplicates", findings.non_suffix_duplicates},
      {"wrong_key", findings.wrong_key},
      {"other_partition", findings.other_partition},
      {"problems", findings.problem_lines(allow_pending)},
      {"ok", findings.judged && !findings.has_problem(allow_pending)},
  };
}

nlohmann::json summary_json(const AuditSummary& summary) {
  return {{"aggregates", summary.aggregates},
          {"complete", summary.complete},
          {"with_problems", summary.with_problems},
          {"not_judged", summary.not_judged},
          {"store_events", summary.store_events},
          {"kafka_messages", summary.kafka_messages},
          {"unreadable_messages", summary.unreadable_messages},
          {"lost", summary.lost},
          {"pending", summary.pending},
          {"unknown", summary.unknown},
          {"out_of_order", summary.out_of_order},
          {"resent", summary.resent},
          {"non_suffix_duplicates", summary.non_suffix_duplicates},
          {"wrong_key", summary.wrong_key},
          {"other_partition", summary.other_partition},
          {"allow_pending", summary.allow_pending},
          {"whole_topic", summary.whole_topic},
          {"complete_and_in_order", summary.complete_and_in_order()}};
}

std::string audit_summary_line(const AuditSummary& summary) {
  std::string line = "audited " + std::to_string(summary.aggregates) + " aggregates (" +
                     std::to_string(summary.store_events) + " events in the store, " +
                     std::to_string(summary.kafka_messages) +
                     " messages in Kafka): " + std::to_string(summary.complete) +
                     " complete and in order, " + std::to_string(summary.with_problems) +
                     " with problems";
  if (summary.not_judged > 0) {
    line += ", " + std::to_string(summary.not_judged) + " without a message in the window";
  }
  line += "; lost " + std::to_string(summary.lost) + ", " +
          (summary.allow_pending ? "pending (allowed) " : "not yet in Kafka ") +
          std::to_string(summary.pending) + ", out of order " +
          std::to_string(summary.out_of_order) + ", non-suffix duplicates " +
          std::to_string(summary.non_suffix_duplicates) + ", unknown to the store " +
          std::to_string(summary.unknown) + ", wrong key " + std::to_string(summary.wrong_key) +
          ", other partition " + std::to_string(summary.other_partition);
  if (summary.unreadable_messages > 0) {
    line += ", not the dispatcher's " + std::to_string(summary.unreadable_messages);
  }
  line += "; re-sent (suffix duplicates) " + std::to_string(summary.resent);
  if (!summary.whole_topic) {
    line += " (partial window: each aggregate judged from its first version in it)";
  }
  return line;
}

}  // namespace dispatcher::core::operator_tools
