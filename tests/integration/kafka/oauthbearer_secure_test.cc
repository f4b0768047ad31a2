// The publisher's SASL/OAUTHBEARER token refresh (MSK IAM): a token is made before the first
// publish, an expired or nearly expired one (a Lambda thawed after a freeze, when librdkafka's own
// timer has not fired) is replaced before the next publish, and a fresh one is kept. No broker
// answers here: the refresh happens before any connection is needed.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/kafka/kafka_publisher.h"
#include "core/aws/msk_iam_token.h"
#include "kafka_test_support.h"

namespace dispatcher::adapters::kafka {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

struct CountingProvider {
  std::atomic<int> calls{0};
  seconds lifetime{900};

  OAuthBearerTokenProvider provider() {
    return [this]() -> core::Result<OAuthBearerToken> {
      ++calls;
      return OAuthBearerToken{.value = "token-" + std::to_string(calls.load()),
                              .expiry = system_clock::now() + lifetime,
                              .principal = "aws-msk-iam"};
    };
  }
};

std::unique_ptr<KafkaPublisher> oauthbearer_publisher(CountingProvider& tokens) {
  ProducerSettings settings{
      .bootstrap_servers = "127.0.0.1:1",  // nothing listens: no connection is needed
      .client_id = "oauthbearer-it",
      .extra_properties = {{"security.protocol", "SASL_PLAINTEXT"},
                           {"sasl.mechanisms", "OAUTHBEARER"}},
      .oauthbearer_token_provider = tokens.provider()};
  auto publisher = KafkaPublisher::create(std::move(settings), [](const KafkaLogLine&) {});
  EXPECT_TRUE(publisher.has_value()) << publisher.error().describe();
  return publisher ? std::move(*publisher) : nullptr;
}

void publish_nothing(KafkaPublisher& publisher) {
  const std::vector<core::dispatch::PublishRun> runs;
  static_cast<void>(publisher.publish(runs, testing::deadline_in(milliseconds(200))));
}

TEST(OAuthBearerRefresh, TokenIsMadeBeforeTheFirstPublish) {
  CountingProvider tokens;
  const auto publisher = oauthbearer_publisher(tokens);
  ASSERT_TRUE(publisher);
  publish_nothing(*publisher);
  EXPECT_GE(tokens.calls.load(), 1);
}

TEST(OAuthBearerRefresh, FreshTokenIsKeptAcrossPublishes) {
  CountingProvider tokens;
  const auto publisher = oauthbearer_publisher(tokens);
  ASSERT_TRUE(publisher);
  publish_nothing(*publisher);
  const int after_first = tokens.calls.load();
  publish_nothing(*publisher);
  publish_nothing(*publisher);
  EXPECT_EQ(tokens.calls.load(), after_first);
}

TEST(OAuthBearerRefresh, TokenWithinTheRefreshMarginIsReplacedBeforeEachPublish) {
  CountingProvider tokens;
  // Valid for librdkafka (not expired) but inside our margin, as after a long freeze.
  tokens.lifetime = core::aws::kMskIamRefreshMargin / 2;
  const auto publisher = oauthbearer_publisher(tokens);
  ASSERT_TRUE(publisher);
  publish_nothing(*publisher);
  const int after_first = tokens.calls.load();
  publish_nothing(*publisher);
  EXPECT_EQ(tokens.calls.load(), after_first + 1);
  publish_nothing(*publisher);
  EXPECT_EQ(tokens.calls.load(), after_first + 2);
}

TEST(OAuthBearerRefresh, FailingProviderIsAskedAgainOnTheNextPublish) {
  std::atomic<int> calls{0};
  ProducerSettings settings{
      .bootstrap_servers = "127.0.0.1:1",
      .client_id = "oauthbearer-it",
      .extra_properties = {{"security.protocol", "SASL_PLAINTEXT"},
                           {"sasl.mechanisms", "OAUTHBEARER"}},
      .oauthbearer_token_provider = [&calls]() -> core::Result<OAuthBearerToken> {
        ++calls;
        return core::fail(core::retryable_error("CredentialsUnavailable", "no credentials yet"));
      }};
  std::vector<std::string> lines;
  std::mutex mutex;
  auto publisher = KafkaPublisher::create(std::move(settings), [&](const KafkaLogLine& line) {
    const std::scoped_lock lock(mutex);
    lines.emplace_back(line.message);
  });
  ASSERT_TRUE(publisher.has_value());
  publish_nothing(**publisher);
  const int after_first = calls.load();
  EXPECT_GE(after_first, 1);
  publish_nothing(**publisher);
  EXPECT_GT(calls.load(), after_first);
  const std::scoped_lock lock(mutex);
  EXPECT_THAT(lines, ::testing::Contains(::testing::HasSubstr("CredentialsUnavailable")));
}

}  // namespace
}  // namespace dispatcher::adapters::kafka
