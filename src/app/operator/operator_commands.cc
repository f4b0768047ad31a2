#include "app/operator/operator_commands.h"

#include <pwd.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/operator/operator_context.h"
#include "core/operator/command_arguments.h"
#include "core/operator/status_report.h"
#include "core/operator/sweep_plan.h"

namespace dispatcher::app::operator_tools {
namespace {

namespace ops = core::operator_tools;
using core::dynamodb::integer_value;
using core::dynamodb::Item;
using core::dynamodb::string_value;
using ops::CommandArguments;
using ops::OptionSpec;

constexpr std::string_view kStatusHelp =
    R"(Usage: bootstrap status [--top N] [--aggregate ID] [--segments N] [--page-size N] [--json]
Shows, per aggregate, the head version, the committed offset, the lag, and whether it is held
(gap: a version is missing; poison: the next event cannot become a message) and since when it has
not moved; then a summary line. Without --aggregate it scans the events table (N parallel
segments, default 4; progress on standard error).
  --top N          only the N aggregates that most need attention (held first, then by lag)
  --aggregate ID   only this aggregate (no scan)
  --page-size N    items per Scan page, to spread the read capacity used (default: 1 MB pages)
  --json           machine output: {"aggregates": [...], "summary": {...}}
Exit codes: 0 nothing held; 1 error; 2 usage; 3 held aggregates found.
)";

constexpr std::string_view kReplayHelp =
    R"(Usage: bootstrap replay --aggregate ID [--from-version N] [--json]
Re-dispatches an aggregate on purpose: moves its committed offset back to N-1 (default: the first
event version, i.e. everything), logs an audit line on standard error, and rings its doorbell so
the dispatcher publishes versions N.. again. Consumers see duplicates (same messageId).
Exit codes: 0 done; 1 error or refused (N is after the committed offset); 2 usage.
)";

constexpr std::string_view kReleaseHelp =
    R"(Usage: bootstrap release --aggregate ID --version N [--yes] [--json]
Skips version N of a held aggregate on purpose (a gap that will never be filled, or a poison
event): checks that the aggregate is held at N, asks for confirmation (unless --yes), moves the
offset to N only if it is still N-1, logs an audit line, and rings the doorbell. Version N is
never published.
Exit codes: 0 released; 1 error or refused (not held at N, offset moved, not confirmed); 2 usage
(also: no --yes while standard input is not a terminal).
)";

constexpr std::string_view kSweepHelp =
    R"(Usage: bootstrap sweep [--rate N] [--resume-token FILE] [--segments N] [--page-size N]
                       [--dry-run] [--json]
The reconciler for lost doorbells: scans the events table for aggregates whose head is beyond
their offset and that the dispatcher could move on (not held), and rings their doorbell (marker
trigger "sweep:<time>"). Held aggregates are reported, not rung. Safe on a schedule: ringing an
aggregate that is being dispatched costs one extra no-op dispatch.
  --rate N               at most N doorbells per second (default 50)
  --resume-token FILE    save the scan position after each page; start from it when it exists;
                         removed when the sweep finishes
  --segments N           parallel scan segments (default 4)
  --page-size N          items per Scan page (default: 1 MB pages)
  --dry-run              report what would be rung; write nothing
  --json                 machine output: {"rang": [...], "held": [...], "summary": {...}}
Exit codes: 0 nothing held; 1 error; 2 usage; 3 held aggregates found.
)";

constexpr std::array<OptionSpec, 6> kStatusOptions{
    OptionSpec{"--top", true},      OptionSpec{"--aggregate", true},
    OptionSpec{"--segments", true}, OptionSpec{"--page-size", true},
    OptionSpec{"--json", false},    OptionSpec{"--help", false}};
constexpr std::array<OptionSpec, 4> kReplayOptions{
    OptionSpec{"--aggregate", true}, OptionSpec{"--from-version", true},
    OptionSpec{"--json", false}, OptionSpec{"--help", false}};
constexpr std::array<OptionSpec, 5> kReleaseOptions{
    OptionSpec{"--aggregate", true}, OptionSpec{"--version", true}, OptionSpec{"--yes", false},
    OptionSpec{"--json", false}, OptionSpec{"--help", false}};
constexpr std::array<OptionSpec, 7> kSweepOptions{
    OptionSpec{"--rate", true},     OptionSpec{"--resume-token", true},
    OptionSpec{"--segments", true}, OptionSpec{"--page-size", true},
    OptionSpec{"--dry-run", false}, OptionSpec{"--json", false},
    OptionSpec{"--help", false}};

constexpr std::int64_t kDefaultSegments = 4;
constexpr double kDefaultSweepRate = 50.0;
constexpr auto kCommandTime = std::chrono::seconds(60);
constexpr auto kProgressInterval = std::chrono::seconds(1);

int usage_error(Console& console, std::string_view command, const core::Error& error,
                std::string_view help) {
  console.err << "bootstrap " << command << ": " << error.message << "\n" << help;
  return kExitUsage;
}

int command_error(Console& console, std::string_view command, const core::Error& error) {
  console.err << "bootstrap " << command << ": " << error.describe() << "\n";
  return kExitError;
}

/// "user@host", for audit lines: who acted, as far as this machine knows.
std::string operator_identity(const core::config::Environment& environment) {
  std::string user = "unknown";
  for (const char* name : {"USER", "LOGNAME"}) {
    if (const auto found = environment.find(name);
        found != environment.end() && !found->second.empty()) {
      user = found->second;
      break;
    }
  }
  if (user == "unknown") {
    if (const passwd* account = getpwuid(geteuid()); account != nullptr && account->pw_name) {
      user = account->pw_name;
    }
  }
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) {
    return user;
  }
  return user + "@" + std::string(host.data());
}

void audit(Console& console, nlohmann::json line) {
  line["audit"] = true;
  console.err << line.dump() << "\n";
}

/// Prints "<what>: N items, M aggregates" at most once per interval, from the first interval on.
class ProgressLine {
 public:
  ProgressLine(Console& console, std::string what, const core::Clock& clock)
      : console_(console),
        what_(std::move(what)),
        clock_(clock),
        next_(clock.now() + kProgressInterval) {}

  void update(std::size_t items, std::size_t aggregates, std::size_t acted = 0) {
    if (clock_.now() < next_) {
      return;
    }
    next_ = clock_.now() + kProgressInterval;
    console_.err << what_ << ": scanned " << items << " items, " << aggregates << " aggregates";
    if (acted > 0) {
      console_.err << ", " << acted << " doorbells rung";
    }
    console_.err << "\n";
    console_.err.flush();
  }

 private:
  Console& console_;
  std::string what_;
  const core::Clock& clock_;
  core::Deadline next_;
};

core::Result<std::unique_ptr<OperatorContext>> open_context(
    const core::config::Environment& environment) {
  return OperatorContext::create(environment);
}

core::Result<ops::AggregateStatus> inspect_one(OperatorContext& context,
                                               const std::string& aggregate_id) {
  auto scanned = context.find_aggregate(aggregate_id, context.deadline_in(kCommandTime));
  if (!scanned) {
    return core::fail(std::move(scanned.error()));
  }
  auto statuses = context.inspect(std::span(&*scanned, 1), context.deadline_in(kCommandTime));
  if (!statuses) {
    return core::fail(std::move(statuses.error()));
  }
  return std::move(statuses->front());
}

core::Status ring(OperatorContext& context, const std::string& aggregate_id,
                  const std::string& trigger) {
  const std::array<core::dispatch::MarkerWrite, 1> markers{
      core::dispatch::MarkerWrite{.aggregate_id = aggregate_id, .trigger = trigger}};
  auto statuses = context.event_store().write_markers(markers, context.deadline_in(kCommandTime));
  return std::move(statuses.front());
}

std::string trigger_for(std::string_view action, const OperatorContext& context) {
  return std::string(action) + ":" + ops::format_utc(context.clock().wall_now());
}

nlohmann::json optional_version(std::optional<std::int64_t> version) {
  return version ? nlohmann::json(*version) : nlohmann::json(nullptr);
}

std::string version_text(std::optional<std::int64_t> version) {
  return version ? std::to_string(*version) : "none";
}

// ---- status ----------------------------------------------------------------------------------

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
  auto context = open_context(environment);
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
        console.out << status.id << ": held at version " << status.hold->version << " ("
                    << core::dispatch::hold_reason_name(status.hold->reason)
                    << "): " << status.hold->detail << "\n";
      }
    }
    console.out << ops::summary_line(summary) << "\n";
  }
  return summary.held() > 0 ? kExitAttention : kExitOk;
}

// ---- replay ----------------------------------------------------------------------------------

int run_replay(const CommandArguments& arguments, const core::config::Environment& environment,
               Console& console) {
  const auto aggregate_id = arguments.value("--aggregate");
  if (!aggregate_id) {
    return usage_error(console, "replay",
                       core::permanent_error("UsageError", "--aggregate is required"), kReplayHelp);
  }
  auto from_version = arguments.integer("--from-version", 0);
  if (!from_version) {
    return usage_error(console, "replay", from_version.error(), kReplayHelp);
  }
  auto context = open_context(environment);
  if (!context) {
    return command_error(console, "replay", context.error());
  }
  OperatorContext& ctx = **context;
  const std::int64_t first = ctx.settings().first_event_version;
  const std::int64_t from = from_version->value_or(first);
  if (from < first) {
    return usage_error(console, "replay",
                       core::permanent_error("UsageError",
                                             "--from-version must be at least the "
                                             "first event version " +
                                                 std::to_string(first)),
                       kReplayHelp);
  }
  const std::string id(*aggregate_id);
  auto status = inspect_one(ctx, id);
  if (!status) {
    return command_error(console, "replay", status.error());
  }
  if (!status->head_version) {
    console.err << "bootstrap replay: refused: '" << id << "' has no events in "
                << ctx.settings().events_table_name << "\n";
    return kExitError;
  }
  const std::int64_t new_offset = from - 1;
  const std::int64_t current = status->offset.value_or(first - 1);
  if (new_offset > current) {
    console.err << "bootstrap replay: refused: version " << from
                << " is after the committed offset " << version_text(status->offset) << " of '"
                << id << "'; replay only moves back (to skip a version on purpose, use release)\n";
    return kExitError;
  }
  const std::string who = operator_identity(environment);
  const std::string now = ops::format_utc(ctx.clock().wall_now());
  auto written = ctx.dynamodb().update_item(
      adapters::dynamodb::UpdateItemRequest{
          .table_name = ctx.settings().offsets_table_name,
          .key = Item{{"id", string_value(id)}},
          .update_expression = "SET #version = :version, #replayed_at = :at, #replayed_by = :by",
          .expression_attribute_names = {{"#version", "version"},
                                         {"#replayed_at", "replayed_at"},
                                         {"#replayed_by", "replayed_by"}},
          .expression_attribute_values = {{":version", integer_value(new_offset)},
                                          {":at", string_value(now)},
                                          {":by", string_value(who)}}},
      ctx.deadline_in(kCommandTime));
  if (!written) {
    return command_error(console, "replay", written.error());
  }
  const std::string trigger = trigger_for("replay", ctx);
  audit(console, {{"action", "replay"},
                  {"aggregate", id},
                  {"from_offset", optional_version(status->offset)},
                  {"to_offset", new_offset},
                  {"by", who},
                  {"at", now},
                  {"trigger", trigger}});
  if (auto rung = ring(ctx, id, trigger); !rung) {
    console.err << "bootstrap replay: the offset moved back but the doorbell did not ring ("
                << rung.error().describe() << "); run `bootstrap sweep` or replay again\n";
    return kExitError;
  }
  if (arguments.has("--json")) {
    console.out << nlohmann::json{{"aggregate", id},
                                  {"previous_offset", optional_version(status->offset)},
                                  {"offset", new_offset},
                                  {"trigger", trigger}}
                       .dump(2)
                << "\n";
  } else {
    console.out << "replay " << id << ": offset " << version_text(status->offset) << " -> "
                << new_offset << "; versions " << from << ".." << version_text(status->head_version)
                << " will be published again (doorbell " << trigger << ")\n";
  }
  return kExitOk;
}

// ---- release ---------------------------------------------------------------------------------

int run_release(const CommandArguments& arguments, const core::config::Environment& environment,
                Console& console) {
  const auto aggregate_id = arguments.value("--aggregate");
  auto version = arguments.integer("--version", 0);
  if (!version) {
    return usage_error(console, "release", version.error(), kReleaseHelp);
  }
  if (!aggregate_id || !version->has_value()) {
    return usage_error(
        console, "release",
        core::permanent_error("UsageError", "--aggregate and --version are required"),
        kReleaseHelp);
  }
  if (!arguments.has("--yes") && !console.interactive) {
    return usage_error(
        console, "release",
        core::permanent_error("UsageError", "standard input is not a terminal: confirm with --yes"),
        kReleaseHelp);
  }
  auto context = open_context(environment);
  if (!context) {
    return command_error(console, "release", context.error());
  }
  OperatorContext& ctx = **context;
  const std::string id(*aggregate_id);
  const std::int64_t target = **version;
  auto status = inspect_one(ctx, id);
  if (!status) {
    return command_error(console, "release", status.error());
  }
  if (!status->hold || status->hold->version != target) {
    console.err << "bootstrap release: refused: '" << id << "' is not held at version " << target
                << " (state " << ops::condition_name(status->condition);
    if (status->hold) {
      console.err << ", held at version " << status->hold->version;
    }
    console.err << ", offset " << version_text(status->offset) << ")\n";
    return kExitError;
  }
  const char* reason = core::dispatch::hold_reason_name(status->hold->reason);
  if (!arguments.has("--yes")) {
    console.err << "Release '" << id << "' at version " << target << " (" << reason << ": "
                << status->hold->detail << ")?\nVersion " << target
                << " will never be published. Type 'yes' to release: ";
    console.err.flush();
    std::string answer;
    std::getline(console.in, answer);
    if (answer != "yes") {
      console.err << "bootstrap release: not confirmed; nothing changed\n";
      return kExitError;
    }
  }
  const std::string who = operator_identity(environment);
  const std::string now = ops::format_utc(ctx.clock().wall_now());
  adapters::dynamodb::UpdateItemRequest request{
      .table_name = ctx.settings().offsets_table_name,
      .key = Item{{"id", string_value(id)}},
      .update_expression = "SET #version = :version, #released_at = :at, #released_by = :by",
      .expression_attribute_names = {{"#version", "version"},
                                     {"#released_at", "released_at"},
                                     {"#released_by", "released_by"}},
      .expression_attribute_values = {{":version", integer_value(target)},
                                      {":at", string_value(now)},
                                      {":by", string_value(who)}}};
  // Only from exactly N-1: if the dispatcher moved meanwhile, the operator decided on stale facts.
  if (status->offset) {
    request.condition_expression = "#version = :previous";
    request.expression_attribute_values[":previous"] = integer_value(*status->offset);
  } else {
    request.condition_expression = "attribute_not_exists(#version)";
  }
  auto written = ctx.dynamodb().update_item(request, ctx.deadline_in(kCommandTime));
  if (!written) {
    return command_error(console, "release", written.error());
  }
  if (*written == adapters::dynamodb::ConditionOutcome::kConditionFailed) {
    console.err << "bootstrap release: refused: the offset of '" << id
                << "' changed since it was read; run `bootstrap status --aggregate " << id
                << "` again\n";
    return kExitError;
  }
  const std::string trigger = trigger_for("release", ctx);
  audit(console, {{"action", "release"},
                  {"aggregate", id},
                  {"version", target},
                  {"reason", reason},
                  {"detail", status->hold->detail},
                  {"from_offset", optional_version(status->offset)},
                  {"to_offset", target},
                  {"by", who},
                  {"at", now},
                  {"trigger", trigger}});
  if (auto rung = ring(ctx, id, trigger); !rung) {
    console.err << "bootstrap release: released, but the doorbell did not ring ("
                << rung.error().describe() << "); run `bootstrap sweep`\n";
    return kExitError;
  }
  if (arguments.has("--json")) {
    console.out << nlohmann::json{{"aggregate", id},
                                  {"released_version", target},
                                  {"reason", reason},
                                  {"offset", target},
                                  {"trigger", trigger}}
                       .dump(2)
                << "\n";
  } else {
    console.out << "release " << id << ": version " << target << " skipped (" << reason
                << "); offset " << version_text(status->offset) << " -> " << target << " (doorbell "
                << trigger << ")\n";
  }
  return kExitOk;
}

// ---- sweep -----------------------------------------------------------------------------------

core::Result<std::optional<ops::ScanProgress>> load_token(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return std::optional<ops::ScanProgress>{};
  }
  const auto json = nlohmann::json::parse(file, nullptr, false);
  if (json.is_discarded()) {
    return core::fail(
        core::permanent_error("InvalidResumeToken", "resume token " + path + " is not JSON"));
  }
  auto progress = ops::scan_progress_from_json(json);
  if (!progress) {
    return core::fail(std::move(progress.error()));
  }
  return std::optional<ops::ScanProgress>{std::move(*progress)};
}

core::Status save_token(const std::string& path, const ops::ScanProgress& progress) {
  // Written aside then renamed: a crash leaves the old token or the new one, never half of one.
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::trunc);
    file << ops::scan_progress_to_json(progress).dump() << "\n";
    if (!file.flush()) {
      return core::fail(
          core::permanent_error("ResumeTokenWriteFailed", "cannot write " + temporary));
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    return core::fail(core::permanent_error("ResumeTokenWriteFailed",
                                            "cannot rename " + temporary + ": " + error.message()));
  }
  return {};
}

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
  auto context = open_context(environment);
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
    auto loaded = load_token(token_path);
    if (!loaded) {
      return command_error(console, "sweep", loaded.error());
    }
    if (*loaded) {
      if ((*loaded)->table_name != progress.table_name) {
        console.err << "bootstrap sweep: the resume token " << token_path << " is for table '"
                    << (*loaded)->table_name << "', not '" << progress.table_name << "'\n";
        return kExitError;
      }
      progress = std::move(**loaded);
      console.err << "sweep: resuming from " << token_path << "\n";
    }
  }
  std::vector<ops::ScanFold> folds;
  for (const auto& segment : progress.segments) {
    folds.emplace_back(segment.pending);
  }
  ops::RatePacer pacer(rate->value_or(kDefaultSweepRate));
  const std::string trigger = trigger_for("sweep", ctx);
  std::vector<std::string> rang;
  std::vector<ops::AggregateStatus> held;
  std::size_t aggregates = 0;
  std::size_t items = 0;
  ProgressLine progress_line(console, "sweep", ctx.clock());
  const bool json = arguments.has("--json");
  while (!progress.done()) {
    auto wave = ctx.scan_wave(progress, folds, *page_size, ctx.deadline_in(kCommandTime));
    if (!wave) {
      return command_error(console, "sweep", wave.error());
    }
    items += wave->items;
    aggregates += wave->aggregates.size();
    auto statuses = ctx.inspect(wave->aggregates, ctx.deadline_in(kCommandTime));
    if (!statuses) {
      return command_error(console, "sweep", statuses.error());
    }
    for (auto& status : *statuses) {
      switch (ops::sweep_action(status)) {
        case ops::SweepAction::kNone:
          break;
        case ops::SweepAction::kReportHeld:
          if (!json) {
            console.out << "held  " << status.id << " at version " << status.hold->version << " ("
                        << core::dispatch::hold_reason_name(status.hold->reason) << ")\n";
          }
          held.push_back(std::move(status));
          break;
        case ops::SweepAction::kRing:
          if (!dry_run) {
            std::this_thread::sleep_for(pacer.take(std::chrono::steady_clock::now()));
            if (auto rung = ring(ctx, status.id, trigger); !rung) {
              return command_error(console, "sweep", rung.error());
            }
          }
          if (!json) {
            console.out << (dry_run ? "would ring " : "rang  ") << status.id << " (lag "
                        << status.lag << ", offset " << version_text(status.offset) << ", head "
                        << version_text(status.head_version) << ")\n";
          }
          rang.push_back(status.id);
          break;
      }
    }
    if (!token_path.empty() && !dry_run) {
      if (auto saved = save_token(token_path, progress); !saved) {
        return command_error(console, "sweep", saved.error());
      }
    }
    progress_line.update(items, aggregates, rang.size());
  }
  if (!token_path.empty() && !dry_run) {
    std::error_code ignored;
    std::filesystem::remove(token_path, ignored);
  }
  const std::string summary = "swept " + std::to_string(aggregates) +
                              " aggregates: " + (dry_run ? "would ring " : "rang ") +
                              std::to_string(rang.size()) + ", held " +
                              std::to_string(held.size()) + " (trigger " + trigger + ")";
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
                                    {"held", held.size()}}}}
                       .dump(2)
                << "\n";
  } else {
    console.out << summary << "\n";
  }
  return held.empty() ? kExitOk : kExitAttention;
}

struct CommandEntry {
  std::string_view name;
  std::span<const OptionSpec> options;
  std::string_view help;
  int (*run)(const CommandArguments&, const core::config::Environment&, Console&);
};

const std::array<CommandEntry, 4>& commands() {
  static const std::array<CommandEntry, 4> kCommands{
      CommandEntry{"status", kStatusOptions, kStatusHelp, run_status},
      CommandEntry{"replay", kReplayOptions, kReplayHelp, run_replay},
      CommandEntry{"release", kReleaseOptions, kReleaseHelp, run_release},
      CommandEntry{"sweep", kSweepOptions, kSweepHelp, run_sweep}};
  return kCommands;
}

}  // namespace

bool is_operator_command(std::string_view command) noexcept {
  return std::ranges::any_of(
      commands(), [command](const CommandEntry& entry) { return entry.name == command; });
}

int run_operator_command(std::string_view command, std::span<const std::string_view> arguments,
                         const core::config::Environment& environment, Console& console) {
  const auto entry = std::ranges::find(commands(), command, &CommandEntry::name);
  if (entry == commands().end()) {
    console.err << "bootstrap: unknown command '" << command << "'\n";
    return kExitUsage;
  }
  auto parsed = CommandArguments::parse(arguments, entry->options);
  if (!parsed) {
    return usage_error(console, command, parsed.error(), entry->help);
  }
  if (parsed->has("--help")) {
    console.out << entry->help;
    return kExitOk;
  }
  return entry->run(*parsed, environment, console);
}

}  // namespace dispatcher::app::operator_tools
