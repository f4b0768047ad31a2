#include "app/startup_configuration.h"

#include <utility>

#include "app/reference_resolver.h"

namespace dispatcher::app {

core::Result<StartupConfiguration> load_startup_configuration(
    core::config::Environment environment, std::shared_ptr<const core::Clock> clock,
    core::Deadline deadline) {
  auto aws = AwsContext::create(environment, std::move(clock));
  if (!aws) {
    return core::fail(std::move(aws.error()));
  }
  auto resolved = resolve_references(std::move(environment), **aws, deadline);
  if (!resolved) {
    return core::fail(std::move(resolved.error()));
  }
  auto settings = core::config::parse_settings(resolved->environment, resolved->sensitive);
  if (!settings) {
    return core::fail(std::move(settings.error()));
  }
  return StartupConfiguration{.aws = std::move(*aws), .settings = std::move(*settings)};
}

core::dispatch::DispatcherOptions dispatcher_options(const core::config::Settings& settings) {
  return core::dispatch::DispatcherOptions{
      .topic = settings.kafka_topic_output,
      .first_event_version = settings.first_event_version,
      .max_events_per_aggregate = settings.max_events_per_aggregate,
      .max_message_bytes = settings.max_message_bytes,
      .deadline_safety_margin = settings.deadline_margin,
      .max_read_bytes = settings.max_read_bytes,
      .poison_policy = settings.poison_policy == core::config::PoisonHandling::kDeadLetter
                           ? core::dispatch::PoisonPolicy::kDeadLetter
                           : core::dispatch::PoisonPolicy::kHold,
      .dead_letter_topic = settings.dead_letter_topic,
      .source_table = settings.events_table_name,
  };
}

}  // namespace dispatcher::app
