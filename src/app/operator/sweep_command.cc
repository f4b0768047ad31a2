// `bootstrap sweep`: the reconciler for lost doorbells.

#include <array>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/operator/command_support.h"
#include "app/operator/commands.h"
#include "app/operator/operator_context.h"
#include "app/operator/resume_token.h"
#include "app/operator/sweep_waves.h"
#include "core/operator/command_arguments.h"
#include "core/operator/status_report.h"
#include "core/operator/sweep_plan.h"

namespace dispatcher::app::operator_tools {
namespace {

namespace ops = core::operator_tools;
using ops::CommandArguments;
using ops::OptionSpec;

constexpr std::string_view kSweepHelp =
    R"(Usage: bootstrap sweep [--rate N] [--resume-token FILE] [--segments N] [--page-size N]
                       [--dry-run] [--json]
The reconciler for lost doorbells: scans the events table for aggregates whose head is beyond
their offset and that have no stored hold, and rings their doorbell (marker trigger
"sweep:<time>"); one that re-planning finds would hold is rung too, so the dispatcher stores its
hold. Aggregates with a stored hold are skipped and counted by reason: they are held, not lost,
and a doorbell changes nothing (release them). Safe on a schedule: ringing an aggregate that is
being dispatched costs one extra no-op dispatch.
  --rate N               at most N doorbells per second (default 50)
  --resume-token FILE    save the scan position after each page; start from it when it exists;
                         removed when the sweep finishes
  --segments N           parallel scan segments (default 4)
  --page-size N          items per Scan page (default: 1 MB pages)
  --dry-run              report what would be rung; write nothing
  --json                 machine output: {"rang": [...], "held": [...], "summary": {...}}
Exit codes: 0 nothing held; 1 error; 2 usage; 3 held aggregates found (stored or derived).
)";

constexpr std::array<OptionSpec, 7> kSweepOptions{
    OptionSpec{.name = "--rate", .takes_value = true},
    OptionSpec{.name = "--resume-token", .takes_value = true},
    OptionSpec{.name = "--segments", .takes_value = true},
    OptionSpec{.name = "--page-size", .takes_value = true},
    OptionSpec{.name = "--dry-run", .takes_value = false},
    OptionSpec{.name = "--json", .takes_value = false},
    OptionSpec{.name = "--help", .takes_value = false}};

constexpr double kDefaultSweepRate = 50.0;

int run_sweep(const CommandArguments& arguments, const core::config::Environment& environment,
              Console& console) {
  auto rate = arguments.positive_number("--rate");
  auto segments = arguments.integer("--segments", 1);
  auto page_size = arguments.integer("--page-size", 1);
  if (!rate) {
    return usage_error(console, "sweep", rate.error(), kSweepHelp);
  }
  for (const auto* parsed : {&segments, &page_size}) {
    if (!*parsed) {
      return usage_error(console, "sweep", parsed->error(), kSweepHelp);
    }
  }
  auto context = OperatorContext::create(environment);
  if (!context) {
    return command_error(console, "sweep", context.error());
  }
  OperatorContext& ctx = **context;
  const std::string token_path(arguments.value("--resume-token").value_or(""));
  const bool dry_run = arguments.has("--dry-run");
  auto progress =
      ops::ScanProgress::start(ctx.settings().events_table_name,
                               static_cast<std::size_t>(segments->value_or(kDefaultSegments)));
  if (!token_path.empty()) {
    auto loaded = load_resume_token(token_path);
    if (!loaded) {
      return command_error(console, "sweep", loaded.error());
    }
    if (auto& saved = *loaded) {
      if (saved->table_name != progress.table_name) {
        console.err << "bootstrap sweep: the resume token " << token_path << " is for table '"
                    << saved->table_name << "', not '" << progress.table_name << "'\n";
        return kExitError;
      }
      progress = std::move(*saved);
      console.err << "sweep: resuming from " << token_path << "\n";
    }
  }
  std::vector<ops::ScanFold> folds;
  folds.reserve(progress.segments.size());
  for (const auto& segment : progress.segments) {
    folds.emplace_back(segment.pending);
  }
  ops::RatePacer pacer(rate->value_or(kDefaultSweepRate));
  const std::string trigger = trigger_for("sweep", ctx);
  SweepTally tally;
  ProgressLine progress_line(console, "sweep", ctx.clock());
  const bool json = arguments.has("--json");
  SweepWaveHooks hooks;
  hooks.deadline = [&ctx] { return ctx.deadline_in(kCommandTime); };
  hooks.wait = [](std::chrono::steady_clock::duration wait) {
    std::this_thread::sleep_for(wait);
    return true;
  };
  hooks.on_action = [&](const ops::AggregateStatus& status, ops::SweepAction action) {
    if (json) {
      return;
    }
    if (action == ops::SweepAction::kSkipHeld) {
      console.out << "skip  " << ops::hold_line(status) << "\n";
      return;
    }
    console.out << (dry_run ? "would ring " : "rang  ") << status.id << " (lag " << status.lag
                << ", offset " << version_text(status.offset) << ", head "
                << version_text(status.head_version) << ")";
    if (status.hold) {
      console.out << "; " << ops::hold_line(status);
    }
    console.out << "\n";
  };
  hooks.after_wave = [&](const ops::ScanProgress& position) -> core::Status {
    if (!token_path.empty() && !dry_run) {
      if (auto saved = save_resume_token(token_path, position); !saved) {
        return saved;
      }
    }
    progress_line.update(tally.items, tally.aggregates, tally.rang.size());
    return {};
  };
  if (auto swept =
          sweep_waves(ctx, progress, folds, trigger, dry_run, *page_size, pacer, tally, hooks);
      !swept) {
    return command_error(console, "sweep", swept.error());
  }
  const auto& rang = tally.rang;
  const auto& held = tally.held;
  const std::size_t derived_holds = tally.derived_holds;
  const auto& skipped_by_reason = tally.skipped_by_reason;
  const std::size_t aggregates = tally.aggregates;
  if (!token_path.empty() && !dry_run) {
    std::error_code ignored;
    std::filesystem::remove(token_path, ignored);
  }
  std::string reasons;
  for (const auto& [reason, count] : skipped_by_reason) {
    reasons += (reasons.empty() ? "" : ", ") + std::to_string(count) + " " + reason;
  }
  std::string summary = "swept " + std::to_string(aggregates) +
                        " aggregates: " + (dry_run ? "would ring " : "rang ") +
                        std::to_string(rang.size());
  if (derived_holds > 0) {
    summary += " (" + std::to_string(derived_holds) +
               " that would hold, so the dispatcher stores the hold)";
  }
  summary += ", skipped " + std::to_string(held.size()) + " held";
  if (!held.empty()) {
    summary += " (" + reasons +
               "; stored holds: not lost but held, a doorbell changes nothing; release them)";
  }
  summary += " (trigger " + trigger + ")";
  if (json) {
    nlohmann::json held_json = nlohmann::json::array();
    for (const auto& status : held) {
      held_json.push_back(ops::status_json(status));
    }
    console.out << nlohmann::json{{"rang", rang},
                                  {"held", std::move(held_json)},
                                  {"dry_run", dry_run},
                                  {"trigger", trigger},
                                  {"summary",
                                   {{"aggregates", aggregates},
                                    {"rang", rang.size()},
                                    {"rang_derived_holds", derived_holds},
                                    {"held", held.size()},
                                    {"skipped_held", held.size()},
                                    {"skipped_by_reason", skipped_by_reason}}}}
                       .dump(2)
                << "\n";
  } else {
    console.out << summary << "\n";
  }
  return held.empty() && derived_holds == 0 ? kExitOk : kExitAttention;
}

}  // namespace

const OperatorCommand& sweep_command() noexcept {
  static constexpr OperatorCommand kCommand{
      .name = "sweep", .options = kSweepOptions, .help = kSweepHelp, .run = run_sweep};
  return kCommand;
}

}  // namespace dispatcher::app::operator_tools
