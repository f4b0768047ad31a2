#include "app/operator/sweep_waves.h"

#include <array>
#include <utility>

namespace dispatcher::app::operator_tools {

namespace ops = core::operator_tools;

core::Status ring_doorbell(OperatorContext& context, const std::string& aggregate_id,
                           const std::string& trigger, core::Deadline deadline) {
  const std::array<core::dispatch::MarkerWrite, 1> markers{
      core::dispatch::MarkerWrite{.aggregate_id = aggregate_id, .trigger = trigger}};
  auto statuses = context.event_store().write_markers(markers, deadline);
  return std::move(statuses.front());
}

core::Result<SweepEnd> sweep_waves(OperatorContext& context, ops::ScanProgress& progress,
                                   std::vector<ops::ScanFold>& folds, const std::string& trigger,
                                   bool dry_run, std::optional<std::int64_t> page_size,
                                   ops::RatePacer& pacer, SweepTally& tally,
                                   const SweepWaveHooks& hooks) {
  while (!progress.done()) {
    if (!hooks.start_wave()) {
      return SweepEnd::kStopped;
    }
    // Kept to undo a wave cut short: its aggregates are then scanned again next time.
    const ops::ScanProgress before = progress;
    const std::vector<ops::ScanFold> folds_before = folds;
    auto wave = context.scan_wave(progress, folds, page_size, hooks.deadline());
    if (!wave) {
      return core::fail(std::move(wave.error()));
    }
    auto statuses = context.inspect(wave->aggregates, hooks.deadline());
    if (!statuses) {
      progress = before;
      folds = folds_before;
      return core::fail(std::move(statuses.error()));
    }
    for (auto& status : *statuses) {
      const auto action = ops::sweep_action(status);
      switch (action) {
        case ops::SweepAction::kNone:
          break;
        case ops::SweepAction::kSkipHeld:
          if (status.hold) {  // always: only a stored hold is skipped
            ++tally.skipped_by_reason[core::dispatch::hold_reason_name(status.hold->reason)];
          }
          hooks.on_action(status, action);
          tally.held.push_back(std::move(status));
          break;
        case ops::SweepAction::kRing:
          if (!dry_run) {
            if (!hooks.wait(pacer.take(std::chrono::steady_clock::now()))) {
              progress = before;
              folds = folds_before;
              return SweepEnd::kStopped;
            }
            if (auto rung = ring_doorbell(context, status.id, trigger, hooks.deadline()); !rung) {
              progress = before;
              folds = folds_before;
              return core::fail(std::move(rung.error()));
            }
          }
          hooks.on_action(status, action);
          if (status.hold) {
            ++tally.derived_holds;
          }
          tally.rang.push_back(status.id);
          break;
      }
    }
    tally.items += wave->items;
    tally.aggregates += wave->aggregates.size();
    ++tally.waves;
    if (auto saved = hooks.after_wave(progress); !saved) {
      return core::fail(std::move(saved.error()));
    }
  }
  return SweepEnd::kPassFinished;
}

}  // namespace dispatcher::app::operator_tools
