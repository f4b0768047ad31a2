#include "app/operator/operator_commands.h"

#include <pwd.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <istream>
#include <limits>
#include <map>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/operator/audit_command.h"
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

constexpr std::string_view kReplayHelp =
    R"(Usage: bootstrap replay --aggregate ID [--from-version N] [--expect-offset N] [--json]
Re-dispatches an aggregate on purpose: moves its committed offset back to N-1 (default: the first
event version, i.e. everything) and clears a stored hold, only if the offset is still the one it
read (a dispatcher commit in between is re-read once; a second one refuses), logs an audit line
on standard error, and rings its doorbell so the dispatcher publishes versions N.. again.
Consumers see duplicates (same messageId).
  --expect-offset N   only if the committed offset is N (what you saw in status); no re-read
Exit codes: 0 done; 1 error or refused (N is after the committed offset, the offset moved, the
offsets item is unreadable); 2 usage.
)";

constexpr std::string_view kReleaseHelp =
    R"(Usage: bootstrap release --aggregate ID (--version N | --to-version N) [--release-id ID]
                         [--yes] [--json]
Skips version N of a held aggregate on purpose, whatever the hold's reason (gap, poison, refused,
corrupt): checks that it is held at N, asks for confirmation (unless --yes), moves the offset to N
and clears the stored hold in one write, only if the offset is still N-1 (or absent, for the
first event version), writes released_at/released_by/release_id, logs an audit line, and rings
the doorbell. Version N is never published.
  --to-version N    for an unreadable offsets item (held/corrupt, offset "unreadable"): set the
                    offset to N, the last version already published, replacing the bad item
  --release-id ID   names this release (default: a new one, printed); a release retried with
                    the same id after a lost answer is recognised as done
Exit codes: 0 released (or already released by the same release id); 1 error or refused (not
held at N, offset moved, not confirmed); 2 usage (also: no --yes while standard input is not a
terminal).
)";

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

constexpr std::array<OptionSpec, 6> kStatusOptions{
    OptionSpec{"--top", true},      OptionSpec{"--aggregate", true},
    OptionSpec{"--segments", true}, OptionSpec{"--page-size", true},
    OptionSpec{"--json", false},    OptionSpec{"--help", false}};
constexpr std::array<OptionSpec, 5> kReplayOptions{
    OptionSpec{"--aggregate", true}, OptionSpec{"--from-version", true},
    OptionSpec{"--expect-offset", true}, OptionSpec{"--json", false}, OptionSpec{"--help", false}};
constexpr std::array<OptionSpec, 7> kReleaseOptions{
    OptionSpec{"--aggregate", true},  OptionSpec{"--version", true},
    OptionSpec{"--to-version", true}, OptionSpec{"--release-id", true},
    OptionSpec{"--yes", false},       OptionSpec{"--json", false},
    OptionSpec{"--help", false}};
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
        console.out << ops::hold_line(status) << "\n";
      }
    }
    console.out << ops::summary_line(summary) << "\n";
  }
  return summary.held() > 0 ? kExitAttention : kExitOk;
}

// ---- replay ----------------------------------------------------------------------------------

/// The names every write of the offsets item uses: the offset, and the hold attributes it clears.
adapters::dynamodb::ExpressionNames offset_names() {
  adapters::dynamodb::ExpressionNames names;
  for (const auto& [placeholder, name] : core::dispatch::offset_expression::kNames) {
    names.emplace(placeholder, name);
  }
  return names;
}

/// Conditions `request` on the offset being `expected` (absent when nullopt), as it was read.
void condition_on_offset(adapters::dynamodb::UpdateItemRequest& request,
                         std::optional<std::int64_t> expected) {
  if (expected) {
    request.condition_expression = "#version = :read";
    request.expression_attribute_values[":read"] = integer_value(*expected);
  } else {
    request.condition_expression = "attribute_not_exists(#version)";
  }
}

/// A replay's write: offset back to `new_offset`, the stored hold cleared (the dispatcher decides
/// again from there), only if the offset is still `read_offset`.
core::Result<adapters::dynamodb::ConditionOutcome> write_replay(
    OperatorContext& ctx, const std::string& id, std::optional<std::int64_t> read_offset,
    std::int64_t new_offset, const std::string& who, const std::string& now) {
  adapters::dynamodb::UpdateItemRequest request{
      .table_name = ctx.settings().offsets_table_name,
      .key = Item{{"id", string_value(id)}},
      .update_expression = "SET #version = :version, #replayed_at = :at, #replayed_by = :by " +
                           std::string(core::dispatch::offset_expression::kRemoveHold),
      .expression_attribute_names = offset_names(),
      .expression_attribute_values = {{":version", integer_value(new_offset)},
                                      {":at", string_value(now)},
                                      {":by", string_value(who)}}};
  request.expression_attribute_names.emplace("#replayed_at", "replayed_at");
  request.expression_attribute_names.emplace("#replayed_by", "replayed_by");
  condition_on_offset(request, read_offset);
  return ctx.dynamodb().update_item(request, ctx.deadline_in(kCommandTime));
}

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
  auto expect_offset =
      arguments.integer("--expect-offset", std::numeric_limits<std::int64_t>::min());
  if (!expect_offset) {
    return usage_error(console, "replay", expect_offset.error(), kReplayHelp);
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
  const std::int64_t new_offset = from - 1;
  const std::string who = operator_identity(environment);
  const std::string now = ops::format_utc(ctx.clock().wall_now());
  // One re-read when a dispatcher commit lands between the read and the write; with
  // --expect-offset the operator's own reading is the condition, so none.
  const int attempts = expect_offset->has_value() ? 1 : 2;
  std::optional<ops::AggregateStatus> status;
  bool written = false;
  for (int attempt = 0; attempt < attempts && !written; ++attempt) {
    auto read = inspect_one(ctx, id);
    if (!read) {
      return command_error(console, "replay", read.error());
    }
    status = std::move(*read);
    if (!status->head_version) {
      console.err << "bootstrap replay: refused: '" << id << "' has no events in "
                  << ctx.settings().events_table_name << "\n";
      return kExitError;
    }
    if (status->offset_problem) {
      console.err << "bootstrap replay: refused: the offsets item of '" << id << "' is unreadable ("
                  << *status->offset_problem << "); use `bootstrap release --aggregate " << id
                  << " --to-version N`\n";
      return kExitError;
    }
    const std::int64_t current = status->offset.value_or(first - 1);
    if (new_offset > current) {
      console.err << "bootstrap replay: refused: version " << from
                  << " is after the committed offset " << version_text(status->offset) << " of '"
                  << id
                  << "'; replay only moves back (to skip a version on purpose, use release)\n";
      return kExitError;
    }
    const std::optional<std::int64_t> expected =
        expect_offset->has_value() ? std::optional<std::int64_t>(**expect_offset) : status->offset;
    auto outcome = write_replay(ctx, id, expected, new_offset, who, now);
    if (!outcome) {
      return command_error(console, "replay", outcome.error());
    }
    written = *outcome == adapters::dynamodb::ConditionOutcome::kApplied;
    if (!written) {
      console.err << "replay: the offset of '" << id << "' is no longer " << version_text(expected)
                  << " (a dispatcher commit landed)"
                  << (attempt + 1 < attempts ? "; reading it again\n" : "\n");
    }
  }
  if (!written) {
    auto now_read = ctx.offset_item(id, ctx.deadline_in(kCommandTime));
    const auto record =
        now_read ? ops::read_offset_record(*now_read) : ops::OffsetRecord{.problem = "not read"};
    console.err << "bootstrap replay: refused: lost to a concurrent dispatcher commit; the offset"
                << " of '" << id << "' is now "
                << (record.problem ? "unreadable" : version_text(record.state.version))
                << "; nothing changed, run replay again\n";
    return kExitError;
  }
  const std::string trigger = trigger_for("replay", ctx);
  nlohmann::json cleared_hold = nullptr;
  if (status->hold && status->hold_source == ops::HoldSource::kStored) {
    cleared_hold = ops::status_json(*status)["hold"];
  }
  audit(console, {{"action", "replay"},
                  {"aggregate", id},
                  {"from_offset", optional_version(status->offset)},
                  {"to_offset", new_offset},
                  {"cleared_hold", std::move(cleared_hold)},
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

constexpr std::string_view kReleaseIdAttribute = "release_id";

/// A new release id: 64 random bits in hex, so a retry can name the release it repeats.
std::string new_release_id() {
  std::random_device random;
  const std::uint64_t bits = (static_cast<std::uint64_t>(random()) << 32U) ^ random();
  std::array<char, 17> text{};
  std::snprintf(text.data(), text.size(), "%016llx", static_cast<unsigned long long>(bits));
  return "release-" + std::string(text.data());
}

/// True when `item` shows release `release_id` done: offset `target` written by it.
bool done_by_release(const std::optional<Item>& item, std::int64_t target,
                     const std::string& release_id) {
  if (!item) {
    return false;
  }
  const std::string* written_id = core::dynamodb::string_attribute(*item, kReleaseIdAttribute);
  return written_id != nullptr && *written_id == release_id &&
         core::dynamodb::integer_attribute(*item, core::dispatch::offset_attribute::kVersion) ==
             target;
}

/// What a release reports when it finds itself already done (its first answer was lost).
int report_already_released(OperatorContext& ctx, Console& console, const std::string& id,
                            std::int64_t target, const std::string& release_id, bool json) {
  const std::string trigger = trigger_for("release", ctx);
  // The first attempt may have stopped before ringing: ringing again costs one no-op dispatch.
  if (auto rung = ring(ctx, id, trigger); !rung) {
    console.err << "bootstrap release: already released, but the doorbell did not ring ("
                << rung.error().describe() << "); run `bootstrap sweep`\n";
    return kExitError;
  }
  if (json) {
    console.out << nlohmann::json{{"aggregate", id},          {"released_version", target},
                                  {"offset", target},         {"release_id", release_id},
                                  {"already_released", true}, {"trigger", trigger}}
                       .dump(2)
                << "\n";
  } else {
    console.out << "release " << id << ": already released by " << release_id << " (offset "
                << target << "); nothing more to do (doorbell " << trigger << ")\n";
  }
  return kExitOk;
}

int run_release(const CommandArguments& arguments, const core::config::Environment& environment,
                Console& console) {
  const auto aggregate_id = arguments.value("--aggregate");
  auto version = arguments.integer("--version", 0);
  if (!version) {
    return usage_error(console, "release", version.error(), kReleaseHelp);
  }
  auto to_version = arguments.integer("--to-version", -1);
  if (!to_version) {
    return usage_error(console, "release", to_version.error(), kReleaseHelp);
  }
  if (!aggregate_id || version->has_value() == to_version->has_value()) {
    return usage_error(console, "release",
                       core::permanent_error("UsageError",
                                             "--aggregate and one of --version or --to-version "
                                             "are required"),
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
  const bool repair = to_version->has_value();  // an unreadable offsets item is replaced
  const std::int64_t target = repair ? **to_version : **version;
  const std::string release_id(arguments.value("--release-id").value_or(new_release_id()));
  const bool json = arguments.has("--json");

  auto item = ctx.offset_item(id, ctx.deadline_in(kCommandTime));
  if (!item) {
    return command_error(console, "release", item.error());
  }
  if (done_by_release(*item, target, release_id)) {
    return report_already_released(ctx, console, id, target, release_id, json);
  }
  auto status = inspect_one(ctx, id);
  if (!status) {
    return command_error(console, "release", status.error());
  }
  const std::int64_t first = ctx.settings().first_event_version;
  std::string refusal;
  if (repair && !status->offset_problem) {
    refusal = "the offsets item of '" + id + "' is readable (offset " +
              version_text(status->offset) + "); --to-version is for an unreadable one, use " +
              "--version";
  } else if (!repair && status->offset_problem) {
    refusal = "the offsets item of '" + id + "' is unreadable (" + *status->offset_problem +
              "); give the last version already published with --to-version N";
  } else if (!repair && (!status->hold || status->hold->version != target)) {
    refusal = "'" + id + "' is not held at version " + std::to_string(target) + " (state " +
              std::string(ops::condition_name(status->condition));
    if (status->hold) {
      refusal += ", held at version " + std::to_string(status->hold->version);
    }
    refusal += ", offset " + version_text(status->offset) + ")";
  } else if (!repair && status->offset.value_or(first - 1) != target - 1) {
    refusal = "the offset of '" + id + "' is " + version_text(status->offset) + ", not " +
              std::to_string(target - 1) + ": release skips exactly the next version";
  }
  if (!refusal.empty()) {
    console.err << "bootstrap release: refused: " << refusal << "\n";
    return kExitError;
  }
  const char* reason =
      status->hold ? core::dispatch::hold_reason_name(status->hold->reason) : "corrupt";
  const std::string detail = status->hold ? status->hold->detail : *status->offset_problem;
  const std::string source =
      status->hold ? std::string(ops::hold_source_name(status->hold_source)) : "derived";
  if (!arguments.has("--yes")) {
    if (repair) {
      console.err << "Replace the unreadable offsets item of '" << id << "' with offset " << target
                  << " (" << detail << ")?\nVersions up to " << target
                  << " will never be published by the dispatcher. Type 'yes' to release: ";
    } else {
      console.err << "Release '" << id << "' at version " << target << " (" << reason << ", "
                  << source << ": " << detail << ")?\nVersion " << target
                  << " will never be published. Type 'yes' to release: ";
    }
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
      .update_expression =
          "SET #version = :version, #released_at = :at, #released_by = :by, "
          "#release_id = :release_id " +
          std::string(core::dispatch::offset_expression::kRemoveHold),
      .expression_attribute_names = offset_names(),
      .expression_attribute_values = {{":version", integer_value(target)},
                                      {":at", string_value(now)},
                                      {":by", string_value(who)},
                                      {":release_id", string_value(release_id)}}};
  request.expression_attribute_names.emplace("#released_at", "released_at");
  request.expression_attribute_names.emplace("#released_by", "released_by");
  request.expression_attribute_names.emplace("#release_id", std::string(kReleaseIdAttribute));
  if (repair) {
    // Only while the item is still unreadable in the same way the dispatcher's own hold write
    // checks it: a version there, but not a number.
    request.condition_expression = core::dispatch::offset_expression::kVersionUnreadable;
    request.expression_attribute_values[":number_type"] = string_value("N");
  } else {
    // Only from exactly N-1: if the dispatcher moved meanwhile, the operator decided on stale
    // facts.
    condition_on_offset(request, status->offset);
  }
  auto written = ctx.dynamodb().update_item(request, ctx.deadline_in(kCommandTime));
  if (!written && written.error().retryable()) {
    // The answer may be lost while the write happened: the same release again, recognised below.
    console.err << "release: " << written.error().describe() << "; trying the same release again\n";
    written = ctx.dynamodb().update_item(request, ctx.deadline_in(kCommandTime));
  }
  if (!written) {
    return command_error(console, "release", written.error());
  }
  if (*written == adapters::dynamodb::ConditionOutcome::kConditionFailed) {
    auto after = ctx.offset_item(id, ctx.deadline_in(kCommandTime));
    if (!after) {
      return command_error(console, "release", after.error());
    }
    if (done_by_release(*after, target, release_id)) {
      return report_already_released(ctx, console, id, target, release_id, json);
    }
    const auto record = ops::read_offset_record(*after);
    console.err << "bootstrap release: refused: the offset of '" << id
                << "' changed since it was read (now "
                << (record.problem ? "unreadable" : version_text(record.state.version));
    if (record.state.hold) {
      console.err << ", held at version " << record.state.hold->hold.version << " ("
                  << core::dispatch::hold_reason_name(record.state.hold->hold.reason) << ")";
    }
    console.err << "); run `bootstrap status --aggregate " << id << "` again\n";
    return kExitError;
  }
  const std::string trigger = trigger_for("release", ctx);
  audit(console,
        {{"action", "release"},
         {"aggregate", id},
         {"version", target},
         {"reason", reason},
         {"source", source},
         {"detail", detail},
         {"from_offset", repair ? nlohmann::json("unreadable") : optional_version(status->offset)},
         {"to_offset", target},
         {"release_id", release_id},
         {"by", who},
         {"at", now},
         {"trigger", trigger}});
  if (auto rung = ring(ctx, id, trigger); !rung) {
    console.err << "bootstrap release: released, but the doorbell did not ring ("
                << rung.error().describe() << "); run `bootstrap sweep`\n";
    return kExitError;
  }
  if (json) {
    console.out << nlohmann::json{{"aggregate", id},           {"released_version", target},
                                  {"reason", reason},          {"source", source},
                                  {"offset", target},          {"release_id", release_id},
                                  {"already_released", false}, {"trigger", trigger}}
                       .dump(2)
                << "\n";
  } else if (repair) {
    console.out << "release " << id << ": unreadable offsets item replaced; offset -> " << target
                << " (release id " << release_id << ", doorbell " << trigger << ")\n";
  } else {
    console.out << "release " << id << ": version " << target << " skipped (" << reason
                << "); offset " << version_text(status->offset) << " -> " << target
                << " (release id " << release_id << ", doorbell " << trigger << ")\n";
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
  std::vector<ops::AggregateStatus> held;  ///< stored holds, skipped
  std::size_t derived_holds = 0;           ///< rung so that the dispatcher stores them
  std::map<std::string, std::size_t> skipped_by_reason;
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
        case ops::SweepAction::kSkipHeld:
          if (!json) {
            console.out << "skip  " << ops::hold_line(status) << "\n";
          }
          ++skipped_by_reason[core::dispatch::hold_reason_name(status.hold->reason)];
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
                        << version_text(status.head_version) << ")";
            if (status.hold) {
              console.out << "; " << ops::hold_line(status);
            }
            console.out << "\n";
          }
          if (status.hold) {
            ++derived_holds;
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

struct CommandEntry {
  std::string_view name;
  std::span<const OptionSpec> options;
  std::string_view help;
  int (*run)(const CommandArguments&, const core::config::Environment&, Console&);
};

const std::array<CommandEntry, 5>& commands() {
  static const std::array<CommandEntry, 5> kCommands{
      CommandEntry{"status", kStatusOptions, kStatusHelp, run_status},
      CommandEntry{"audit", audit_options(), audit_help(), run_audit},
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
