// Container credentials fetched over real HTTP (the project's curl client) from a local stand-in
// for the ECS/EKS agent, with the authorization token read from a file and refresh driven by an
// injected clock.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "../http/child_process.h"
#include "adapters/aws/credentials.h"
#include "adapters/aws/http_get.h"
#include "adapters/http/client.h"

namespace dispatcher::adapters::aws {
namespace {

using namespace std::chrono;

class FakeClock final : public core::Clock {
 public:
  [[nodiscard]] steady_clock::time_point now() const override { return steady_clock::now(); }
  [[nodiscard]] system_clock::time_point wall_now() const override { return wall_; }
  system_clock::time_point wall_ = sys_days{year{2030} / January / 1};
};

class ContainerAgent : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 random(std::random_device{}());
    directory_ =
        std::filesystem::temp_directory_path() / ("auth-agent-" + std::to_string(random()));
    std::filesystem::create_directories(directory_);
    write_token("agent-token-1");
    agent_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{"python3", CONTAINER_CREDENTIALS_SERVER},
        std::vector<std::pair<std::string, std::string>>{{"EXPECTED_TOKEN", "agent-token-1"},
                                                         {"EXPIRATION", "2030-01-01T01:00:00Z"}},
        /*capture_stdout=*/true);
    port_ = agent_->read_line(seconds(20));
  }

  void TearDown() override {
    agent_->stop();
    std::filesystem::remove_all(directory_);
  }

  void write_token(const std::string& token) {
    std::ofstream(directory_ / "token", std::ios::binary | std::ios::trunc) << token;
  }

  std::unique_ptr<CredentialsProvider> provider() {
    const std::string url = "http://127.0.0.1:" + port_ + "/creds";
    const std::string token_file = (directory_ / "token").string();
    auto provider = default_credentials_provider(
        {.environment = [url, token_file](std::string_view name) -> std::optional<std::string> {
           if (name == "AWS_CONTAINER_CREDENTIALS_FULL_URI") {
             return url;
           }
           if (name == "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
             return token_file;
           }
           return std::nullopt;
         },
         .http_get = http_get_through(client_),
         .clock = &clock_});
    EXPECT_TRUE(provider) << provider.error().message;
    return std::move(*provider);
  }

  std::filesystem::path directory_;
  std::unique_ptr<testing::ChildProcess> agent_;
  std::string port_;
  http::Client client_;
  FakeClock clock_;
};

TEST_F(ContainerAgent, FetchesWithTheTokenFromTheFileAndRefreshesBeforeExpiration) {
  auto credentials = provider();
  const auto first = credentials->credentials();
  ASSERT_TRUE(first) << first.error().describe();
  EXPECT_EQ(first->access_key_id, "ASIA1");
  EXPECT_EQ(first->session_token, "token-1");
  EXPECT_EQ(first->expiration, sys_days{year{2030} / January / 1} + hours{1});

  clock_.wall_ += minutes(50);  // ten minutes left: still cached
  EXPECT_EQ(credentials->credentials()->access_key_id, "ASIA1");

  clock_.wall_ += minutes(6);  // four minutes left: refreshed
  EXPECT_EQ(credentials->credentials()->access_key_id, "ASIA2");
}

TEST_F(ContainerAgent, ReportsARejectedTokenAsAPermanentError) {
  write_token("wrong-token");
  auto credentials = provider();
  const auto result = credentials->credentials();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, "CredentialsEndpointStatus");
  EXPECT_EQ(result.error().http_status, 401);
  EXPECT_FALSE(result.error().retryable());
  EXPECT_EQ(result.error().message.find("wrong-token"), std::string::npos);
}

TEST_F(ContainerAgent, ReportsAStoppedAgentAsRetryable) {
  auto credentials = provider();
  agent_->stop();
  const auto result = credentials->credentials();
  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().retryable()) << result.error().describe();
}

}  // namespace
}  // namespace dispatcher::adapters::aws
