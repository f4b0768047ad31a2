#include "core/runner/stream_runner.h"

#include <set>
#include <utility>

#include "core/runner/checkpoint_arithmetic.h"
#include "core/runner/shard_lineage.h"

namespace dispatcher::core::runner {

StreamRunner::StreamRunner(StreamSource& source, CheckpointStore& checkpoints,
                           BatchHandler& handler, const Clock& clock, observability::Logger& logger,
                           StreamRunnerOptions options)
    : source_(source),
      checkpoints_(checkpoints),
      handler_(handler),
      clock_(clock),
      logger_(logger),
      options_(options) {}

void StreamRunner::forget() {
  shards_.clear();
  listed_.clear();
  refreshed_at_.reset();
}

std::vector<std::string> StreamRunner::open_shards() const {
  std::vector<std::string> open;
  for (const auto& description : listed_) {
    if (!finished(description.shard_id)) {
      open.push_back(description.shard_id);
    }
  }
  return open;
}

bool StreamRunner::finished(const std::string& shard_id) const {
  const auto found = shards_.find(shard_id);
  if (found == shards_.end()) {
    return false;
  }
  const std::optional<Checkpoint>& checkpoint = found->second.checkpoint;
  return checkpoint && checkpoint->finished;
}

Status StreamRunner::refresh_shards(Deadline deadline) {
  auto listed = source_.shards(deadline);
  if (!listed) {
    return fail(std::move(listed.error()));
  }
  listed_ = parents_first(std::move(*listed));
  for (const auto& description : listed_) {
    auto [entry, added] = shards_.try_emplace(
        description.shard_id, ShardState{.description = description,
                                         .failures = Backoff(options_.failure_backoff_floor,
                                                             options_.failure_backoff_ceiling)});
    if (added) {
      logger_.info("shard discovered",
                   {{"shard_id", description.shard_id},
                    {"parent_shard_id", description.parent_shard_id
                                            ? nlohmann::json(*description.parent_shard_id)
                                            : nlohmann::json(nullptr)},
                    {"closed", description.closed}});
    } else {
      entry->second.description = description;
    }
  }
  refreshed_at_ = clock_.now();
  return {};
}

Result<StepReport> StreamRunner::step(Deadline deadline, const std::function<bool()>& keep_going) {
  if (!refreshed_at_ || clock_.now() >= *refreshed_at_ + options_.shard_refresh_interval) {
    if (auto refreshed = refresh_shards(deadline); !refreshed) {
      return fail(std::move(refreshed.error()));
    }
  }
  StepReport report;
  for (const auto& description : listed_) {
    if (!keep_going()) {
      break;
    }
    ShardState& shard = shards_.at(description.shard_id);
    if (clock_.now() < shard.not_before) {
      continue;
    }
    if (!prepare(shard, deadline)) {
      continue;
    }
    if (shard.checkpoint && shard.checkpoint->finished) {
      continue;
    }
    std::set<std::string> finished_ids;
    if (description.parent_shard_id && finished(*description.parent_shard_id)) {
      finished_ids.insert(*description.parent_shard_id);
    }
    if (!may_read(description, listed_, finished_ids)) {
      continue;  // its parent is read first (earlier in listed_)
    }
    read_shard(shard, deadline, report);
  }
  if (report.shards_finished > 0) {
    refreshed_at_.reset();  // its children may be listed now
  }
  return report;
}

void StreamRunner::back_off(ShardState& shard, std::string_view what, const Error& error) {
  const auto delay = shard.failures.next();
  shard.not_before = clock_.now() + delay;
  logger_.error(what, {{"shard_id", shard.description.shard_id},
                       {"error", error.describe()},
                       {"retry_in_milliseconds", delay.count()}});
}

bool StreamRunner::save(ShardState& shard, Deadline deadline) {
  const std::optional<Checkpoint>& checkpoint = shard.checkpoint;
  if (!checkpoint) {
    return true;  // nothing read yet, nothing to keep
  }
  auto saved = checkpoints_.save(shard.description.shard_id, *checkpoint, deadline);
  if (!saved) {
    shard.unsaved = true;
    back_off(shard, "checkpoint not saved; kept in memory and saved again", saved.error());
    return false;
  }
  shard.unsaved = false;
  return true;
}

bool StreamRunner::prepare(ShardState& shard, Deadline deadline) {
  const std::string& shard_id = shard.description.shard_id;
  if (!shard.checkpoint_loaded) {
    auto loaded = checkpoints_.load(shard_id, deadline);
    if (!loaded) {
      back_off(shard, "checkpoint not read", loaded.error());
      return false;
    }
    shard.checkpoint = std::move(*loaded);
    shard.checkpoint_loaded = true;
    if (shard.checkpoint && !shard.checkpoint->finished) {
      logger_.info(
          "shard resumes from its checkpoint",
          {{"shard_id", shard_id},
           {"after_sequence_number", shard.checkpoint->sequence_number
                                         ? nlohmann::json(*shard.checkpoint->sequence_number)
                                         : nlohmann::json(nullptr)}});
    }
  }
  if (shard.unsaved && !save(shard, deadline)) {
    return false;
  }
  if (shard.iterator || (shard.checkpoint && shard.checkpoint->finished)) {
    return true;
  }
  ShardPosition position = shard.next_position.value_or(resume_position(shard.checkpoint));
  auto iterator = source_.iterator(shard_id, position, deadline);
  if (!iterator && iterator.error().code == "TrimmedDataAccessException") {
    // The checkpoint is older than the stream keeps (24 h): those records are gone. Aggregates
    // whose doorbell was among them are caught by the `sweep` command.
    logger_.error(
        "shard checkpoint is older than the stream's retention; records were lost to "
        "the trim horizon, continuing from it (run `sweep` to catch their aggregates)",
        {{"shard_id", shard_id}, {"error", iterator.error().describe()}});
    position = ShardPosition::trim_horizon();
    iterator = source_.iterator(shard_id, position, deadline);
  }
  if (!iterator) {
    back_off(shard, "shard iterator not obtained", iterator.error());
    return false;
  }
  shard.next_position.reset();
  shard.iterator = std::move(*iterator);
  return true;
}

void StreamRunner::read_shard(ShardState& shard, Deadline deadline, StepReport& report) {
  const std::string& shard_id = shard.description.shard_id;
  const std::optional<std::string>& iterator = shard.iterator;
  if (!iterator) {
    return;  // prepare() gives one to every shard it lets step() read
  }
  auto page = source_.read(*iterator, options_.batch_size, deadline);
  if (!page) {
    shard.iterator.reset();  // read again from the checkpoint
    back_off(shard, "GetRecords failed", page.error());
    return;
  }
  switch (page->status) {
    case ShardPage::Status::kIteratorExpired:
      logger_.info("shard iterator expired; a new one starts after the checkpoint",
                   {{"shard_id", shard_id}});
      shard.iterator.reset();
      return;
    case ShardPage::Status::kTrimmed:
      shard.iterator.reset();
      if (!shard.rechecking_trim) {
        // Only a checkpoint past the horizon means lost records: ask again from the checkpoint.
        shard.rechecking_trim = true;
        logger_.warn(
            "shard iterator is past the stream's retention; a new one starts after the "
            "checkpoint",
            {{"shard_id", shard_id}});
        return;
      }
      shard.rechecking_trim = false;
      logger_.error(
          "shard position is past the stream's retention; records were lost to the "
          "trim horizon, continuing from it (run `sweep` to catch their aggregates)",
          {{"shard_id", shard_id}});
      shard.next_position = ShardPosition::trim_horizon();
      return;
    case ShardPage::Status::kRecords:
      break;
  }
  shard.rechecking_trim = false;
  if (!page->records.empty()) {
    report.records += page->records.size();
    ++report.batches;
    auto outcome = handler_.handle(page->records, deadline);
    if (!outcome) {
      ++report.failed_batches;
      shard.iterator.reset();
      back_off(shard, "batch failed as a whole; it is read again", outcome.error());
      return;
    }
    const Checkpoint next = checkpoint_after_batch(shard.checkpoint, page->records, *outcome);
    const bool moved = next != shard.checkpoint.value_or(Checkpoint{});
    if (const std::optional<std::string>& retry_from = *outcome; retry_from) {
      ++report.failed_batches;
      shard.checkpoint = next;
      if (moved) {
        (void)save(shard, deadline);
      }
      shard.iterator.reset();  // re-read from just after the new checkpoint
      const auto delay = shard.failures.next();
      shard.not_before = clock_.now() + delay;
      logger_.warn("batch partly failed; read again from the first failed record",
                   {{"shard_id", shard_id},
                    {"retry_from", *retry_from},
                    {"retry_in_milliseconds", delay.count()}});
      return;
    }
    shard.failures.reset();
    shard.checkpoint = next;
  }
  if (page->shard_ended()) {
    Checkpoint done = shard.checkpoint.value_or(Checkpoint{});
    done.finished = true;
    shard.checkpoint = done;
    shard.iterator.reset();
    if (save(shard, deadline)) {
      ++report.shards_finished;
      logger_.info("shard finished", {{"shard_id", shard_id}});
    }
    return;
  }
  shard.iterator = std::move(page->next_iterator);
  if (!page->records.empty()) {
    (void)save(shard, deadline);
  }
}

}  // namespace dispatcher::core::runner
