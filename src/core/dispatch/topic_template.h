#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/dynamodb/attribute_value.h"
#include "core/result.h"

namespace dispatcher::core::dispatch {

/// The topic an event goes to: a fixed name ("orders") or a template over the event's string
/// fields ("events.{streamType}", "{streamType}.{eventType}"). Placeholders: streamType,
/// eventType, streamId. Literal text must be legal in a Kafka topic name ([A-Za-z0-9._-]).
class TopicTemplate {
 public:
  /// Error (permanent "InvalidTopicTemplate", service "config"): empty, an unknown or unclosed
  /// placeholder, a character Kafka does not allow in a topic name, or a fixed name that Kafka
  /// refuses ("." or "..", over 249 characters). The message says which and where.
  [[nodiscard]] static Result<TopicTemplate> parse(std::string_view text);

  /// The topic for `item`. Error (permanent "InvalidTopic"): a placeholder's attribute is missing
  /// or not a string, or the rendered name is not a legal topic name. The message names the
  /// attribute, never its value. Such an event is a poison event.
  [[nodiscard]] Result<std::string> render(const dynamodb::Item& item) const;

  /// True when the template has no placeholder (every event goes to one topic).
  [[nodiscard]] bool is_fixed() const noexcept;

  /// True when the template has the placeholder {`field`}. With {eventType} one aggregate's
  /// events go to several topics, and Kafka keeps their order only within each: Settings refuses
  /// it unless KAFKA_TOPIC_ALLOW_EVENT_TYPE_ROUTING=true.
  [[nodiscard]] bool uses_field(std::string_view field) const noexcept;

  /// The template as written.
  [[nodiscard]] const std::string& text() const noexcept { return text_; }

 private:
  struct Part {
    bool is_field = false;
    std::string text;  ///< literal text, or the attribute name of a placeholder
  };

  TopicTemplate(std::string text, std::vector<Part> parts)
      : text_(std::move(text)), parts_(std::move(parts)) {}

  std::string text_;
  std::vector<Part> parts_;
};

/// True when `name` is a topic name Kafka accepts: 1 to 249 of [A-Za-z0-9._-], not "." or "..".
[[nodiscard]] bool is_legal_topic_name(std::string_view name) noexcept;

}  // namespace dispatcher::core::dispatch
