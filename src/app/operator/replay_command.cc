// `bootstrap replay`: moves an aggregate's committed offset back on purpose, so the dispatcher
// publishes its versions again.

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "app/operator/command_support.h"
#include "app/operator/commands.h"
#include "app/operator/offset_move.h"
#include "app/operator/operator_context.h"
#include "core/encoding/utc_time.h"
#include "core/operator/command_arguments.h"
#include "core/operator/status_report.h"

namespace dispatcher::app::operator_tools {
namespace {

namespace ops = core::operator_tools;
using ops::CommandArguments;
using ops::OptionSpec;

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

constexpr std::array<OptionSpec, 5> kReplayOptions{
    OptionSpec{.name = "--aggregate", .takes_value = true},
    OptionSpec{.name = "--from-version", .takes_value = true},
    OptionSpec{.name = "--expect-offset", .takes_value = true},
    OptionSpec{.name = "--json", .takes_value = false},
    OptionSpec{.name = "--help", .takes_value = false}};

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
  auto context = OperatorContext::create(environment);
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
  const OffsetMove move{.action = "replay",
                        .stamp = "replayed",
                        .aggregate_id = id,
                        .new_offset = from - 1,
                        .by = operator_identity(environment),
                        .at = core::encoding::rfc3339_utc(ctx.clock().wall_now()),
                        .release_id = std::nullopt};
  // One re-read when a dispatcher commit lands between the read and the write; with
  // --expect-offset the operator's own reading is the condition, so none.
  const int attempts = expect_offset->has_value() ? 1 : 2;
  ops::AggregateStatus status;
  std::optional<MoveOutcome> moved;
  for (int attempt = 0; attempt < attempts && !moved; ++attempt) {
    auto read = inspect_one(ctx, id);
    if (!read) {
      return command_error(console, "replay", read.error());
    }
    status = std::move(*read);
    if (!status.head_version) {
      console.err << "bootstrap replay: refused: '" << id << "' has no events in "
                  << ctx.settings().events_table_name << "\n";
      return kExitError;
    }
    if (const auto& problem = status.offset_problem) {
      console.err << "bootstrap replay: refused: the offsets item of '" << id << "' is unreadable ("
                  << *problem << "); use `bootstrap release --aggregate " << id
                  << " --to-version N`\n";
      return kExitError;
    }
    const std::int64_t current = status.offset.value_or(first - 1);
    if (move.new_offset > current) {
      console.err << "bootstrap replay: refused: version " << from
                  << " is after the committed offset " << version_text(status.offset) << " of '"
                  << id
                  << "'; replay only moves back (to skip a version on purpose, use release)\n";
      return kExitError;
    }
    const std::optional<std::int64_t> expected =
        expect_offset->has_value() ? *expect_offset : status.offset;
    auto request = offset_move_request(ctx, move);
    condition_on_offset(request, expected);
    nlohmann::json cleared_hold = nullptr;
    if (status.hold && status.hold_source == ops::HoldSource::kStored) {
      cleared_hold = ops::status_json(status)["hold"];
    }
    auto outcome = apply_offset_move(ctx, console, move, request,
                                     {{"from_offset", optional_version(status.offset)},
                                      {"cleared_hold", std::move(cleared_hold)}},
                                     /*retry_lost_answer=*/false);
    if (!outcome) {
      return command_error(console, "replay", outcome.error());
    }
    if (outcome->applied) {
      moved = std::move(*outcome);
    } else {
      console.err << "replay: the offset of '" << id << "' is no longer " << version_text(expected)
                  << " (a dispatcher commit landed)"
                  << (attempt + 1 < attempts ? "; reading it again\n" : "\n");
    }
  }
  if (!moved) {
    auto now_read = ctx.offset_item(id, ctx.deadline_in(kCommandTime));
    const auto record =
        now_read ? ops::read_offset_record(*now_read) : ops::OffsetRecord{.problem = "not read"};
    console.err << "bootstrap replay: refused: lost to a concurrent dispatcher commit; the offset"
                << " of '" << id << "' is now "
                << (record.problem ? "unreadable" : version_text(record.state.version))
                << "; nothing changed, run replay again\n";
    return kExitError;
  }
  if (!moved->rung) {
    console.err << "bootstrap replay: the offset moved back but the doorbell did not ring ("
                << moved->rung.error().describe() << "); run `bootstrap sweep` or replay again\n";
    return kExitError;
  }
  if (arguments.has("--json")) {
    console.out << nlohmann::json{{"aggregate", id},
                                  {"previous_offset", optional_version(status.offset)},
                                  {"offset", move.new_offset},
                                  {"trigger", moved->trigger}}
                       .dump(2)
                << "\n";
  } else {
    console.out << "replay " << id << ": offset " << version_text(status.offset) << " -> "
                << move.new_offset << "; versions " << from << ".."
                << version_text(status.head_version) << " will be published again (doorbell "
                << moved->trigger << ")\n";
  }
  return kExitOk;
}

}  // namespace

const OperatorCommand& replay_command() noexcept {
  static constexpr OperatorCommand kCommand{
      .name = "replay", .options = kReplayOptions, .help = kReplayHelp, .run = run_replay};
  return kCommand;
}

}  // namespace dispatcher::app::operator_tools
