// Credential documents: what the container agent (ECS task role, EKS Pod Identity) answers,
// read by core::aws::parse_container_credentials, and its Expiration timestamp
// (core::aws::parse_iso8601). The corpus also holds STS-shaped answers ({"Credentials":
// {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}}), which the product does not
// accept as container credentials and must refuse clearly.
//
// Invariants beyond not crashing:
//  - accepted credentials have the document's non-empty AccessKeyId, SecretAccessKey and Token,
//    unchanged, and an expiration equal to its Expiration read again;
//  - a refusal is permanent "InvalidCredentialsResponse" and never contains the secret access key
//    or the session token;
//  - parse_iso8601 -> format as UTC -> parse_iso8601 gives the same instant.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/aws/container_credentials.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_text.h"

namespace {

using dispatcher::core::aws::parse_container_credentials;
using dispatcher::core::aws::parse_iso8601;
using nlohmann::json;

/// "YYYY-MM-DDTHH:MM:SS.fffffffffZ" for years 0..9999 (what parse_iso8601 reads).
std::string utc_text(std::chrono::system_clock::time_point instant) {
  // In seconds: the clamped extremes' whole days lie outside the nanosecond range.
  const auto whole_seconds = std::chrono::floor<std::chrono::seconds>(instant);
  const auto fraction = std::chrono::nanoseconds(instant - whole_seconds);
  const auto days = std::chrono::floor<std::chrono::days>(whole_seconds);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss time{whole_seconds - days};
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%09lldZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<long long>(time.hours().count()),
                static_cast<long long>(time.minutes().count()),
                static_cast<long long>(time.seconds().count()),
                static_cast<long long>(fraction.count()));
  return text;
}

void check_timestamp_round_trip(std::string_view text) {
  auto instant = parse_iso8601(text);
  if (!instant) {
    FUZZ_CHECK(instant.error().code == "InvalidTimestamp", instant.error().code);
    return;
  }
  const auto date = std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(*instant)};
  if (date.year() < std::chrono::year(0) || date.year() > std::chrono::year(9999)) {
    return;  // an offset moved it out of the four-digit years the text form has
  }
  const std::string again_text = utc_text(*instant);
  auto again = parse_iso8601(again_text);
  FUZZ_CHECK(again.has_value(), "a formatted timestamp does not parse");
  FUZZ_CHECK(*again == *instant, "parse -> format -> parse moved the instant");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = dispatcher::fuzz::as_text(data, size);
  if (size <= 64) {
    check_timestamp_round_trip(text);
  }
  auto credentials = parse_container_credentials(text);
  const json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (credentials) {
    FUZZ_CHECK(document.is_object(), "credentials from a document that is not an object");
    FUZZ_CHECK(document["AccessKeyId"] == credentials->access_key_id, "AccessKeyId changed");
    FUZZ_CHECK(document["SecretAccessKey"] == credentials->secret_access_key,
               "SecretAccessKey changed");
    FUZZ_CHECK(document["Token"] == credentials->session_token, "Token changed");
    FUZZ_CHECK(!credentials->access_key_id.empty() && !credentials->secret_access_key.empty(),
               "empty keys accepted");
    const auto expiration = parse_iso8601(document["Expiration"].get<std::string>());
    FUZZ_CHECK(expiration.has_value() && credentials->expiration == *expiration,
               "expiration is not the document's");
    check_timestamp_round_trip(document["Expiration"].get<std::string>());
    return 0;
  }
  const auto& error = credentials.error();
  FUZZ_CHECK(error.code == "InvalidCredentialsResponse", error.code);
  FUZZ_CHECK(!error.message.empty(), "an error without a message");
  if (document.is_object()) {
    for (const char* secret_field : {"SecretAccessKey", "Token"}) {
      const auto found = document.find(secret_field);
      // Only a secret with a character the product's own wording never has (fuzz_text.h): a
      // Token "tainer credentials r" is inside the message's "container credentials response".
      if (found == document.end() || !found->is_string() ||
          !dispatcher::fuzz::distinctive(found->get_ref<const std::string&>(), 8)) {
        continue;
      }
      // The same text in another field (the agent's own error message, say) may be quoted.
      json others = document;
      others.erase(secret_field);
      std::vector<std::string> other_strings;
      dispatcher::fuzz::collect_strings(others, other_strings);
      if (!dispatcher::fuzz::inside_any(found->get_ref<const std::string&>(), other_strings)) {
        FUZZ_CHECK(error.message.find(found->get_ref<const std::string&>()) == std::string::npos,
                   "a credentials error shows a secret");
      }
    }
  }
  return 0;
}
