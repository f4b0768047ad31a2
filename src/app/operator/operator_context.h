#pragma once

// What every operator command needs: the dispatcher's own settings, the DynamoDB client, the event
// store adapter (its marker writes ring doorbells exactly as the dispatcher's do) and the planner
// that decides holds as the dispatcher does.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "adapters/aws/json_client.h"
#include "adapters/dynamodb/dynamodb_client.h"
#include "adapters/event_store/dynamodb_event_store.h"
#include "app/aws_environment.h"
#include "core/clock.h"
#include "core/config/settings.h"
#include "core/dispatch/run_planner.h"
#include "core/operator/aggregate_status.h"
#include "core/operator/sweep_plan.h"
#include "core/result.h"

namespace dispatcher::app::operator_tools {

/// One wave of a parallel Scan: the aggregates it completed and how many items it read.
struct ScanWave {
  std::vector<core::operator_tools::ScannedAggregate> aggregates;
  std::size_t items = 0;
};

class OperatorContext {
 public:
  /// Reads the environment as the dispatcher does (SSM/Secrets Manager ARNs resolved). The commands
  /// never talk to Kafka, so KAFKA_BOOTSTRAP_SERVERS may be left unset (KAFKA_TOPIC_OUTPUT is still
  /// used, when set, to decide whether an event is poison). Errors: the settings' and AWS
  /// context's start-up errors (permanent), naming the variable at fault.
  [[nodiscard]] static core::Result<std::unique_ptr<OperatorContext>> create(
      core::config::Environment environment);

  /// For the function's own sweeps: the context over clients the Application already made (no
  /// second configuration read). `dynamodb_json`: a JsonClient for aws::kDynamoDbService.
  [[nodiscard]] static std::unique_ptr<OperatorContext> attach(
      core::config::Settings settings, std::shared_ptr<const core::Clock> clock,
      std::shared_ptr<adapters::aws::JsonClient> dynamodb_json);

  [[nodiscard]] const core::config::Settings& settings() const noexcept { return settings_; }
  [[nodiscard]] const core::Clock& clock() const noexcept { return *clock_; }
  [[nodiscard]] adapters::dynamodb::DynamoDbClient& dynamodb() noexcept { return *dynamodb_; }
  [[nodiscard]] adapters::event_store::DynamoDbEventStore& event_store() noexcept {
    return *event_store_;
  }
  [[nodiscard]] const core::dispatch::RunPlanner& planner() const noexcept { return *planner_; }
  [[nodiscard]] core::Deadline deadline_in(std::chrono::seconds seconds) const;
  /// The process's AWS context (CA bundle, credentials, region), for the audit's Kafka reader.
  [[nodiscard]] const AwsContext& aws() const noexcept { return *aws_; }
  /// The DynamoDB JSON client, for the audit's own Scans.
  [[nodiscard]] adapters::aws::JsonClient& dynamodb_json() noexcept { return *json_; }

  /// Reads the next page of every unfinished segment of `progress` together (Scan with Segment /
  /// TotalSegments, strongly consistent, keys and the marker's trigger only) and advances it.
  /// `folds` has one ScanFold per segment. `page_size`: items per page (Scan's Limit), to spread
  /// the read capacity a scan uses; nullopt: DynamoDB's 1 MB pages. Error: the first failed page's
  /// DynamoDB error (the progress is left as it was, so the wave can be repeated).
  [[nodiscard]] core::Result<ScanWave> scan_wave(core::operator_tools::ScanProgress& progress,
                                                 std::vector<core::operator_tools::ScanFold>& folds,
                                                 std::optional<std::int64_t> page_size,
                                                 core::Deadline deadline);

  /// The status of each aggregate: offsets items (one consistent BatchGetItem wave, read with the
  /// dispatcher's codec: a stored hold is shown as stored, an unreadable item as held/corrupt),
  /// then, for those behind without a stored hold, a Query of the first events after the offset
  /// (all in flight together), re-planned by the planner (derived holds). A page that cannot be
  /// read for a reason about the aggregate's data is a derived corrupt hold. Error: the first
  /// other DynamoDB error met.
  [[nodiscard]] core::Result<std::vector<core::operator_tools::AggregateStatus>> inspect(
      std::span<const core::operator_tools::ScannedAggregate> aggregates, core::Deadline deadline);

  /// The offsets item of one aggregate, read consistently; nullopt when there is none.
  [[nodiscard]] core::Result<std::optional<core::dynamodb::Item>> offset_item(
      const std::string& aggregate_id, core::Deadline deadline);

  /// One aggregate found by id (no Scan): its head (Query, descending, 1 item) and marker.
  /// nullopt head when it has no event.
  [[nodiscard]] core::Result<core::operator_tools::ScannedAggregate> find_aggregate(
      const std::string& aggregate_id, core::Deadline deadline);

 private:
  OperatorContext() = default;

  core::config::Settings settings_;
  std::shared_ptr<const core::Clock> clock_;
  std::unique_ptr<AwsContext> aws_;
  std::shared_ptr<adapters::aws::JsonClient> json_;
  std::shared_ptr<adapters::dynamodb::DynamoDbClient> dynamodb_;
  std::unique_ptr<adapters::event_store::DynamoDbEventStore> event_store_;
  std::unique_ptr<const core::dispatch::RunPlanner> planner_;
};

}  // namespace dispatcher::app::operator_tools
