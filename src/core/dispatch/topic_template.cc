#include "core/dispatch/topic_template.h"

#include <algorithm>
#include <array>

namespace dispatcher::core::dispatch {
namespace {

constexpr std::size_t kMaxTopicLength = 249;
constexpr std::array<std::string_view, 3> kFields = {"streamType", "eventType", "streamId"};

bool is_topic_character(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

Error template_error(std::string message) {
  return permanent_error("InvalidTopicTemplate", std::move(message), "config");
}

}  // namespace

bool is_legal_topic_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= kMaxTopicLength && name != "." && name != ".." &&
         std::ranges::all_of(name, is_topic_character);
}

Result<TopicTemplate> TopicTemplate::parse(std::string_view text) {
  if (text.empty()) {
    return fail(template_error("the topic is empty"));
  }
  std::vector<Part> parts;
  std::size_t position = 0;
  while (position < text.size()) {
    if (text[position] == '{') {
      const auto close = text.find('}', position);
      if (close == std::string_view::npos) {
        return fail(template_error("placeholder at character " + std::to_string(position + 1) +
                                   " is not closed with '}'"));
      }
      const std::string_view field = text.substr(position + 1, close - position - 1);
      if (std::ranges::find(kFields, field) == kFields.end()) {
        return fail(template_error("unknown placeholder {" + std::string(field) +
                                   "}; use {streamType}, {eventType} or {streamId}"));
      }
      parts.push_back(Part{.is_field = true, .text = std::string(field)});
      position = close + 1;
      continue;
    }
    const auto end = std::min(text.find('{', position), text.size());
    const std::string_view literal = text.substr(position, end - position);
    const auto* const bad = std::ranges::find_if_not(literal, is_topic_character);
    if (bad != literal.end()) {
      return fail(template_error(
          "character '" + std::string(1, *bad) + "' at " +
          std::to_string(position + static_cast<std::size_t>(bad - literal.begin()) + 1) +
          " is not allowed in a Kafka topic name (only A-Z a-z 0-9 . _ -)"));
    }
    parts.push_back(Part{.is_field = false, .text = std::string(literal)});
    position = end;
  }
  TopicTemplate result(std::string(text), std::move(parts));
  if (result.is_fixed() && !is_legal_topic_name(text)) {
    return fail(template_error("\"" + std::string(text) +
                               "\" is not a legal Kafka topic name (1 to 249 characters, not "
                               "\".\" or \"..\")"));
  }
  return result;
}

bool TopicTemplate::is_fixed() const noexcept {
  return std::ranges::none_of(parts_, [](const Part& part) { return part.is_field; });
}

bool TopicTemplate::uses_field(std::string_view field) const noexcept {
  return std::ranges::any_of(parts_,
                             [&](const Part& part) { return part.is_field && part.text == field; });
}

Result<std::string> TopicTemplate::render(const dynamodb::Item& item) const {
  std::string topic;
  for (const Part& part : parts_) {
    if (!part.is_field) {
      topic += part.text;
      continue;
    }
    const std::string* value = dynamodb::string_attribute(item, part.text);
    if (value == nullptr) {
      return fail(permanent_error("InvalidTopic", "topic template \"" + text_ + "\" needs " +
                                                      part.text + " as a string attribute"));
    }
    topic += *value;
  }
  if (!is_legal_topic_name(topic)) {
    return fail(permanent_error("InvalidTopic",
                                "topic template \"" + text_ +
                                    "\" gives an illegal Kafka topic name for this event (only "
                                    "A-Z a-z 0-9 . _ -, at most 249 characters)"));
  }
  return topic;
}

}  // namespace dispatcher::core::dispatch
