#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "core/dispatch/ports.h"
#include "fakes/fake_clock.h"
#include "fakes/faults.h"

namespace dispatcher::fakes {

namespace dispatch = core::dispatch;
namespace dynamodb = core::dynamodb;

struct DeliveredMessage {
  dispatch::OutgoingMessage message;
  std::size_t partition = 0;
  std::uint64_t invocation = 0;  ///< which handler invocation published it
};

/// A topic's log: messages appended per partition (chosen by key hash, as the default
/// partitioner does), plus the global append order for checks.
class FakeKafka {
 public:
  explicit FakeKafka(std::size_t partition_count) : partition_count_(partition_count) {}

  void append(const dispatch::OutgoingMessage& message, std::uint64_t invocation);
  [[nodiscard]] std::size_t partition_for(std::string_view key) const;
  /// Every message in the order it was appended.
  [[nodiscard]] const std::vector<DeliveredMessage>& log() const noexcept { return log_; }

 private:
  std::size_t partition_count_;
  std::vector<DeliveredMessage> log_;
};

/// The Publisher port over FakeKafka: an idempotent producer whose runs can fail at any message,
/// time out after the broker appended, be refused for good, or die mid-flush. It honours its
/// deadline: a flush whose latency would pass it returns at the deadline with the prefix confirmed
/// so far (maybe more in the log) and _MSG_TIMED_OUT for the rest.
class FakePublisher final : public dispatch::Publisher {
 public:
  FakePublisher(FakeKafka& kafka, Faults& faults, FakeClock& clock)
      : kafka_(kafka), faults_(faults), clock_(clock) {}

  std::vector<dispatch::PublishOutcome> publish(std::span<const dispatch::PublishRun> runs,
                                                core::Deadline deadline) override;

  void set_invocation(std::uint64_t invocation) noexcept { invocation_ = invocation; }
  [[nodiscard]] std::size_t calls() const noexcept { return calls_; }
  /// Every call with its deadline, in order.
  [[nodiscard]] const std::vector<RecordedCall>& recorded_calls() const noexcept {
    return recorded_;
  }

  /// Runs before every publish call: the simulation's concurrent writers act here.
  std::function<void()> before_call;

 private:
  FakeKafka& kafka_;
  Faults& faults_;
  FakeClock& clock_;
  std::uint64_t invocation_ = 0;
  std::size_t calls_ = 0;
  std::vector<RecordedCall> recorded_;
};

}  // namespace dispatcher::fakes
