#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/config/settings.h"
#include "core/dispatch/dispatcher.h"
#include "core/observability/logger.h"
#include "core/result.h"
#include "core/time_budget.h"

namespace dispatcher::adapters::dynamodb {
class DynamoDbClient;
}  // namespace dispatcher::adapters::dynamodb

namespace dispatcher::app {

class AwsContext;
class Components;

/// The dispatcher wired to real services: configuration read and validated, references
/// resolved, AWS clients and the Kafka producer created. Built once per process, before the first
/// invocation, and kept warm across invocations.
class Application {
 public:
  /// Reads `environment`, resolves SSM/Secrets Manager ARN values, reads the SASL secret, and
  /// creates every client. Errors are start-up errors (permanent) naming the setting at fault.
  [[nodiscard]] static core::Result<std::unique_ptr<Application>> create(
      const core::config::Environment& environment, core::observability::Logger& logger);

  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;
  Application(Application&&) = delete;
  Application& operator=(Application&&) = delete;
  ~Application();

  /// Handles one DynamoDB Streams event and returns the partial batch response JSON. Logs one
  /// summary line, one line per held or failed aggregate and per dead-lettered event, and writes
  /// exactly one CloudWatch EMF metrics document (also when the event cannot be read). Error
  /// (permanent "InvalidStreamEvent"): the event cannot be read at all, so the whole batch is
  /// failed. Any error about the whole deployment (Dispatcher's invocation_error) is returned
  /// too, after the other aggregates' work is done. All work ends by `deadline` minus
  /// DISPATCHER_DEADLINE_MARGIN_MS.
  [[nodiscard]] core::Result<std::string> handle(std::string_view event_json,
                                                 core::Deadline deadline);

  /// As above within an explicit budget (the standalone runner's, bounded by its lease).
  [[nodiscard]] core::Result<std::string> handle(std::string_view event_json,
                                                 core::TimeBudget budget);

  [[nodiscard]] const core::config::Settings& settings() const noexcept;

  /// The process's AWS context and DynamoDB client, for commands that run beside the handler on
  /// the same thread (the standalone runner), so they share its credentials and connections.
  [[nodiscard]] const AwsContext& aws() const noexcept;
  [[nodiscard]] const std::shared_ptr<adapters::dynamodb::DynamoDbClient>& dynamodb()
      const noexcept;

 private:
  Application(std::unique_ptr<Components> components, core::observability::Logger& logger);

  std::unique_ptr<Components> components_;
  core::observability::Logger& logger_;
};

/// The monotonic deadline matching a wall-clock one (Lambda sends wall-clock milliseconds).
[[nodiscard]] core::Deadline deadline_from_wall_clock(
    std::chrono::system_clock::time_point deadline, const core::Clock& clock);

}  // namespace dispatcher::app
