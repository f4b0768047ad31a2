// `bootstrap release`: skips the version a held aggregate is held at, on purpose; or replaces an
// unreadable offsets item (--to-version).

#include <array>
#include <cstdint>
#include <cstdio>
#include <istream>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "app/operator/command_support.h"
#include "app/operator/commands.h"
#include "app/operator/offset_move.h"
#include "app/operator/operator_context.h"
#include "core/dispatch/offset_item.h"
#include "core/encoding/utc_time.h"
#include "core/operator/command_arguments.h"
#include "core/operator/status_report.h"

namespace dispatcher::app::operator_tools {
namespace {

namespace ops = core::operator_tools;
using core::dynamodb::Item;
using core::dynamodb::string_value;
using ops::CommandArguments;
using ops::OptionSpec;

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

constexpr std::array<OptionSpec, 7> kReleaseOptions{
    OptionSpec{.name = "--aggregate", .takes_value = true},
    OptionSpec{.name = "--version", .takes_value = true},
    OptionSpec{.name = "--to-version", .takes_value = true},
    OptionSpec{.name = "--release-id", .takes_value = true},
    OptionSpec{.name = "--yes", .takes_value = false},
    OptionSpec{.name = "--json", .takes_value = false},
    OptionSpec{.name = "--help", .takes_value = false}};

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

/// Why `status` may not be released at `target` ("" when it may). `repair`: --to-version.
std::string refusal_of(const ops::AggregateStatus& status, const std::string& id,
                       std::int64_t target, bool repair, std::int64_t first) {
  if (repair && !status.offset_problem) {
    return "the offsets item of '" + id + "' is readable (offset " + version_text(status.offset) +
           "); --to-version is for an unreadable one, use " + "--version";
  }
  if (!repair && status.offset_problem) {
    return "the offsets item of '" + id + "' is unreadable (" + *status.offset_problem +
           "); give the last version already published with --to-version N";
  }
  if (!repair && (!status.hold || status.hold->version != target)) {
    std::string refusal = "'" + id + "' is not held at version " + std::to_string(target) +
                          " (state " + std::string(ops::condition_name(status.condition));
    if (status.hold) {
      refusal += ", held at version " + std::to_string(status.hold->version);
    }
    return refusal + ", offset " + version_text(status.offset) + ")";
  }
  if (!repair && status.offset.value_or(first - 1) != target - 1) {
    return "the offset of '" + id + "' is " + version_text(status.offset) + ", not " +
           std::to_string(target - 1) + ": release skips exactly the next version";
  }
  return {};
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
  auto context = OperatorContext::create(environment);
  if (!context) {
    return command_error(console, "release", context.error());
  }
  OperatorContext& ctx = **context;
  const std::string id(*aggregate_id);
  const bool repair = to_version->has_value();  // an unreadable offsets item is replaced
  const std::int64_t target = repair ? to_version->value_or(0) : version->value_or(0);
  const std::string release_id(arguments.value("--release-id").value_or(new_release_id()));
  const bool json = arguments.has("--json");

  auto item = ctx.offset_item(id, ctx.deadline_in(kCommandTime));
  if (!item) {
    return command_error(console, "release", item.error());
  }
  if (done_by_release(*item, target, release_id)) {
    return report_already_released(ctx, console, id, target, release_id, json);
  }
  auto inspected = inspect_one(ctx, id);
  if (!inspected) {
    return command_error(console, "release", inspected.error());
  }
  const ops::AggregateStatus& status = *inspected;
  if (const std::string refusal =
          refusal_of(status, id, target, repair, ctx.settings().first_event_version);
      !refusal.empty()) {
    console.err << "bootstrap release: refused: " << refusal << "\n";
    return kExitError;
  }
  // Past the refusals, a release is held at `target` and a repair has an offset problem.
  const char* reason =
      status.hold ? core::dispatch::hold_reason_name(status.hold->reason) : "corrupt";
  const std::string detail = status.hold ? status.hold->detail : status.offset_problem.value_or("");
  const std::string source =
      status.hold ? std::string(ops::hold_source_name(status.hold_source)) : "derived";
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
  const OffsetMove move{.action = "release",
                        .stamp = "released",
                        .aggregate_id = id,
                        .new_offset = target,
                        .by = operator_identity(environment),
                        .at = core::encoding::rfc3339_utc(ctx.clock().wall_now()),
                        .release_id = release_id};
  auto request = offset_move_request(ctx, move);
  if (repair) {
    // Only while the item is still unreadable in the same way the dispatcher's own hold write
    // checks it: a version there, but not a number.
    request.condition_expression = core::dispatch::offset_expression::kVersionUnreadable;
    request.expression_attribute_values[":number_type"] = string_value("N");
  } else {
    // Only from exactly N-1: if the dispatcher moved meanwhile, the operator decided on stale
    // facts.
    condition_on_offset(request, status.offset);
  }
  auto moved = apply_offset_move(
      ctx, console, move, request,
      {{"version", target},
       {"reason", reason},
       {"source", source},
       {"detail", detail},
       {"from_offset", repair ? nlohmann::json("unreadable") : optional_version(status.offset)},
       {"release_id", release_id}},
      /*retry_lost_answer=*/true);
  if (!moved) {
    return command_error(console, "release", moved.error());
  }
  if (!moved->applied) {
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
    if (const auto& hold = record.state.hold) {
      console.err << ", held at version " << hold->hold.version << " ("
                  << core::dispatch::hold_reason_name(hold->hold.reason) << ")";
    }
    console.err << "); run `bootstrap status --aggregate " << id << "` again\n";
    return kExitError;
  }
  if (!moved->rung) {
    console.err << "bootstrap release: released, but the doorbell did not ring ("
                << moved->rung.error().describe() << "); run `bootstrap sweep`\n";
    return kExitError;
  }
  const std::string& trigger = moved->trigger;
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
                << "); offset " << version_text(status.offset) << " -> " << target
                << " (release id " << release_id << ", doorbell " << trigger << ")\n";
  }
  return kExitOk;
}

}  // namespace

const OperatorCommand& release_command() noexcept {
  static constexpr OperatorCommand kCommand{
      .name = "release", .options = kReleaseOptions, .help = kReleaseHelp, .run = run_release};
  return kCommand;
}

}  // namespace dispatcher::app::operator_tools
