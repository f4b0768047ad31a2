#include "app/startup_configuration.h"

#include <utility>
#include <vector>

#include "app/reference_resolver.h"

namespace dispatcher::app {

core::Result<StartupConfiguration> load_startup_configuration(
    const core::config::Environment& environment, std::shared_ptr<const core::Clock> clock,
    core::Deadline deadline) {
  // Every problem at once: a missing region or missing credentials must not hide the settings
  // that are missing too, so the settings are checked even when the AWS side failed (without
  // the ARN-valued ones, whose values could not be read).
  std::vector<core::Error> problems;
  auto aws = AwsContext::create(environment, std::move(clock));
  if (!aws) {
    problems.push_back(std::move(aws.error()));
  } else {
    auto resolved = resolve_references(environment, **aws, deadline);
    if (resolved) {
      auto settings = core::config::parse_settings(resolved->environment, resolved->sensitive);
      if (!settings) {
        return core::fail(std::move(settings.error()));
      }
      return StartupConfiguration{.aws = std::move(*aws), .settings = std::move(*settings)};
    }
    problems.push_back(std::move(resolved.error()));
  }
  auto settings = core::config::parse_settings(environment, {},
                                               core::config::reference_valued_names(environment));
  if (!settings) {
    problems.push_back(std::move(settings.error()));
  }
  return core::fail(combined_startup_error(std::move(problems)));
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
      .cloud_events = settings.kafka_cloudevents_headers
                          ? std::optional<core::dispatch::CloudEventsOptions>(
                                core::dispatch::CloudEventsOptions{
                                    .source = settings.kafka_cloudevents_source,
                                    .content_type = settings.kafka_cloudevents_content_type})
                          : std::nullopt,
  };
}

}  // namespace dispatcher::app
