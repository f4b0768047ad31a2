#include "fakes/fake_kafka.h"

#include <algorithm>

#include "fakes/fake_dynamodb.h"

namespace dispatcher::fakes {

void FakeKafka::append(const dispatch::OutgoingMessage& message, std::uint64_t invocation) {
  log_.push_back(DeliveredMessage{
      .message = message, .partition = partition_for(message.key), .invocation = invocation});
}

std::size_t FakeKafka::partition_for(std::string_view key) const {
  return stable_hash(key) % partition_count_;
}

std::vector<dispatch::PublishOutcome> FakePublisher::publish(
    std::span<const dispatch::PublishRun> runs, core::Deadline deadline) {
  if (before_call) {
    before_call();
  }
  const bool timed_out = spend_latency(clock_, faults_, PortCall::kPublish, deadline, recorded_);
  ++calls_;
  const CrashPoint crash = faults_.crash_point(PortCall::kPublish);
  if (crash != CrashPoint::kNone) {
    // Whatever the producer had flushed when the process died is in the log, per run a prefix
    // (the idempotent producer keeps each partition in order).
    for (const dispatch::PublishRun& run : runs) {
      const std::size_t appended = crash == CrashPoint::kBefore ? 0
                                   : crash == CrashPoint::kAfter
                                       ? run.messages.size()
                                       : faults_.pick(run.messages.size() + 1);
      for (std::size_t index = 0; index < appended; ++index) {
        kafka_.append(run.messages[index], invocation_);
      }
    }
    throw SimulatedCrash();
  }

  std::vector<dispatch::PublishOutcome> outcomes;
  outcomes.reserve(runs.size());
  if (timed_out) {
    // The flush ran out of time: per run a confirmed prefix, and maybe more in the log whose
    // delivery reports did not arrive in time.
    for (const dispatch::PublishRun& run : runs) {
      const std::size_t size = run.messages.size();
      // A scripted entry fault of the run says how far the confirmations got; else at random.
      const Faults::Decision decision =
          size == 0 ? Faults::Decision{}
                    : faults_.entry_fault(PortCall::kPublish, run.messages.front().key, size);
      const std::size_t confirmed = decision.fault != EntryFault::kNone
                                        ? std::min(decision.publish_index, size)
                                        : faults_.pick(size + 1);
      const std::size_t appended = confirmed + faults_.pick(size - confirmed + 1);
      for (std::size_t index = 0; index < appended; ++index) {
        kafka_.append(run.messages[index], invocation_);
      }
      dispatch::PublishOutcome outcome{.delivered = confirmed, .error = std::nullopt};
      if (confirmed < size) {
        core::Error error = core::retryable_error(
            "_MSG_TIMED_OUT", "the flush deadline passed before the delivery report");
        error.service = "kafka";
        outcome.error = std::move(error);
      }
      outcomes.push_back(std::move(outcome));
    }
    return outcomes;
  }
  for (const dispatch::PublishRun& run : runs) {
    const std::size_t size = run.messages.size();
    const Faults::Decision decision =
        size == 0 ? Faults::Decision{}
                  : faults_.entry_fault(PortCall::kPublish, run.messages.front().key, size);
    std::size_t appended = size;
    dispatch::PublishOutcome outcome{.delivered = size, .error = std::nullopt};
    const std::size_t failed_index = std::min(decision.publish_index, size == 0 ? 0 : size - 1);
    switch (decision.fault) {
      case EntryFault::kNone:
        break;
      case EntryFault::kTransient:
        appended = failed_index;
        outcome = {.delivered = failed_index,
                   .error = core::retryable_error("_TRANSPORT", "injected: broker unavailable")};
        break;
      case EntryFault::kDoneButFailed:
        // The broker appended the failed message and maybe later ones, but no delivery report
        // arrived before the deadline.
        appended = failed_index + 1 + faults_.pick(size - failed_index);
        outcome = {.delivered = failed_index,
                   .error = core::retryable_error("_MSG_TIMED_OUT", "injected: no report in time")};
        break;
      case EntryFault::kPermanent:
        appended = failed_index;
        outcome = {.delivered = failed_index,
                   .error = core::permanent_error("MSG_SIZE_TOO_LARGE",
                                                  "injected: the broker refuses the message")};
        break;
    }
    if (outcome.error.has_value()) {
      outcome.error->service = "kafka";
      if (decision.error.has_value()) {
        outcome.error = decision.error;
      }
    }
    for (std::size_t index = 0; index < appended; ++index) {
      kafka_.append(run.messages[index], invocation_);
    }
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

}  // namespace dispatcher::fakes
