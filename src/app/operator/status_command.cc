// `bootstrap status`: per aggregate, the head version, the committed offset, the lag and the hold.

#include <array>
#include <cstddef>
#include <iterator>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "app/operator/command_support.h"
#include "app/operator/commands.h"
#include "app/operator/operator_context.h"
#include "core/operator/command_arguments.h"
#include "core/operator/status_report.h"
#include "core/operator/sweep_plan.h"

namespace dispatcher::app::operator_tools {
namespace {

namespace ops = core::operator_tools;
using ops::CommandArguments;
using ops::OptionSpec;

constexpr std::string_view kStatusHelp =
    R"(Usage: bootstrap status [--top N] [--aggregate ID] [--segments N] [--page-size N] [--json]
Shows, per aggregate, the head version, the committed offset, the lag, and whether it is held
(gap: a version is missing; poison: the next event cannot become a message; refused: the broker
refused its message for good; corrupt: the offsets item, an event page or the version order is
unreadable), and since when; then a summary line. A hold is "stored" when the dispatcher wrote
it in the offsets item, "derived" when only re-planning here finds it (the dispatcher has not
stored it yet). Without --aggregate it scans the events table (N parallel segments, default 4;
progress on standard error).
  --top N          only the N aggregates that most need attention (held first, then by lag)
  --aggregate ID   only this aggregate (no scan)
  --page-size N    items per Scan page, to spread the read capacity used (default: 1 MB pages)
  --json           machine output: {"aggregates": [...], "summary": {...}}
Exit codes: 0 nothing held; 1 error; 2 usage; 3 held aggregates found.
)";

constexpr std::array<OptionSpec, 6> kStatusOptions{
    OptionSpec{.name = "--top", .takes_value = true},
    OptionSpec{.name = "--aggregate", .takes_value = true},
    OptionSpec{.name = "--segments", .takes_value = true},
    OptionSpec{.name = "--page-size", .takes_value = true},
    OptionSpec{.name = "--json", .takes_value = false},
    OptionSpec{.name = "--help", .takes_value = false}};

int run_status(const CommandArguments& arguments, const core::config::Environment& environment,
               Console& console) {
  auto top = arguments.integer("--top", 1);
  auto segments = arguments.integer("--segments", 1);
  auto page_size = arguments.integer("--page-size", 1);
  for (const auto* parsed : {&top, &segments, &page_size}) {
    if (!*parsed) {
      return usage_error(console, "status", parsed->error(), kStatusHelp);
    }
  }
  auto context = OperatorContext::create(environment);
  if (!context) {
    return command_error(console, "status", context.error());
  }
  std::vector<ops::AggregateStatus> statuses;
  if (const auto aggregate_id = arguments.value("--aggregate")) {
    auto status = inspect_one(**context, std::string(*aggregate_id));
    if (!status) {
      return command_error(console, "status", status.error());
    }
    statuses.push_back(std::move(*status));
  } else {
    auto progress =
        ops::ScanProgress::start((*context)->settings().events_table_name,
                                 static_cast<std::size_t>(segments->value_or(kDefaultSegments)));
    std::vector<ops::ScanFold> folds(progress.segments.size());
    ProgressLine progress_line(console, "status", (*context)->clock());
    std::size_t items = 0;
    while (!progress.done()) {
      auto wave =
          (*context)->scan_wave(progress, folds, *page_size, (*context)->deadline_in(kCommandTime));
      if (!wave) {
        return command_error(console, "status", wave.error());
      }
      items += wave->items;
      auto inspected = (*context)->inspect(wave->aggregates, (*context)->deadline_in(kCommandTime));
      if (!inspected) {
        return command_error(console, "status", inspected.error());
      }
      std::ranges::move(*inspected, std::back_inserter(statuses));
      progress_line.update(items, statuses.size());
    }
  }
  const auto summary = ops::summarize(statuses);
  const auto shown =
      ops::most_behind(std::move(statuses), static_cast<std::size_t>(top->value_or(0)));
  if (arguments.has("--json")) {
    console.out << ops::status_document(shown, summary).dump(2) << "\n";
  } else {
    console.out << ops::status_table(shown);
    for (const auto& status : shown) {
      if (status.hold) {
        console.out << ops::hold_line(status) << "\n";
      }
    }
    console.out << ops::summary_line(summary) << "\n";
  }
  return summary.held() > 0 ? kExitAttention : kExitOk;
}

}  // namespace

const OperatorCommand& status_command() noexcept {
  static constexpr OperatorCommand kCommand{
      .name = "status", .options = kStatusOptions, .help = kStatusHelp, .run = run_status};
  return kCommand;
}

}  // namespace dispatcher::app::operator_tools
