#include "fakes/fake_dynamodb.h"

#include <stdexcept>

#include "core/dispatch/offset_item.h"

namespace dispatcher::fakes {

std::uint64_t stable_hash(std::string_view text) noexcept {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char character : text) {
    hash ^= static_cast<unsigned char>(character);
    hash *= 1099511628211ULL;
  }
  return hash;
}

FakeDynamoDb::FakeDynamoDb(std::size_t shard_count, std::uint64_t seed)
    : shards_(shard_count == 0 ? 1 : shard_count), random_(seed) {}

std::string FakeDynamoDb::next_sequence_number() {
  // Increasing, with irregular steps and frequent jumps to the next power of ten ("98" -> "102"),
  // so numbers of different lengths meet in one batch and a planner that compared them as text
  // would pick the wrong newest record. Kept as decimal text: real ones outgrow 64 bits.
  if (std::bernoulli_distribution(0.15)(random_)) {
    sequence_ = "1" + std::string(sequence_.size(), '0');
  }
  unsigned carry = 1 + static_cast<unsigned>(std::uniform_int_distribution<int>(0, 37)(random_));
  for (auto digit = sequence_.rbegin(); digit != sequence_.rend() && carry > 0; ++digit) {
    const unsigned sum = static_cast<unsigned>(*digit - '0') + carry;
    *digit = static_cast<char>('0' + sum % 10);
    carry = sum / 10;
  }
  while (carry > 0) {
    sequence_.insert(sequence_.begin(), static_cast<char>('0' + carry % 10));
    carry /= 10;
  }
  return sequence_;
}

std::size_t FakeDynamoDb::marker_shard(const dispatch::AggregateId& aggregate_id) const {
  return stable_hash(aggregate_id) % shards_.size();
}

bool FakeDynamoDb::put_item(dynamodb::Item item) {
  const std::string* id = dynamodb::string_attribute(item, "id");
  const std::optional<std::int64_t> version = dynamodb::integer_attribute(item, "version");
  if (id == nullptr || !version.has_value()) {
    throw std::invalid_argument("FakeDynamoDb::put_item: an item needs id S and version N");
  }
  const dispatch::AggregateId aggregate_id = *id;
  auto [slot, inserted] = events_.try_emplace({aggregate_id, *version}, item);
  if (!inserted) {
    if (slot->second == item) {
      return false;  // unchanged: DynamoDB Streams writes nothing
    }
    slot->second = std::move(item);
  }
  const std::size_t shard =
      *version == dispatch::kMarkerVersion
          ? marker_shard(aggregate_id)
          : std::uniform_int_distribution<std::size_t>(0, shards_.size() - 1)(random_);
  shards_[shard].push_back(StoredStreamRecord{.sequence_number = next_sequence_number(),
                                              .event_name = inserted ? "INSERT" : "MODIFY",
                                              .aggregate_id = aggregate_id,
                                              .version = *version});
  ++stream_records_;
  return true;
}

dispatch::EventPage FakeDynamoDb::query(const dispatch::AggregateId& aggregate_id,
                                        std::int64_t after_version, std::size_t limit) const {
  dispatch::EventPage page;
  for (auto entry = events_.upper_bound({aggregate_id, after_version});
       entry != events_.end() && entry->first.first == aggregate_id; ++entry) {
    if (page.items.size() == limit) {
      page.more_available = true;
      break;
    }
    page.items.push_back(entry->second);
  }
  return page;
}

const dynamodb::Item* FakeDynamoDb::find(const dispatch::AggregateId& aggregate_id,
                                         std::int64_t version) const {
  const auto found = events_.find({aggregate_id, version});
  return found == events_.end() ? nullptr : &found->second;
}

dispatch::EventPage FakeDynamoDb::query_page(const dispatch::AggregateId& aggregate_id,
                                             std::int64_t after_version, std::size_t limit,
                                             std::size_t page_bytes) const {
  dispatch::EventPage page;
  auto entry = events_.upper_bound({aggregate_id, after_version});
  for (; entry != events_.end() && entry->first.first == aggregate_id; ++entry) {
    if (page.items.size() == limit || (page_bytes > 0 && page.bytes >= page_bytes)) {
      break;
    }
    page.bytes += dynamodb::approximate_size(entry->second);
    page.items.push_back(entry->second);
  }
  page.more_available = entry != events_.end() && entry->first.first == aggregate_id;
  return page;
}

namespace {

namespace attribute = dispatch::offset_attribute;

void remove_hold(dynamodb::Item& item) {
  for (const std::string_view name : {attribute::kHoldVersion, attribute::kHoldReason,
                                      attribute::kHoldDetail, attribute::kHeldSince}) {
    if (const auto found = item.find(name); found != item.end()) {
      item.erase(found);
    }
  }
}

void set(dynamodb::Item& item, std::string_view name, dynamodb::AttributeValue value) {
  item.insert_or_assign(std::string(name), std::move(value));
}

}  // namespace

const dynamodb::Item* FakeDynamoDb::offset_item(const dispatch::AggregateId& aggregate_id) const {
  const auto found = offsets_.find(aggregate_id);
  return found == offsets_.end() ? nullptr : &found->second;
}

core::Result<dispatch::OffsetState> FakeDynamoDb::read_offset(
    const dispatch::AggregateId& aggregate_id) const {
  const dynamodb::Item* item = offset_item(aggregate_id);
  if (item == nullptr) {
    return dispatch::OffsetState{};
  }
  auto state = dispatch::parse_offset_item(*item);
  if (!state) {
    core::Error error = std::move(state.error());
    error.service = "dynamodb";
    return core::fail(std::move(error));
  }
  return state;
}

std::optional<std::int64_t> FakeDynamoDb::offset(const dispatch::AggregateId& aggregate_id) const {
  const auto state = read_offset(aggregate_id);
  return state ? state->version : std::nullopt;
}

std::optional<dispatch::StoredHold> FakeDynamoDb::stored_hold(
    const dispatch::AggregateId& aggregate_id) const {
  const auto state = read_offset(aggregate_id);
  return state ? state->hold : std::nullopt;
}

void FakeDynamoDb::put_offset_item(const dispatch::AggregateId& aggregate_id, dynamodb::Item item) {
  set(item, "id", dynamodb::string_value(aggregate_id));
  offsets_.insert_or_assign(aggregate_id, std::move(item));
}

bool FakeDynamoDb::commit_offset(const dispatch::AggregateId& aggregate_id, std::int64_t version) {
  dynamodb::Item& item = offsets_[aggregate_id];
  set(item, "id", dynamodb::string_value(aggregate_id));
  const auto stored = dynamodb::integer_attribute(item, attribute::kVersion);
  if (dynamodb::attribute(item, attribute::kVersion) != nullptr &&
      (!stored.has_value() || *stored >= version)) {
    return false;
  }
  set(item, attribute::kVersion, dynamodb::integer_value(version));
  return true;
}

dispatch::CommitOutcome FakeDynamoDb::apply_commit(const dispatch::OffsetCommit& commit,
                                                   std::int64_t now_milliseconds) {
  const auto existing = offsets_.find(commit.aggregate_id);
  const dynamodb::Item empty;
  const dynamodb::Item& before = existing == offsets_.end() ? empty : existing->second;
  const dynamodb::AttributeValue* version = dynamodb::attribute(before, attribute::kVersion);
  // integer_attribute is nullopt for a version that is not a number: such a version compares
  // with no number, as in DynamoDB, where `version < :v` is false across types.
  const std::optional<std::int64_t> stored =
      dynamodb::integer_attribute(before, attribute::kVersion);
  const bool is_number = version != nullptr && dynamodb::type_name(*version) == "N";
  bool condition = false;
  if (commit.version.has_value()) {
    condition = version == nullptr || (stored.has_value() && *stored < *commit.version);
  } else if (commit.read_offset.has_value()) {
    condition = stored.has_value() && *stored == *commit.read_offset;
  } else if (commit.offset_unreadable) {
    condition = version != nullptr && !is_number;
  } else {
    condition = version == nullptr;
  }
  if (!condition) {
    return dispatch::CommitOutcome::kLostRace;
  }
  dynamodb::Item after = before;
  set(after, "id", dynamodb::string_value(commit.aggregate_id));
  if (commit.version.has_value()) {
    set(after, attribute::kVersion, dynamodb::integer_value(*commit.version));
    set(after, attribute::kDispatchedAt, dynamodb::integer_value(now_milliseconds));
  }
  if (commit.hold.has_value()) {
    const dispatch::Hold& hold = commit.hold->hold;
    // An unreadable item's stored hold cannot be compared, so its start is kept (if_not_exists).
    const bool keep_since =
        commit.offset_unreadable && dynamodb::attribute(before, attribute::kHeldSince) != nullptr;
    set(after, attribute::kHoldVersion, dynamodb::integer_value(hold.version));
    set(after, attribute::kHoldReason,
        dynamodb::string_value(dispatch::hold_reason_name(hold.reason)));
    set(after, attribute::kHoldDetail, dynamodb::string_value(hold.detail));
    if (!keep_since) {
      set(after, attribute::kHeldSince, dynamodb::integer_value(commit.hold->since_milliseconds));
    }
  } else {
    remove_hold(after);
  }
  if (after != before) {
    ++offset_writes_;
  }
  offsets_.insert_or_assign(commit.aggregate_id, std::move(after));
  return dispatch::CommitOutcome::kWritten;
}

}  // namespace dispatcher::fakes
