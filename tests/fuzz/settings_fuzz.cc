// Settings from the environment (core::config::parse_settings): the Lambda's configuration, which
// anyone deploying it writes.
//
// Input: lines NAME=VALUE, the environment; a line starting with '!' names a sensitive variable
// (one whose value came from a secret), as the reference resolver marks them.
//
// Invariants beyond not crashing:
//  - accepted settings have every required setting, as given (trimmed), and a KAFKA_TOPIC_OUTPUT
//    the message mapper accepts (the mapper throws on one it does not: a start-up crash);
//  - dead-letter policy comes with a dead-letter topic;
//  - a refusal is permanent "InvalidConfiguration", starts with the name of a variable, and never
//    contains the value of a sensitive variable or of KAFKA_SSL_KEY_PASSWORD (values with a
//    parenthesis left out: "(secret value not shown)" and the text around it can form them).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/config/settings.h"
#include "core/dispatch/message_mapper.h"
#include "core/encoding/ascii.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_text.h"

namespace {

using dispatcher::core::config::Environment;
using dispatcher::core::config::SensitiveNames;

std::string trimmed(std::string_view text) {
  return std::string(dispatcher::core::encoding::trim_ascii(text));
}

/// A refusal may name a setting that is not set: one required, or one another setting needs
/// (KAFKA_SECURITY_PROTOCOL when KAFKA_SSL_* is given, a certificate without its key).
bool starts_with_variable_name(std::string_view message, const Environment& environment) {
  static constexpr std::array<std::string_view, 8> kNamedWhenUnset = {
      "KAFKA_BOOTSTRAP_SERVERS",
      "KAFKA_TOPIC_OUTPUT",
      "EVENTS_TABLE_NAME",
      "OFFSETS_TABLE_NAME",
      "DISPATCHER_DEAD_LETTER_TOPIC",
      "KAFKA_SECURITY_PROTOCOL",
      "KAFKA_SSL_CERTIFICATE_LOCATION",
      "KAFKA_SSL_KEY_LOCATION"};
  const auto end = message.find(' ');
  const std::string_view name = message.substr(0, end);
  return environment.contains(name) ||
         std::ranges::find(kNamedWhenUnset, name) != kNamedWhenUnset.end();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = dispatcher::fuzz::as_text(data, size);
  Environment environment;
  SensitiveNames sensitive;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const bool is_sensitive = line.starts_with('!');
    if (is_sensitive) {
      line.remove_prefix(1);
    }
    const auto equals = line.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      continue;
    }
    const std::string name(line.substr(0, equals));
    environment.insert_or_assign(name, std::string(line.substr(equals + 1)));
    if (is_sensitive) {
      sensitive.insert(name);
    }
  }

  auto settings = dispatcher::core::config::parse_settings(environment, sensitive);
  if (settings) {
    FUZZ_CHECK(!settings->kafka_bootstrap_servers.empty(), "no bootstrap servers");
    FUZZ_CHECK(settings->events_table_name == trimmed(environment.at("EVENTS_TABLE_NAME")),
               "EVENTS_TABLE_NAME not as given");
    FUZZ_CHECK(settings->offsets_table_name == trimmed(environment.at("OFFSETS_TABLE_NAME")),
               "OFFSETS_TABLE_NAME not as given");
    FUZZ_CHECK(!settings->events_table_name.empty() && !settings->offsets_table_name.empty(),
               "a table name is empty");
    FUZZ_CHECK(settings->poison_policy != dispatcher::core::config::PoisonHandling::kDeadLetter ||
                   !settings->dead_letter_topic.empty(),
               "dead-letter policy without a dead-letter topic");
    try {
      const dispatcher::core::dispatch::MessageMapper mapper(
          {.topic = settings->kafka_topic_output,
           .max_message_bytes = settings->max_message_bytes});
    } catch (const std::exception& error) {
      FUZZ_CHECK(false, error.what());
    }
    return 0;
  }

  const auto& error = settings.error();
  FUZZ_CHECK(error.code == "InvalidConfiguration", error.code);
  FUZZ_CHECK(!error.retryable(), "a configuration error reported as retryable");
  if (sensitive.empty() && !environment.contains("KAFKA_SSL_KEY_PASSWORD")) {
    FUZZ_CHECK(starts_with_variable_name(error.message, environment),
               "a configuration error that names no variable");
  }
  for (const auto& [name, value] : environment) {
    if (name != "KAFKA_SSL_KEY_PASSWORD" && !sensitive.contains(name)) {
      continue;
    }
    const std::string secret = trimmed(value);
    // A value with a parenthesis can equal another text with a short secret hidden in it, the
    // marker "(secret value not shown)" making up part of it, with nothing of the value shown: a
    // text that spans a marker's edge holds its '(' or ')' (one inside a marker is product
    // wording).
    if (!dispatcher::fuzz::distinctive(secret) || secret.find_first_of("()") != std::string::npos ||
        error.message.find(secret) == std::string::npos || name.find(secret) != std::string::npos) {
      continue;
    }
    // The refusal holds the value: fine only where it is the same text as another, not secret,
    // variable's name or value. Looked for only now: over every variable for every secret, it
    // took most of the time of a 7 kB input with a thousand variables (460 executions/s).
    bool elsewhere = false;
    for (const auto& [other_name, other_value] : environment) {
      if (other_name != name &&
          (other_name.find(secret) != std::string::npos ||
           (!sensitive.contains(other_name) && other_name != "KAFKA_SSL_KEY_PASSWORD" &&
            other_value.find(secret) != std::string::npos))) {
        elsewhere = true;
        break;
      }
    }
    FUZZ_CHECK(elsewhere, "a configuration error shows a secret value");
  }
  return 0;
}
