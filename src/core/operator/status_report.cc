#include "core/operator/status_report.h"

#include <algorithm>
#include <array>

#include "core/encoding/utc_time.h"

namespace dispatcher::core::operator_tools {
namespace {

std::string optional_number(const std::optional<std::int64_t>& number) {
  return number ? std::to_string(*number) : "-";
}

nlohmann::json optional_json(const std::optional<std::int64_t>& number) {
  return number ? nlohmann::json(*number) : nlohmann::json(nullptr);
}

int attention_rank(const AggregateStatus& status) {
  switch (status.condition) {
    case AggregateCondition::kHeld:
      return 0;
    case AggregateCondition::kBehind:
      return 1;
    case AggregateCondition::kUpToDate:
      return 2;
  }
  return 3;
}

}  // namespace

StatusSummary summarize(std::span<const AggregateStatus> statuses) {
  StatusSummary summary;
  summary.aggregates = statuses.size();
  for (const auto& status : statuses) {
    summary.total_lag += status.lag;
    switch (status.condition) {
      case AggregateCondition::kUpToDate:
        ++summary.up_to_date;
        break;
      case AggregateCondition::kBehind:
        ++summary.behind;
        break;
      case AggregateCondition::kHeld: {
        const auto reason = status.hold ? status.hold->reason : dispatch::HoldReason::kGap;
        switch (reason) {
          case dispatch::HoldReason::kGap:
            ++summary.held_gap;
            break;
          case dispatch::HoldReason::kPoison:
            ++summary.held_poison;
            break;
          case dispatch::HoldReason::kRefused:
            ++summary.held_refused;
            break;
          case dispatch::HoldReason::kCorrupt:
            ++summary.held_corrupt;
            break;
        }
        if (status.hold && status.hold_source == HoldSource::kStored) {
          ++summary.held_stored;
        }
        break;
      }
    }
  }
  return summary;
}

std::vector<AggregateStatus> most_behind(std::vector<AggregateStatus> statuses, std::size_t top) {
  std::ranges::sort(statuses, [](const AggregateStatus& left, const AggregateStatus& right) {
    const int left_rank = attention_rank(left);
    const int right_rank = attention_rank(right);
    if (left_rank != right_rank) {
      return left_rank < right_rank;
    }
    if (left.lag != right.lag) {
      return left.lag > right.lag;
    }
    return left.id < right.id;
  });
  if (top > 0 && statuses.size() > top) {
    statuses.resize(top);
  }
  return statuses;
}

std::string summary_line(const StatusSummary& summary) {
  return "aggregates " + std::to_string(summary.aggregates) + ": " +
         std::to_string(summary.up_to_date) + " up to date, " + std::to_string(summary.behind) +
         " behind, " + std::to_string(summary.held()) + " held (" +
         std::to_string(summary.held_gap) + " gap, " + std::to_string(summary.held_poison) +
         " poison, " + std::to_string(summary.held_refused) + " refused, " +
         std::to_string(summary.held_corrupt) + " corrupt; " + std::to_string(summary.held_stored) +
         " stored, " + std::to_string(summary.held_derived()) + " derived); total lag " +
         std::to_string(summary.total_lag);
}

std::string status_table(std::span<const AggregateStatus> statuses) {
  using Row = std::array<std::string, 11>;
  std::vector<Row> rows;
  rows.push_back(Row{"AGGREGATE", "HEAD", "OFFSET", "LAG", "STATE", "HELD-AT", "REASON", "SOURCE",
                     "HELD-SINCE", "LAST-DISPATCH", "MARKER"});
  for (const auto& status : statuses) {
    std::string held_at = "-";
    if (status.hold) {
      held_at = status.hold->version < 0 ? "?" : std::to_string(status.hold->version);
    }
    rows.push_back(Row{
        status.id,
        optional_number(status.head_version),
        status.offset_problem ? "unreadable" : optional_number(status.offset),
        std::to_string(status.lag),
        std::string(condition_name(status.condition)),
        held_at,
        status.hold ? dispatch::hold_reason_name(status.hold->reason) : "-",
        status.hold ? std::string(hold_source_name(status.hold_source)) : "-",
        status.held_since_milliseconds
            ? encoding::rfc3339_utc_from_epoch_milliseconds(*status.held_since_milliseconds)
            : "-",
        status.last_dispatched_milliseconds
            ? encoding::rfc3339_utc_from_epoch_milliseconds(*status.last_dispatched_milliseconds)
            : "-",
        status.marker_trigger.value_or("-"),
    });
  }
  std::array<std::size_t, 11> widths{};
  for (const auto& row : rows) {
    for (std::size_t column = 0; column < row.size(); ++column) {
      widths[column] = std::max(widths[column], row[column].size());
    }
  }
  std::string table;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t column = 0; column < row.size(); ++column) {
      line += row[column];
      if (column + 1 < row.size()) {
        line.append(widths[column] - row[column].size() + 2, ' ');
      }
    }
    table += line;
    table += '\n';
  }
  return table;
}

std::string hold_line(const AggregateStatus& status) {
  if (!status.hold) {
    return "";
  }
  const auto& hold = *status.hold;
  std::string line = status.id + ": ";
  const bool stored = status.hold_source == HoldSource::kStored;
  line += stored ? "held" : "would hold";
  if (hold.version >= 0) {
    line += " at version " + std::to_string(hold.version);
  }
  line += std::string(" (") + dispatch::hold_reason_name(hold.reason) + "; ";
  if (stored) {
    line += "stored by the dispatcher";
    if (status.held_since_milliseconds) {
      line += ", held since " +
              encoding::rfc3339_utc_from_epoch_milliseconds(*status.held_since_milliseconds);
    }
  } else {
    line += "derived by re-planning, not stored by the dispatcher yet";
  }
  line += "): " + hold.detail;
  if (status.offset_problem) {
    if (stored && hold.detail.find(*status.offset_problem) == std::string::npos) {
      line += "; offset item unreadable: " + *status.offset_problem;
    }
    line += "; release with --to-version N (the last version already published)";
  }
  return line;
}

nlohmann::json status_json(const AggregateStatus& status) {
  nlohmann::json hold = nullptr;
  if (status.hold) {
    hold = {{"version", status.hold->version},
            {"reason", dispatch::hold_reason_name(status.hold->reason)},
            {"detail", status.hold->detail},
            {"held_since", status.held_since_milliseconds
                               ? nlohmann::json(encoding::rfc3339_utc_from_epoch_milliseconds(
                                     *status.held_since_milliseconds))
                               : nlohmann::json(nullptr)},
            {"source", hold_source_name(status.hold_source)}};
  }
  return {{"id", status.id},
          {"head_version", optional_json(status.head_version)},
          {"offset", optional_json(status.offset)},
          {"offset_problem", status.offset_problem ? nlohmann::json(*status.offset_problem)
                                                   : nlohmann::json(nullptr)},
          {"lag", status.lag},
          {"state", condition_name(status.condition)},
          {"hold", std::move(hold)},
          {"last_dispatched_at", status.last_dispatched_milliseconds
                                     ? nlohmann::json(encoding::rfc3339_utc_from_epoch_milliseconds(
                                           *status.last_dispatched_milliseconds))
                                     : nlohmann::json(nullptr)},
          {"marker_trigger", status.marker_trigger ? nlohmann::json(*status.marker_trigger)
                                                   : nlohmann::json(nullptr)}};
}

nlohmann::json status_document(std::span<const AggregateStatus> statuses,
                               const StatusSummary& summary) {
  nlohmann::json aggregates = nlohmann::json::array();
  for (const auto& status : statuses) {
    aggregates.push_back(status_json(status));
  }
  return {{"aggregates", std::move(aggregates)},
          {"summary",
           {{"aggregates", summary.aggregates},
            {"up_to_date", summary.up_to_date},
            {"behind", summary.behind},
            {"held", summary.held()},
            {"held_gap", summary.held_gap},
            {"held_poison", summary.held_poison},
            {"held_refused", summary.held_refused},
            {"held_corrupt", summary.held_corrupt},
            {"held_stored", summary.held_stored},
            {"held_derived", summary.held_derived()},
            {"total_lag", summary.total_lag}}}};
}

}  // namespace dispatcher::core::operator_tools
