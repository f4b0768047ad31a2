#include "app/operator/command_support.h"

#include <pwd.h>
#include <unistd.h>

#include <array>
#include <ostream>
#include <span>
#include <utility>

#include "core/encoding/utc_time.h"
#include "core/operator/status_report.h"

namespace dispatcher::app::operator_tools {

int usage_error(Console& console, std::string_view command, const core::Error& error,
                std::string_view help) {
  console.err << "bootstrap " << command << ": " << error.message << "\n" << help;
  return kExitUsage;
}

int command_error(Console& console, std::string_view command, const core::Error& error) {
  console.err << "bootstrap " << command << ": " << error.describe() << "\n";
  return kExitError;
}

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
    passwd account{};
    passwd* found = nullptr;
    constexpr std::size_t kAccountBufferSize = 4096;
    std::array<char, kAccountBufferSize> buffer{};
    if (getpwuid_r(geteuid(), &account, buffer.data(), buffer.size(), &found) == 0 &&
        found != nullptr && found->pw_name != nullptr) {
      user = found->pw_name;
    }
  }
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) {
    return user;
  }
  return user + "@" + std::string(host.data());
}

void log_audit_line(Console& console, nlohmann::json line) {
  line["audit"] = true;
  console.err << line.dump() << "\n";
}

nlohmann::json optional_version(std::optional<std::int64_t> version) {
  return version ? nlohmann::json(*version) : nlohmann::json(nullptr);
}

std::string version_text(std::optional<std::int64_t> version) {
  return version ? std::to_string(*version) : "none";
}

ProgressLine::ProgressLine(Console& console, std::string what, const core::Clock& clock)
    : console_(console),
      what_(std::move(what)),
      clock_(clock),
      next_(clock.now() + kProgressInterval) {}

void ProgressLine::update(std::size_t items, std::size_t aggregates, std::size_t acted) {
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

core::Result<core::operator_tools::AggregateStatus> inspect_one(OperatorContext& context,
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

std::string trigger_for(std::string_view action, const OperatorContext& context) {
  return std::string(action) + ":" + core::encoding::rfc3339_utc(context.clock().wall_now());
}

core::Status ring(OperatorContext& context, const std::string& aggregate_id,
                  const std::string& trigger) {
  const std::array<core::dispatch::MarkerWrite, 1> markers{
      core::dispatch::MarkerWrite{.aggregate_id = aggregate_id, .trigger = trigger}};
  auto statuses = context.event_store().write_markers(markers, context.deadline_in(kCommandTime));
  return std::move(statuses.front());
}

}  // namespace dispatcher::app::operator_tools
