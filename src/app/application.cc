#include "app/application.h"

#include <chrono>
#include <utility>

#include "adapters/aws/credentials.h"
#include "adapters/aws/json_client.h"
#include "adapters/dynamodb/dynamodb_client.h"
#include "adapters/event_store/dynamodb_event_store.h"
#include "adapters/http/client.h"
#include "adapters/kafka/kafka_publisher.h"
#include "app/aws_environment.h"
#include "app/kafka_security.h"
#include "app/redrive/self_healing.h"
#include "app/startup_configuration.h"
#include "core/aws/endpoints.h"
#include "core/dispatch/stream_event_parser.h"
#include "core/observability/metrics.h"
#include "core/observability/report_log.h"
#include "core/redrive/invocation_kind.h"
#include "core/retry/retry_policy.h"

namespace dispatcher::app {

/// Everything the application owns, in construction order (destroyed in reverse).
class Components {
 public:
  core::config::Settings settings;
  std::shared_ptr<const core::Clock> clock;
  std::unique_ptr<AwsContext> aws;
  std::shared_ptr<adapters::dynamodb::DynamoDbClient> dynamodb;
  std::unique_ptr<adapters::event_store::DynamoDbEventStore> event_store;
  std::unique_ptr<adapters::kafka::KafkaPublisher> publisher;
  std::unique_ptr<core::dispatch::Dispatcher> dispatcher;
  /// The on-failure queue and scheduled sweep payloads (app/redrive).
  std::unique_ptr<redrive::SelfHealing> self_healing;
};

namespace {

core::Error startup_error(core::Error error, std::string_view context) {
  error.message = std::string(context) + ": " + error.message;
  return error;
}

/// One CloudWatch EMF document per invocation, on the log stream (Logger::write_raw), so
/// CloudWatch Logs extracts the metrics without an API call from the function.
void emit_metrics(core::observability::Logger& logger, const core::config::Settings& settings,
                  const core::dispatch::DispatchReport& report,
                  std::chrono::nanoseconds invocation_duration,
                  std::chrono::system_clock::time_point now) {
  const auto document = core::observability::invocation_metrics(
      report, core::observability::MetricsContext{
                  .metrics_namespace = settings.metrics_namespace,
                  .service = settings.service_name,
                  .function_name = logger.function().name,
                  .request_id = logger.request_id(),
                  .timestamp = now,
                  .invocation_duration = invocation_duration,
              });
  logger.write_raw(core::observability::to_emf_line(document));
}

}  // namespace

Application::Application(std::unique_ptr<Components> components,
                         core::observability::Logger& logger)
    : components_(std::move(components)), logger_(logger) {}

Application::~Application() = default;

const core::config::Settings& Application::settings() const noexcept {
  return components_->settings;
}

const AwsContext& Application::aws() const noexcept { return *components_->aws; }

const std::shared_ptr<adapters::dynamodb::DynamoDbClient>& Application::dynamodb() const noexcept {
  return components_->dynamodb;
}

core::Result<std::unique_ptr<Application>> Application::create(
    const core::config::Environment& environment, core::observability::Logger& logger) {
  auto components = std::make_unique<Components>();
  components->clock = std::make_shared<core::SystemClock>();
  const core::Deadline startup_deadline = components->clock->now() + std::chrono::seconds(20);

  auto configuration = load_startup_configuration(environment, components->clock, startup_deadline);
  if (!configuration) {
    return core::fail(std::move(configuration.error()));
  }
  components->aws = std::move(configuration->aws);
  components->settings = std::move(configuration->settings);
  logger.set_level(components->settings.log_level);

  auto dynamodb_json = components->aws->json_client(adapters::aws::kDynamoDbService, "dynamodb");
  if (!dynamodb_json) {
    return core::fail(std::move(dynamodb_json.error()));
  }
  components->dynamodb = std::make_shared<adapters::dynamodb::DynamoDbClient>(*dynamodb_json);
  components->event_store = std::make_unique<adapters::event_store::DynamoDbEventStore>(
      components->dynamodb,
      adapters::event_store::EventStoreTables{
          .events_table = components->settings.events_table_name,
          .offsets_table = components->settings.offsets_table_name},
      components->clock);

  auto producer_settings =
      kafka_producer_settings(components->settings, *components->aws, startup_deadline);
  if (!producer_settings) {
    return core::fail(std::move(producer_settings.error()));
  }
  auto publisher = adapters::kafka::KafkaPublisher::create(
      std::move(*producer_settings), [&logger](const adapters::kafka::KafkaLogLine& line) {
        // librdkafka calls this from its own threads; the sink only formats and writes one line.
        const nlohmann::json fields = {{"facility", line.facility}, {"syslog_level", line.level}};
        if (line.level <= 3) {
          logger.error(line.message, fields);
        } else if (line.level <= 5) {
          logger.warn(line.message, fields);
        } else {
          logger.debug(line.message, fields);
        }
      });
  if (!publisher) {
    return core::fail(startup_error(std::move(publisher.error()), "Kafka producer"));
  }
  components->publisher = std::move(*publisher);
  components->dispatcher = std::make_unique<core::dispatch::Dispatcher>(
      *components->event_store, *components->publisher, *components->clock,
      dispatcher_options(components->settings));

  auto streams_json =
      components->aws->json_client(adapters::aws::kDynamoDbStreamsService, "streams.dynamodb");
  if (!streams_json) {
    return core::fail(std::move(streams_json.error()));
  }
  components->self_healing = std::make_unique<redrive::SelfHealing>(
      components->settings, components->clock, logger, *components->event_store,
      std::move(*dynamodb_json), std::move(*streams_json));

  logger.info("dispatcher ready",
              {{"events_table", components->settings.events_table_name},
               {"offsets_table", components->settings.offsets_table_name},
               {"topic", components->settings.kafka_topic_output},
               {"kafka_client_id", components->settings.kafka_client_id},
               {"sasl_mechanism", core::config::to_string(components->settings.sasl_mechanism)},
               {"region", components->aws->region()}});
  return std::unique_ptr<Application>(
      new Application(std::move(components),
                      logger));  // NOLINT(cppcoreguidelines-owning-memory): private constructor
}

core::Result<std::string> Application::handle(std::string_view event_json,
                                              core::Deadline deadline) {
  return handle(event_json, core::TimeBudget(deadline, components_->settings.deadline_margin));
}

core::Result<std::string> Application::handle(std::string_view event_json,
                                              core::TimeBudget budget) {
  // One function, three payloads: the stream, the on-failure queue, the scheduled sweep.
  switch (core::redrive::detect_invocation_kind(event_json)) {
    case core::redrive::InvocationKind::kSqs:
      return components_->self_healing->handle_sqs(event_json, budget);
    case core::redrive::InvocationKind::kSweep:
      return components_->self_healing->handle_sweep(event_json, budget);
    case core::redrive::InvocationKind::kDynamoDbStream:
      break;
  }
  const core::Clock& clock = *components_->clock;
  const auto started = clock.now();
  auto batch = core::dispatch::parse_stream_event(event_json);
  if (!batch) {
    logger_.error("invalid stream event; the whole batch fails",
                  {{"error", batch.error().describe()}});
    // Still one metrics document: every invocation counts, and its duration is real.
    emit_metrics(logger_, components_->settings, core::dispatch::DispatchReport{},
                 clock.now() - started, clock.wall_now());
    return core::fail(std::move(batch.error()));
  }
  const auto report = components_->dispatcher->handle(*batch, budget);
  const auto duration = clock.now() - started;
  core::observability::log_dispatch_report(logger_, report, duration);
  emit_metrics(logger_, components_->settings, report, duration, clock.wall_now());
  if (report.invocation_error.has_value()) {
    // The deployment is wrong (table, role, credentials, topic): every aggregate would fail the
    // same way, so the invocation fails loudly instead of reporting a partial batch.
    logger_.error("the deployment cannot dispatch; the invocation fails",
                  {{"error", report.invocation_error->describe()}});
    return core::fail(*report.invocation_error);
  }
  return report.response.to_json();
}

core::Deadline deadline_from_wall_clock(std::chrono::system_clock::time_point deadline,
                                        const core::Clock& clock) {
  const auto remaining = deadline - clock.wall_now();
  return clock.now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(remaining);
}

}  // namespace dispatcher::app
