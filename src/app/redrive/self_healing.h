#pragma once

// The function's self-healing payloads: the on-failure queue (SQS) and the scheduled sweep. The
// same binary, the same settings and clients as the stream handler (app/application.h).

#include <memory>
#include <string>
#include <string_view>

#include "adapters/aws/json_client.h"
#include "core/clock.h"
#include "core/config/settings.h"
#include "core/dispatch/ports.h"
#include "core/observability/logger.h"
#include "core/redrive/redrive_report.h"
#include "core/redrive/sweep_request.h"
#include "core/result.h"
#include "core/time_budget.h"

namespace dispatcher::app::operator_tools {
class OperatorContext;
}  // namespace dispatcher::app::operator_tools

namespace dispatcher::app::redrive {

class StreamsRangeReader;

class SelfHealing {
 public:
  /// `store`: the dispatcher's event store (its marker write rings the doorbells); `dynamodb_json`
  /// and `streams_json`: JsonClients for DynamoDB and DynamoDB Streams.
  SelfHealing(const core::config::Settings& settings, std::shared_ptr<const core::Clock> clock,
              core::observability::Logger& logger, core::dispatch::EventStore& store,
              std::shared_ptr<adapters::aws::JsonClient> dynamodb_json,
              std::shared_ptr<adapters::aws::JsonClient> streams_json);
  SelfHealing(const SelfHealing&) = delete;
  SelfHealing& operator=(const SelfHealing&) = delete;
  SelfHealing(SelfHealing&&) = delete;
  SelfHealing& operator=(SelfHealing&&) = delete;
  ~SelfHealing();

  /// An SQS event of on-failure records: each range is read back and its aggregates rung; a range
  /// no longer in the stream is covered by a sweep pass (continued here within the budget) that
  /// began after Lambda gave up. Returns the SQS partial batch response: every message not acted
  /// on completely is listed (it comes back after the visibility timeout; after maxReceiveCount
  /// the queue moves it to the last-resort queue). Error (permanent "InvalidSqsEvent"): the event
  /// itself cannot be read, so no message can be named.
  [[nodiscard]] core::Result<std::string> handle_sqs(std::string_view event_json,
                                                     const core::TimeBudget& budget);

  /// A scheduled sweep payload ({"sweep": {...}}): continues (or starts) the sweep pass from its
  /// token in the offsets table, within the budget. Returns a JSON summary. Error: the payload
  /// (InvalidSweepRequest), the stored state (InvalidSweepState) or a DynamoDB error.
  [[nodiscard]] core::Result<std::string> handle_sweep(std::string_view event_json,
                                                       const core::TimeBudget& budget);

 private:
  struct SweepStep;
  [[nodiscard]] core::Result<SweepStep> sweep_step(const core::redrive::SweepRequest& request,
                                                   const core::TimeBudget& budget,
                                                   core::redrive::RedriveReport& report);
  [[nodiscard]] core::Result<std::optional<core::dynamodb::Item>> load_state(
      core::Deadline deadline);
  /// false: another invocation wrote the state in between (it is sweeping; this one stops).
  [[nodiscard]] core::Result<bool> save_state(core::redrive::SweepState& state,
                                              core::Deadline deadline);
  void emit_metrics(const core::redrive::RedriveReport& report,
                    std::chrono::steady_clock::time_point started);

  const core::config::Settings& settings_;
  std::shared_ptr<const core::Clock> clock_;
  core::observability::Logger& logger_;
  core::dispatch::EventStore& store_;
  std::unique_ptr<operator_tools::OperatorContext> operator_context_;
  std::unique_ptr<StreamsRangeReader> reader_;
};

}  // namespace dispatcher::app::redrive
