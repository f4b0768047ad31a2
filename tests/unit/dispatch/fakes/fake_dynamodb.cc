#include "fakes/fake_dynamodb.h"

#include <stdexcept>

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

std::optional<std::int64_t> FakeDynamoDb::offset(const dispatch::AggregateId& aggregate_id) const {
  const auto found = offsets_.find(aggregate_id);
  if (found == offsets_.end()) {
    return std::nullopt;
  }
  return found->second;
}

bool FakeDynamoDb::commit_offset(const dispatch::AggregateId& aggregate_id, std::int64_t version) {
  auto [slot, inserted] = offsets_.try_emplace(aggregate_id, version);
  if (inserted) {
    return true;
  }
  if (slot->second < version) {
    slot->second = version;
    return true;
  }
  return false;
}

}  // namespace dispatcher::fakes
