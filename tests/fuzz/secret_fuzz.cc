// The Secrets Manager secret: the GetSecretValue answer (adapters::secrets::SecretsManagerClient
// through the JsonClient as shipped, only the socket replaced) and the SASL secret JSON inside it
// (app::parse_sasl_secret, {"username", "password"} as MSK SCRAM secrets are).
//
// The input is used twice: as the secret's text, and as the whole GetSecretValue answer (an
// optional first line of three digits is its HTTP status).
//
// Invariants beyond not crashing:
//  - a parsed secret has the non-empty username and password the JSON holds, unchanged;
//  - a refused secret is permanent "InvalidSaslSecret" (service "config") naming SASL_SECRET_NAME,
//    and its message quotes none of the secret's strings;
//  - GetSecretValue gives back SecretString exactly; its errors have service "secretsmanager", a
//    code, a message, and never the secret's text.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/secrets/secrets_manager_client.h"
#include "app/kafka_security.h"
#include "fuzz/aws_fixture.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_text.h"

namespace {

using nlohmann::json;

void check_quotes_none(const std::string& message, const json& document, std::string_view why) {
  std::vector<std::string> strings;
  dispatcher::fuzz::collect_strings(document, strings);
  std::vector<std::string> keys;
  dispatcher::fuzz::collect_keys(document, keys);
  for (const std::string& text : strings) {
    if (dispatcher::fuzz::distinctive(text) && !dispatcher::fuzz::inside_any(text, keys)) {
      FUZZ_CHECK(message.find(text) == std::string::npos, why);
    }
  }
}

void fuzz_sasl_secret(std::string_view text) {
  auto credentials = dispatcher::app::parse_sasl_secret(text, "fuzz/secret");
  const json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (credentials) {
    FUZZ_CHECK(document.is_object(), "a secret accepted that is not a JSON object");
    FUZZ_CHECK(!credentials->username.empty() && !credentials->password.empty(),
               "an empty username or password accepted");
    FUZZ_CHECK(document["username"] == credentials->username, "username changed");
    FUZZ_CHECK(document["password"] == credentials->password, "password changed");
    return;
  }
  const auto& error = credentials.error();
  FUZZ_CHECK(error.code == "InvalidSaslSecret" && error.service == "config", error.code);
  FUZZ_CHECK(error.message.find("SASL_SECRET_NAME") != std::string::npos,
             "the error does not name the setting");
  if (!document.is_discarded()) {
    check_quotes_none(error.message, document, "a secret refusal quotes the secret");
  }
}

void fuzz_get_secret_value(std::string_view input) {
  static dispatcher::fuzz::AwsFixture aws(dispatcher::adapters::aws::kSecretsManagerService);
  static dispatcher::adapters::secrets::SecretsManagerClient client(aws.json);
  const auto [status, body_text] = dispatcher::fuzz::status_and_body(input);
  dispatcher::fuzz::answer_with(status, std::string(body_text));
  auto value = client.secret_value("fuzz/secret", aws.deadline());
  const json body = json::parse(body_text, nullptr, /*allow_exceptions=*/false);
  if (!value) {
    const auto& error = value.error();
    FUZZ_CHECK(error.service == "secretsmanager", error.service);
    FUZZ_CHECK(!error.code.empty() && !error.message.empty(), "an error without code or message");
    if (body.is_object() && body.contains("SecretString") && body["SecretString"].is_string()) {
      const auto& secret = body["SecretString"].get_ref<const std::string&>();
      FUZZ_CHECK(
          !dispatcher::fuzz::distinctive(secret) || error.message.find(secret) == std::string::npos,
          "an error quotes the secret");
    }
    return;
  }
  FUZZ_CHECK(status >= 200 && status < 300, "an error answer taken as a secret");
  if (value->secret_string) {
    FUZZ_CHECK(body["SecretString"] == *value->secret_string, "SecretString changed");
  }
  FUZZ_CHECK(value->secret_string || value->secret_binary, "a secret without a value");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = dispatcher::fuzz::as_text(data, size);
  fuzz_sasl_secret(text);
  fuzz_get_secret_value(text);
  return 0;
}
