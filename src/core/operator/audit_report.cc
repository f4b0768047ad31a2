#include "core/operator/audit_report.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace dispatcher::core::operator_tools {
namespace {

nlohmann::json ranges_json(std::span<const VersionRange> ranges) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& range : ranges) {
    list.push_back({range.first, range.last});
  }
  return list;
}

/// The OFFSET column: the committed offset, "unreadable", or "-" for none.
std::string offset_text(const AggregateFindings& entry) {
  if (entry.offset_unreadable) {
    return "unreadable";
  }
  return entry.offset ? std::to_string(*entry.offset) : std::string("-");
}

}  // namespace

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
    rows.push_back({entry.id, store, offset_text(entry),
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
