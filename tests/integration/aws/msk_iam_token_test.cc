// MSK IAM tokens byte for byte against the official signer (aws-msk-iam-sasl-signer-python):
// the committed golden file (tests/unit/aws/msk_iam_token_golden.json) and, live, the output of
// tests/unit/aws/msk_iam_token_golden.py run with $STACK_PYTHON, so a change of either side shows.

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "adapters/aws/signer.h"
#include "core/aws/msk_iam_token.h"

namespace dispatcher::adapters::aws {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

// Signs as the product does (adapters::aws::presign_url + core::aws::msk_iam_token).
core::aws::MskIamToken token_for(const nlohmann::json& golden) {
  const Credentials credentials{
      .access_key_id = golden.at("access_key_id").get<std::string>(),
      .secret_access_key = golden.at("secret_access_key").get<std::string>(),
      .session_token = golden.at("session_token").get<std::string>()};
  const std::string region = golden.at("region").get<std::string>();
  const system_clock::time_point signing_time{
      milliseconds(golden.at("signing_time_ms").get<std::int64_t>())};
  const std::string presigned = presign_url(
      "GET", core::aws::msk_iam_connect_url(region), credentials,
      SigningScope{.region = region, .service = std::string(core::aws::kMskIamSigningService)},
      signing_time, core::aws::kMskIamTokenLifetime);
  return core::aws::msk_iam_token(presigned, golden.at("user_agent").get<std::string>(),
                                  signing_time);
}

void expect_identical_tokens(const nlohmann::json& document) {
  const auto& cases = document.at("cases");
  ASSERT_EQ(cases.size(), 2U);
  for (const auto& golden : cases) {
    SCOPED_TRACE(golden.at("name").get<std::string>());
    const core::aws::MskIamToken token = token_for(golden);
    EXPECT_EQ(token.value, golden.at("token").get<std::string>());
    EXPECT_EQ(std::chrono::duration_cast<milliseconds>(token.expiry.time_since_epoch()).count(),
              golden.at("expiry_ms").get<std::int64_t>());
  }
}

TEST(MskIamTokenSigner, IdenticalToTheCommittedOfficialSignerTokens) {
  std::ifstream file(MSK_IAM_TOKEN_GOLDEN_FILE);
  std::stringstream text;
  text << file.rdbuf();
  expect_identical_tokens(nlohmann::json::parse(text.str()));
}

TEST(MskIamTokenSigner, IdenticalToTheOfficialSignerRunNow) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  const char* python = std::getenv("STACK_PYTHON");
  ASSERT_TRUE(python != nullptr && *python != '\0')
      << "STACK_PYTHON is not set: start the local stack and `source .stack/env`";
  const std::string command = std::string(python) + " " + MSK_IAM_TOKEN_GOLDEN_SCRIPT;
  struct PipeCloser {
    void operator()(FILE* pipe) const noexcept { ::pclose(pipe); }
  };
  const std::unique_ptr<FILE, PipeCloser> pipe(::popen(command.c_str(), "r"));
  ASSERT_TRUE(pipe);
  std::string output;
  std::array<char, 4096> buffer{};
  while (const std::size_t read = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) {
    output.append(buffer.data(), read);
  }
  const auto document = nlohmann::json::parse(output, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(document.is_discarded()) << "the signer script printed: " << output;
  EXPECT_EQ(document.at("signer_version"), "1.0.2");
  expect_identical_tokens(document);
}

}  // namespace
}  // namespace dispatcher::adapters::aws
