// The credentials chain with injected environment, files, clock and HTTP fetch: no process
// environment is read or changed, no network is used.
#include "adapters/aws/credentials.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

namespace dispatcher::adapters::aws {
namespace {

using namespace std::chrono;
using Headers = std::vector<std::pair<std::string, std::string>>;

EnvironmentLookup fake_environment(std::map<std::string, std::string, std::less<>> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    const auto found = values.find(name);
    return found == values.end() ? std::nullopt : std::optional<std::string>(found->second);
  };
}

FileReader fake_files(std::map<std::string, std::string> files) {
  return [files = std::move(files)](const std::string& path) -> core::Result<std::string> {
    const auto found = files.find(path);
    if (found == files.end()) {
      return core::fail(core::permanent_error("FileNotFound", "no " + path));
    }
    return found->second;
  };
}

class FakeClock final : public core::Clock {
 public:
  explicit FakeClock(system_clock::time_point wall) : wall_(wall) {}
  [[nodiscard]] steady_clock::time_point now() const override { return steady_clock::time_point{}; }
  [[nodiscard]] system_clock::time_point wall_now() const override { return wall_; }
  void advance(system_clock::duration by) { wall_ += by; }

 private:
  system_clock::time_point wall_;
};

const system_clock::time_point kStart = sys_days{year{2024} / May / 1} + hours{12};

/// An HttpGet that records calls and answers from a script.
struct FakeAgent {
  int calls = 0;
  std::vector<Headers> seen_headers;
  std::vector<std::string> seen_urls;
  std::function<core::Result<std::string>(int call)> answer;

  HttpGet http_get() {
    return [this](const std::string& url, const Headers& headers) -> core::Result<std::string> {
      ++calls;
      seen_urls.push_back(url);
      seen_headers.push_back(headers);
      return answer(calls);
    };
  }
};

std::string agent_document(int serial, std::string_view expiration) {
  return R"({"AccessKeyId": "ASIA)" + std::to_string(serial) + R"(", "SecretAccessKey": "secret-)" +
         std::to_string(serial) + R"(", "Token": "token", "Expiration": ")" +
         std::string(expiration) + R"("})";
}

core::Result<Credentials> resolve(DefaultCredentialsOptions options) {
  auto provider = default_credentials_provider(std::move(options));
  if (!provider) {
    return core::fail(std::move(provider.error()));
  }
  return (*provider)->credentials();
}

TEST(DefaultCredentialsProvider, UsesEnvironmentKeysFirst) {
  const auto credentials =
      resolve({.environment = fake_environment({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                                {"AWS_SECRET_ACCESS_KEY", "env-secret"},
                                                {"AWS_SESSION_TOKEN", "env-token"},
                                                {"AWS_PROFILE", "dev"},
                                                {"HOME", "/home/me"}}),
               .read_file =
                   fake_files({{"/home/me/.aws/credentials",
                                "[dev]\naws_access_key_id=AKIDFILE\naws_secret_access_key=x\n"}})});
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "AKIDENV");
  EXPECT_EQ(credentials->secret_access_key, "env-secret");
  EXPECT_EQ(credentials->session_token, "env-token");
  EXPECT_FALSE(credentials->expiration);
}

TEST(DefaultCredentialsProvider, NamesTheMissingEnvironmentVariableWithoutTheSecret) {
  const auto only_secret = default_credentials_provider(
      {.environment = fake_environment({{"AWS_SECRET_ACCESS_KEY", "s3cr3t-value"}})});
  ASSERT_FALSE(only_secret);
  EXPECT_EQ(only_secret.error().code, "IncompleteCredentials");
  EXPECT_EQ(only_secret.error().message,
            "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
  const auto only_key = default_credentials_provider(
      {.environment = fake_environment({{"AWS_ACCESS_KEY_ID", "AKID"}})});
  ASSERT_FALSE(only_key);
  EXPECT_EQ(only_key.error().message, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
}

TEST(DefaultCredentialsProvider, ReadsTheNamedProfileFromConfiguredFiles) {
  const auto credentials = resolve(
      {.environment = fake_environment({{"AWS_PROFILE", "dev"},
                                        {"AWS_SHARED_CREDENTIALS_FILE", "/etc/aws/creds"},
                                        {"AWS_CONFIG_FILE", "~/cfg"},
                                        {"HOME", "/home/me"}}),
       .read_file = fake_files(
           {{"/etc/aws/creds", "[default]\naws_access_key_id=DEFAULT\naws_secret_access_key=x\n"},
            {"/home/me/cfg",
             "[profile dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = "
             "dev-secret\n"}})});
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "AKIDDEV");
  EXPECT_EQ(credentials->secret_access_key, "dev-secret");
}

TEST(DefaultCredentialsProvider, ReadsTheDefaultProfileUnderHome) {
  const auto credentials = resolve(
      {.environment = fake_environment({{"HOME", "/home/me"}}),
       .read_file = fake_files({{"/home/me/.aws/credentials",
                                 "[default]\naws_access_key_id=AKIDHOME\naws_secret_access_key=x\n"
                                 "aws_session_token=tok\n"}})});
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "AKIDHOME");
  EXPECT_EQ(credentials->session_token, "tok");
}

TEST(DefaultCredentialsProvider, FailsWhenTheNamedProfileExistsNowhere) {
  const auto provider = default_credentials_provider(
      {.environment = fake_environment({{"AWS_PROFILE", "typo"}, {"HOME", "/home/me"}}),
       .read_file = fake_files({})});
  ASSERT_FALSE(provider);
  EXPECT_EQ(provider.error().code, "ProfileNotFound");
  EXPECT_EQ(provider.error().message,
            "AWS_PROFILE names profile 'typo', which is in neither /home/me/.aws/credentials nor "
            "/home/me/.aws/config");
}

TEST(DefaultCredentialsProvider, RefusesProfilesThatNeedAnUnsupportedSource) {
  const auto provider = default_credentials_provider(
      {.environment = fake_environment({{"AWS_PROFILE", "sso"}, {"HOME", "/h"}}),
       .read_file = fake_files({{"/h/.aws/config", "[profile sso]\nsso_session = corp\n"}})});
  ASSERT_FALSE(provider);
  EXPECT_EQ(provider.error().code, "UnsupportedCredentialsSource");
  EXPECT_NE(provider.error().message.find("sso_session"), std::string::npos);
}

TEST(DefaultCredentialsProvider, ReportsAMalformedProfileFile) {
  const auto provider = default_credentials_provider(
      {.environment = fake_environment({{"HOME", "/h"}}),
       .read_file = fake_files({{"/h/.aws/credentials", "[default]\nsecret-line\n"}})});
  ASSERT_FALSE(provider);
  EXPECT_EQ(provider.error().code, "InvalidProfileFile");
  EXPECT_EQ(provider.error().message.find("secret-line"), std::string::npos);
}

TEST(DefaultCredentialsProvider, SaysWhatToConfigureWhenNothingIs) {
  const auto provider = default_credentials_provider(
      {.environment = fake_environment({{"HOME", "/h"}}), .read_file = fake_files({})});
  ASSERT_FALSE(provider);
  EXPECT_EQ(provider.error().code, "CredentialsNotFound");
  EXPECT_NE(provider.error().message.find("AWS_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_NE(provider.error().message.find("/h/.aws/credentials"), std::string::npos);
  EXPECT_NE(provider.error().message.find("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
            std::string::npos);
}

TEST(DefaultCredentialsProvider, NeedsAnHttpClientForContainerCredentials) {
  const auto provider = default_credentials_provider(
      {.environment = fake_environment({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds"}}),
       .read_file = fake_files({})});
  ASSERT_FALSE(provider);
  EXPECT_EQ(provider.error().code, "MissingHttpClient");
}

TEST(DefaultCredentialsProvider, FallsThroughAnEmptyDefaultProfileToTheContainerAgent) {
  FakeAgent agent;
  agent.answer = [](int serial) { return agent_document(serial, "2024-05-01T18:00:00Z"); };
  FakeClock clock(kStart);
  const auto credentials = resolve(
      {.environment = fake_environment({{"HOME", "/h"},
                                        {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds"},
                                        {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "inline-token"}}),
       .http_get = agent.http_get(),
       .read_file = fake_files({{"/h/.aws/config", "[default]\nregion = eu-west-1\n"}}),
       .clock = &clock});
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "ASIA1");
  EXPECT_EQ(credentials->expiration, sys_days{year{2024} / May / 1} + hours{18});
  ASSERT_EQ(agent.seen_urls.size(), 1U);
  EXPECT_EQ(agent.seen_urls[0], "http://169.254.170.2/v2/creds");
  EXPECT_EQ(agent.seen_headers[0], (Headers{{"Authorization", "inline-token"}}));
}

class ContainerRefresh : public ::testing::Test {
 protected:
  FakeAgent agent_;
  FakeClock clock_{kStart};
  std::map<std::string, std::string> files_{{"/var/run/token", "token-1"}};

  std::unique_ptr<CredentialsProvider> provider() {
    auto provider = default_credentials_provider(
        {.environment = fake_environment(
             {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9911/creds"},
              {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/token"}}),
         .http_get = agent_.http_get(),
         .read_file = [this](const std::string& path) { return fake_files(files_)(path); },
         .clock = &clock_});
    EXPECT_TRUE(provider) << provider.error().message;
    return std::move(*provider);
  }
};

TEST_F(ContainerRefresh, ReusesCredentialsUntilFiveMinutesBeforeExpiration) {
  agent_.answer = [](int serial) { return agent_document(serial, "2024-05-01T13:00:00Z"); };
  auto credentials = provider();
  EXPECT_EQ(credentials->credentials()->access_key_id, "ASIA1");
  clock_.advance(minutes(54));  // 12:54: six minutes left
  EXPECT_EQ(credentials->credentials()->access_key_id, "ASIA1");
  EXPECT_EQ(agent_.calls, 1);
  clock_.advance(minutes(2));  // 12:56: four minutes left
  EXPECT_EQ(credentials->credentials()->access_key_id, "ASIA2");
  EXPECT_EQ(agent_.calls, 2);
}

TEST_F(ContainerRefresh, ReadsTheTokenFileOnEveryFetch) {
  agent_.answer = [](int serial) { return agent_document(serial, "2024-05-01T12:10:00Z"); };
  auto credentials = provider();
  ASSERT_TRUE(credentials->credentials());
  files_["/var/run/token"] = "token-2";  // the kubelet rotated it
  clock_.advance(minutes(6));
  ASSERT_TRUE(credentials->credentials());
  ASSERT_EQ(agent_.seen_headers.size(), 2U);
  EXPECT_EQ(agent_.seen_headers[0], (Headers{{"Authorization", "token-1"}}));
  EXPECT_EQ(agent_.seen_headers[1], (Headers{{"Authorization", "token-2"}}));
}

TEST_F(ContainerRefresh, KeepsUnexpiredCredentialsWhenARefreshFails) {
  agent_.answer = [](int serial) -> core::Result<std::string> {
    if (serial == 1) {
      return agent_document(serial, "2024-05-01T12:10:00Z");
    }
    return core::fail(core::retryable_error("HttpConnectFailed", "connection refused"));
  };
  auto credentials = provider();
  ASSERT_TRUE(credentials->credentials());
  clock_.advance(minutes(7));  // inside the refresh margin, not expired
  const auto kept = credentials->credentials();
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->access_key_id, "ASIA1");
  clock_.advance(minutes(4));  // now expired
  const auto failed = credentials->credentials();
  ASSERT_FALSE(failed);
  EXPECT_TRUE(failed.error().retryable());
  EXPECT_EQ(failed.error().code, "HttpConnectFailed");
  EXPECT_NE(failed.error().message.find("http://127.0.0.1:9911/creds"), std::string::npos);
}

TEST_F(ContainerRefresh, RejectsATokenFileWithALineBreakWithoutQuotingIt) {
  files_["/var/run/token"] = "s3cr3t-token\n";
  agent_.answer = [](int serial) { return agent_document(serial, "2024-05-01T13:00:00Z"); };
  auto credentials = provider();
  const auto result = credentials->credentials();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, "InvalidContainerAuthorizationToken");
  EXPECT_EQ(result.error().message.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(agent_.calls, 0);
}

TEST_F(ContainerRefresh, ReportsAMalformedDocumentWithoutQuotingIt) {
  agent_.answer = [](int /*serial*/) -> core::Result<std::string> {
    return std::string(R"({"AccessKeyId": "A", "SecretAccessKey": "s3cr3t"})");
  };
  auto credentials = provider();
  const auto result = credentials->credentials();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, "InvalidCredentialsResponse");
  EXPECT_EQ(result.error().message.find("s3cr3t"), std::string::npos);
}

TEST(ReadWholeFile, ReadsBytesAndDistinguishesAMissingFile) {
  std::mt19937_64 random(std::random_device{}());
  const auto directory =
      std::filesystem::temp_directory_path() / ("auth-test-" + std::to_string(random()));
  std::filesystem::create_directories(directory);
  const auto path = directory / "file";
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string("a\0b\n", 4);
  }
  EXPECT_EQ(read_whole_file(path.string()).value(), std::string("a\0b\n", 4));
  const auto missing = read_whole_file((directory / "absent").string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "FileNotFound");
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace dispatcher::adapters::aws
