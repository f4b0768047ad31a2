#include "fakes/stream_simulation.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "core/dispatch/stream_event_parser.h"
#include "core/dynamodb/json_codec.h"
#include "fakes/event_items.h"

namespace dispatcher::fakes {
namespace {

constexpr std::string_view kStreamArn =
    "arn:aws:dynamodb:eu-west-1:123456789012:table/events/stream/2024-01-01T00:00:00.000";

std::string header_value(const dispatch::OutgoingMessage& message, std::string_view name) {
  // The standard headers come last, so the last header of that name is the dispatcher's own.
  for (auto header = message.headers.rbegin(); header != message.headers.rend(); ++header) {
    if (header->first == name) {
      return header->second;
    }
  }
  return {};
}

std::optional<std::int64_t> parse_version(const std::string& text) {
  std::int64_t version = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (error != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return version;
}

std::string stream_id_of(const dispatch::AggregateId& aggregate_id) {
  const std::size_t colon = aggregate_id.find(':');
  return colon == std::string::npos ? aggregate_id : aggregate_id.substr(colon + 1);
}

}  // namespace

StreamSimulation::StreamSimulation(SimulationOptions options, std::uint64_t seed)
    : options_(std::move(options)),
      schedule_random_(seed),
      faults_(seed ^ 0x9E3779B97F4A7C15ULL),
      table_(options_.shard_count, seed + 1),
      kafka_(options_.kafka_partitions),
      store_(table_, faults_, clock_),
      publisher_(kafka_, faults_, clock_),
      constant_trigger_store_(options_.constant_marker_trigger
                                  ? std::make_unique<ConstantTriggerEventStore>(store_)
                                  : nullptr),
      dispatcher_(constant_trigger_store_ != nullptr
                      ? static_cast<dispatch::EventStore&>(*constant_trigger_store_)
                      : static_cast<dispatch::EventStore&>(store_),
                  publisher_, clock_, options_.dispatcher),
      checkpoints_(table_.shard_count(), 0) {
  store_.set_page_bytes(options_.page_bytes);
  const auto hook = [this] {
    if (between_port_calls) {
      between_port_calls();
    }
  };
  store_.before_call = hook;
  publisher_.before_call = hook;
  store_.on_offset_write = [this](const dispatch::OffsetCommit& commit,
                                  std::optional<std::int64_t> stored_before) {
    on_offset_write(commit, stored_before);
  };
}

void StreamSimulation::write_event(std::string_view stream_id, std::int64_t version) {
  write_item(event_item(stream_id, version), true);
}

void StreamSimulation::write_item(const dynamodb::Item& item, bool counts_as_event) {
  const std::string* id = dynamodb::string_attribute(item, "id");
  const std::optional<std::int64_t> version = dynamodb::integer_attribute(item, "version");
  if (id != nullptr && version.has_value()) {
    if (counts_as_event) {
      written_[stream_id_of(*id)].insert(*version);
      poisoned_[stream_id_of(*id)].erase(*version);
    } else {
      written_[stream_id_of(*id)].erase(*version);
      poisoned_[stream_id_of(*id)].insert(*version);
    }
  }
  table_.put_item(item);
}

bool StreamSimulation::has_pending_records() const {
  for (std::size_t shard = 0; shard < table_.shard_count(); ++shard) {
    if (checkpoints_[shard] < table_.shard(shard).size()) {
      return true;
    }
  }
  return false;
}

bool StreamSimulation::deliver_batch() {
  std::vector<std::size_t> pending;
  for (std::size_t shard = 0; shard < table_.shard_count(); ++shard) {
    if (checkpoints_[shard] < table_.shard(shard).size()) {
      pending.push_back(shard);
    }
  }
  if (pending.empty()) {
    return false;
  }
  const std::size_t choice =
      std::uniform_int_distribution<std::size_t>(0, pending.size() - 1)(schedule_random_);
  return deliver_batch(pending[choice]);
}

std::string StreamSimulation::lambda_event_json(std::size_t shard, std::size_t first,
                                                std::size_t count) const {
  nlohmann::json records = nlohmann::json::array();
  for (std::size_t index = first; index < first + count; ++index) {
    const StoredStreamRecord& record = table_.shard(shard)[index];
    const dynamodb::Item keys{{"id", dynamodb::string_value(record.aggregate_id)},
                              {"version", dynamodb::integer_value(record.version)}};
    records.push_back({
        {"eventID", "shard" + std::to_string(shard) + "-" + record.sequence_number},
        {"eventName", record.event_name},
        {"eventVersion", "1.1"},
        {"eventSource", "aws:dynamodb"},
        {"awsRegion", "eu-west-1"},
        {"dynamodb",
         {{"ApproximateCreationDateTime", 1700000000},
          {"Keys", dynamodb::item_to_json(keys)},
          {"SequenceNumber", record.sequence_number},
          {"SizeBytes", 64},
          {"StreamViewType", "KEYS_ONLY"}}},
        {"eventSourceARN", kStreamArn},
    });
  }
  return nlohmann::json{{"Records", std::move(records)}}.dump();
}

bool StreamSimulation::deliver_batch(std::size_t shard) {
  const std::vector<StoredStreamRecord>& records = table_.shard(shard);
  std::size_t& checkpoint = checkpoints_[shard];
  if (checkpoint >= records.size()) {
    return false;
  }
  const std::size_t available = records.size() - checkpoint;
  const std::size_t count = std::uniform_int_distribution<std::size_t>(
      1, std::min(available, std::max<std::size_t>(options_.max_batch_size, 1)))(schedule_random_);
  // Lambda hands the function JSON; going through the parser keeps the simulation honest.
  auto batch = dispatch::parse_stream_event(lambda_event_json(shard, checkpoint, count));
  if (!batch) {
    violations_.push_back("the parser rejected a batch Lambda would send: " +
                          batch.error().describe());
    checkpoint += count;
    return true;
  }

  ++invocation_;
  publisher_.set_invocation(invocation_);
  const std::size_t injected_before = faults_.injected();
  const core::Deadline deadline = clock_.now() + options_.invocation_budget;
  dispatch::DispatchReport report;
  try {
    report = dispatcher_.handle(*batch, deadline);
  } catch (const SimulatedCrash&) {
    disturbed_invocations_.insert(invocation_);
    return true;  // the checkpoint stays: Lambda redelivers the whole batch
  }
  if (clock_.now() > deadline) {
    // Lambda stopped the function at its deadline: whatever it did stays done, its answer is
    // lost, and the batch comes again, as after a crash.
    ++late_answers_;
    disturbed_invocations_.insert(invocation_);
    return true;
  }
  const bool deadline_hit = std::ranges::any_of(
      report.failed, [](const auto& failure) { return failure.error.code == "DeadlineExceeded"; });
  const bool disturbed = faults_.injected() != injected_before || deadline_hit;
  if (disturbed) {
    disturbed_invocations_.insert(invocation_);
  } else if (!report.failed.empty()) {
    violations_.push_back("invocation " + std::to_string(invocation_) +
                          " reported a failure that no injected fault explains: " +
                          report.failed.front().error.describe());
  }

  if (report.response.retry_from.has_value()) {
    const auto failed_record =
        std::find_if(records.begin() + static_cast<std::ptrdiff_t>(checkpoint),
                     records.begin() + static_cast<std::ptrdiff_t>(checkpoint + count),
                     [&](const StoredStreamRecord& record) {
                       return record.sequence_number == *report.response.retry_from;
                     });
    if (failed_record == records.begin() + static_cast<std::ptrdiff_t>(checkpoint + count)) {
      violations_.push_back("invocation " + std::to_string(invocation_) +
                            " reported sequence number " + *report.response.retry_from +
                            ", which is not in its batch");
    } else {
      checkpoint = static_cast<std::size_t>(failed_record - records.begin());
    }
  } else {
    checkpoint += count;
  }
  reports_.push_back(std::move(report));
  return true;
}

bool StreamSimulation::drain(std::size_t max_batches) {
  for (std::size_t batch = 0; batch < max_batches; ++batch) {
    if (!deliver_batch()) {
      return true;
    }
  }
  return !has_pending_records();
}

void StreamSimulation::on_offset_write(const dispatch::OffsetCommit& commit,
                                       std::optional<std::int64_t> stored_before) {
  // Marker dispatches of one aggregate are sequential (one shard), so a commit must move the
  // offset forward: one that does not means the dispatcher re-read or re-sent stale work.
  const std::int64_t committed = commit.version.value_or(-1);
  if (stored_before.has_value() && *stored_before >= committed) {
    violations_.push_back("offset of " + commit.aggregate_id + " written at " +
                          std::to_string(committed) + " while " + std::to_string(*stored_before) +
                          " was already committed");
  }
  // The offset must never run ahead of Kafka: every version up to it must be in the log already.
  const std::vector<std::int64_t> published = published_versions(stream_id_of(commit.aggregate_id));
  const std::set<std::int64_t> published_set(published.begin(), published.end());
  for (std::int64_t version = options_.dispatcher.first_event_version; version <= committed;
       ++version) {
    if (!published_set.contains(version)) {
      violations_.push_back("offset of " + commit.aggregate_id + " committed at " +
                            std::to_string(committed) + " before version " +
                            std::to_string(version) + " reached Kafka");
      break;
    }
  }
}

void StreamSimulation::corrupt_offset_item(std::string_view stream_id) {
  const dispatch::AggregateId aggregate_id = aggregate_id_of(stream_id);
  const dynamodb::Item* item = table_.offset_item(aggregate_id);
  dynamodb::Item corrupt = item != nullptr ? *item : dynamodb::Item{};
  if (!corrupted_offsets_.contains(std::string(stream_id))) {
    corrupted_offsets_[std::string(stream_id)] = table_.offset(aggregate_id);
  }
  corrupt.insert_or_assign("version", dynamodb::string_value("not a number"));
  table_.put_offset_item(aggregate_id, std::move(corrupt));
}

void StreamSimulation::repair_offset_item(std::string_view stream_id) {
  const auto found = corrupted_offsets_.find(std::string(stream_id));
  if (found == corrupted_offsets_.end()) {
    return;
  }
  const dispatch::AggregateId aggregate_id = aggregate_id_of(stream_id);
  dynamodb::Item item = *table_.offset_item(aggregate_id);
  if (found->second.has_value()) {
    item.insert_or_assign("version", dynamodb::integer_value(*found->second));
  } else {
    item.erase(item.find("version"));
  }
  table_.put_offset_item(aggregate_id, std::move(item));
  corrupted_offsets_.erase(found);
}

void StreamSimulation::ring_doorbell(std::string_view stream_id) {
  put_marker(table_,
             dispatch::MarkerWrite{.aggregate_id = aggregate_id_of(stream_id),
                                   .trigger = "operator:" + std::to_string(++doorbells_rung_)});
}

std::string StreamSimulation::stored_hold_reason(std::string_view stream_id) const {
  const dynamodb::Item* item = table_.offset_item(aggregate_id_of(stream_id));
  const std::string* reason =
      item == nullptr ? nullptr
                      : dynamodb::string_attribute(*item, dispatch::offset_attribute::kHoldReason);
  return reason == nullptr ? std::string() : *reason;
}

std::vector<std::int64_t> StreamSimulation::published_versions(std::string_view stream_id) const {
  std::vector<std::int64_t> versions;
  for (const DeliveredMessage& delivered : kafka_.log()) {
    if (delivered.message.key == stream_id) {
      versions.push_back(parse_version(header_value(delivered.message, "version")).value_or(-1));
    }
  }
  return versions;
}

std::vector<std::string> StreamSimulation::check_guarantees(
    const std::set<std::string>& may_be_incomplete) const {
  std::vector<std::string> violations = violations_;
  const std::int64_t first_version = options_.dispatcher.first_event_version;
  const auto dead_letters_due = [this] {
    return options_.dispatcher.poison_policy == dispatch::PoisonPolicy::kDeadLetter;
  };
  const auto is_dead_letter = [&](const dispatch::OutgoingMessage& message) {
    return dead_letters_due() && message.topic == options_.dispatcher.dead_letter_topic;
  };

  // Group the log by stream (key), keeping Kafka's order.
  std::map<std::string, std::vector<const DeliveredMessage*>> by_stream;
  for (const DeliveredMessage& delivered : kafka_.log()) {
    by_stream[delivered.message.key].push_back(&delivered);
  }
  std::set<std::string> streams;
  for (const auto& [stream_id, versions] : written_) {
    streams.insert(stream_id);
  }
  for (const auto& [stream_id, messages] : by_stream) {
    streams.insert(stream_id);
  }

  for (const std::string& stream_id : streams) {
    const auto& messages = by_stream[stream_id];
    const std::set<std::int64_t>& written =
        written_.contains(stream_id) ? written_.at(stream_id) : std::set<std::int64_t>{};
    const std::string name = "stream " + stream_id;

    // Every message: one partition, key = streamId, headers and value as the item says.
    std::optional<std::size_t> partition;
    for (const DeliveredMessage* delivered : messages) {
      const dispatch::OutgoingMessage& message = delivered->message;
      if (partition.has_value() && *partition != delivered->partition) {
        violations.push_back(name + " has messages in partitions " + std::to_string(*partition) +
                             " and " + std::to_string(delivered->partition));
      }
      partition = delivered->partition;
      if (is_dead_letter(message)) {
        // In place of a poison item, or of a valid event the broker refused for good.
        const auto version = parse_version(header_value(message, "dlq.version"));
        const bool refused_by_broker = header_value(message, "dlq.reason") == "MSG_SIZE_TOO_LARGE";
        const bool was_poison = version.has_value() && poisoned_.contains(stream_id) &&
                                poisoned_.at(stream_id).contains(*version);
        if (!version.has_value() ||
            header_value(message, "dlq.aggregate-id") != aggregate_id_of(stream_id) ||
            !(was_poison || (refused_by_broker && written.contains(*version)))) {
          violations.push_back(name + " has a dead letter that stands for no poison event");
        }
        continue;
      }
      const auto version = parse_version(header_value(message, "version"));
      if (message.topic != options_.dispatcher.topic ||
          header_value(message, "streamId") != stream_id || !version.has_value() ||
          header_value(message, "messageId") != event_id_of(stream_id, *version)) {
        violations.push_back(name +
                             " has a message with wrong topic, streamId, version or "
                             "messageId header");
        continue;
      }
      const dynamodb::Item* item = table_.find(aggregate_id_of(stream_id), *version);
      const std::string* data =
          item == nullptr ? nullptr : dynamodb::binary_attribute(*item, "data");
      if (data == nullptr || *data != message.value) {
        violations.push_back(name + " version " + std::to_string(*version) +
                             ": the message value is not the item's data");
      }
    }

    // Order: each message continues the previous one (v + 1) or starts a re-send (v <= previous)
    // of a contiguous suffix; nothing jumps ahead of what was published; a re-send only follows
    // a disturbed invocation (the one that published the earlier copy).
    std::int64_t highest = first_version - 1;
    std::optional<std::int64_t> previous;
    std::map<std::int64_t, std::uint64_t> last_invocation_of_version;
    for (const DeliveredMessage* delivered : messages) {
      const std::int64_t version =
          parse_version(header_value(delivered->message, is_dead_letter(delivered->message)
                                                             ? "dlq.version"
                                                             : "version"))
              .value_or(-1);
      if (!previous.has_value() && version != first_version) {
        violations.push_back(name + ": the first message has version " + std::to_string(version) +
                             ", not " + std::to_string(first_version));
      }
      if (version > highest + 1) {
        violations.push_back(name + ": version " + std::to_string(version) +
                             " published while version " + std::to_string(highest + 1) +
                             " never was (a gap was skipped)");
      }
      if (previous.has_value() && version != *previous + 1) {
        if (version > *previous) {
          violations.push_back(name + ": a re-send jumped from " + std::to_string(*previous) +
                               " to " + std::to_string(version));
        } else {
          const auto earlier = last_invocation_of_version.find(version);
          if (earlier == last_invocation_of_version.end()) {
            violations.push_back(name + ": version " + std::to_string(version) +
                                 " re-sent but never sent before");
          } else if (!disturbed_invocations_.contains(earlier->second)) {
            violations.push_back(name + ": version " + std::to_string(version) +
                                 " re-sent although invocation " + std::to_string(earlier->second) +
                                 " that sent it met no fault, crash or deadline");
          }
        }
      }
      last_invocation_of_version[version] = delivered->invocation;
      highest = std::max(highest, version);
      previous = version;
    }

    // Completeness: every written event is published (poison items as dead letters), nothing
    // else is, and the offset says so.
    std::set<std::int64_t> due = written;
    if (dead_letters_due() && poisoned_.contains(stream_id)) {
      due.insert(poisoned_.at(stream_id).begin(), poisoned_.at(stream_id).end());
    }
    std::set<std::int64_t> published_set;
    for (const auto& [version, invocation] : last_invocation_of_version) {
      published_set.insert(version);
      if (!due.contains(version)) {
        violations.push_back(name + ": version " + std::to_string(version) +
                             " published but never written as a valid event");
      }
    }
    if (may_be_incomplete.contains(stream_id)) {
      continue;
    }
    for (const std::int64_t version : due) {
      if (!published_set.contains(version)) {
        violations.push_back(name + ": version " + std::to_string(version) +
                             " was written but never published");
      }
    }
    if (!due.empty()) {
      const auto offset = table_.offset(aggregate_id_of(stream_id));
      if (offset != *due.rbegin()) {
        violations.push_back(name + ": committed offset is " +
                             (offset.has_value() ? std::to_string(*offset) : "absent") +
                             ", not the last written version " + std::to_string(*due.rbegin()));
      }
    }
    // A stream with everything dispatched is held nowhere: a stored hold that no longer applies
    // was removed by the commit that went past it.
    if (const std::string reason = stored_hold_reason(stream_id); !reason.empty()) {
      violations.push_back(name + ": is complete but its offsets item still stores a " + reason +
                           " hold");
    }
  }
  return violations;
}

}  // namespace dispatcher::fakes
