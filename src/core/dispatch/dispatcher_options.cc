#include "core/dispatch/dispatcher_options.h"

#include <stdexcept>
#include <string>

#include "core/dispatch/topic_template.h"

namespace dispatcher::core::dispatch {

RunPlanner make_run_planner(const DispatcherOptions& options) {
  if (options.topic.empty()) {
    throw std::invalid_argument("dispatcher: the output topic is empty");
  }
  if (options.first_event_version < 0) {
    throw std::invalid_argument("dispatcher: first_event_version must be >= 0, got " +
                                std::to_string(options.first_event_version));
  }
  if (options.max_events_per_aggregate == 0) {
    throw std::invalid_argument("dispatcher: max_events_per_aggregate must be >= 1");
  }
  if (options.max_message_bytes == 0) {
    throw std::invalid_argument("dispatcher: max_message_bytes must be >= 1");
  }
  if (options.max_read_bytes == 0) {
    throw std::invalid_argument("dispatcher: max_read_bytes must be >= 1");
  }
  if (options.deadline_safety_margin.count() < 0) {
    throw std::invalid_argument("dispatcher: deadline_safety_margin must not be negative");
  }
  if (options.poison_policy == PoisonPolicy::kDeadLetter &&
      !is_legal_topic_name(options.dead_letter_topic)) {
    throw std::invalid_argument(
        "dispatcher: the dead-letter policy needs a legal dead-letter topic, got \"" +
        options.dead_letter_topic + "\"");
  }
  // MessageMapper throws std::invalid_argument for a topic template that does not parse.
  return RunPlanner(
      MessageMapper(MessageMapperOptions{.topic = options.topic,
                                         .max_message_bytes = options.max_message_bytes,
                                         .cloud_events = options.cloud_events}),
      options.poison_policy, options.first_event_version,
      DeadLetterOptions{.topic = options.dead_letter_topic,
                        .source_table = options.source_table,
                        .max_message_bytes = options.max_message_bytes});
}

}  // namespace dispatcher::core::dispatch
