// Drives the product's Kafka publisher with the product's MSK IAM token provider, but with tokens
// that live seconds instead of 900 s, against the MSK IAM test broker (msk_iam_broker.py), so that
// token refresh can be watched in a test's time: test_msk_iam.py runs it, freezes it with SIGSTOP
// when it says so, and checks the broker's validation log.
//
//   msk_iam_refresh_check BOOTSTRAP CA_FILE TOPIC LIFETIME_SECONDS BUSY_SECONDS
//   (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY from the environment)
//
// 1. Publishes one message every 250 ms for BUSY_SECONDS: every one must be delivered.
// 2. Prints "freeze-now", then reads one line from stdin (the test freezes and thaws the process
//    meanwhile, for longer than the token lifetime).
// 3. Publishes one more message: it must be delivered.
// Prints one line per token made ("token <n> expires_in_ms <ms>"; never the token) and per
// publish; exits 0 when every message was delivered, 1 otherwise.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "adapters/aws/credentials.h"
#include "adapters/kafka/kafka_publisher.h"
#include "app/kafka_security.h"
#include "core/config/settings.h"

namespace {

using namespace dispatcher;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string environment_variable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    std::fprintf(stderr, "msk_iam_refresh_check: %s is not set\n", name);
    std::exit(2);
  }
  return value;
}

bool publish_one(adapters::kafka::KafkaPublisher& publisher, const std::string& topic, int number) {
  const std::vector<core::dispatch::PublishRun> runs = {core::dispatch::PublishRun{
      .messages = {core::dispatch::OutgoingMessage{.topic = topic,
                                                   .key = "refresh",
                                                   .value = "message-" + std::to_string(number),
                                                   .headers = {}}}}};
  const auto started = std::chrono::steady_clock::now();
  const auto outcomes = publisher.publish(runs, started + seconds(10));
  const auto took =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  const bool delivered = outcomes.at(0).delivered == 1;
  std::printf("publish %d %s in %lld ms%s%s\n", number, delivered ? "delivered" : "FAILED",
              static_cast<long long>(took.count()), outcomes.at(0).error ? ": " : "",
              outcomes.at(0).error ? outcomes.at(0).error->describe().c_str() : "");
  std::fflush(stdout);
  return delivered;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fputs(
        "usage: msk_iam_refresh_check BOOTSTRAP CA_FILE TOPIC LIFETIME_SECONDS BUSY_SECONDS\n",
        stderr);
    return 2;
  }
  const std::string topic = argv[3];
  const seconds lifetime(std::atol(argv[4]));
  const seconds busy(std::atol(argv[5]));

  core::config::Settings settings;
  settings.kafka_bootstrap_servers = argv[1];
  settings.kafka_client_id = "msk-iam-refresh-check";
  settings.kafka_security_protocol = core::config::SecurityProtocol::kSaslSsl;
  settings.sasl_mechanism = core::config::SaslMechanism::kAwsMskIam;
  settings.kafka_ssl_ca_location = argv[2];

  auto credentials = std::make_shared<adapters::aws::StaticCredentialsProvider>(
      core::aws::Credentials{.access_key_id = environment_variable("AWS_ACCESS_KEY_ID"),
                             .secret_access_key = environment_variable("AWS_SECRET_ACCESS_KEY"),
                             .session_token = {},
                             .expiration = std::nullopt});
  auto product_provider =
      app::msk_iam_token_provider(credentials, environment_variable("AWS_REGION"), lifetime);
  int tokens_made = 0;
  auto counting_provider = [&]() -> core::Result<adapters::kafka::OAuthBearerToken> {
    auto token = product_provider();
    if (token) {
      ++tokens_made;
      const auto left = std::chrono::duration_cast<milliseconds>(token->expiry -
                                                                 std::chrono::system_clock::now());
      std::printf("token %d expires_in_ms %lld\n", tokens_made,
                  static_cast<long long>(left.count()));
      std::fflush(stdout);
    }
    return token;
  };
  auto producer = app::map_kafka_producer_settings(
      settings,
      app::KafkaSecurityInputs{
          .sasl = std::nullopt, .ca_bundle = {}, .oauthbearer_token_provider = counting_provider});
  auto publisher = adapters::kafka::KafkaPublisher::create(
      std::move(producer), [](const adapters::kafka::KafkaLogLine& line) {
        if (line.level <= 4) {
          std::fprintf(stderr, "librdkafka %d %.*s %.*s\n", line.level,
                       static_cast<int>(line.facility.size()), line.facility.data(),
                       static_cast<int>(line.message.size()), line.message.data());
        }
      });
  if (!publisher) {
    std::fprintf(stderr, "msk_iam_refresh_check: %s\n", publisher.error().describe().c_str());
    return 1;
  }

  bool all_delivered = true;
  int number = 0;
  const auto busy_until = std::chrono::steady_clock::now() + busy;
  while (std::chrono::steady_clock::now() < busy_until) {
    all_delivered = publish_one(**publisher, topic, ++number) && all_delivered;
    std::this_thread::sleep_for(milliseconds(250));
  }
  std::puts("freeze-now");
  std::fflush(stdout);
  std::string line;
  std::getline(std::cin, line);
  all_delivered = publish_one(**publisher, topic, ++number) && all_delivered;
  std::printf("tokens %d messages %d %s\n", tokens_made, number,
              all_delivered ? "all-delivered" : "NOT-ALL-DELIVERED");
  return all_delivered ? 0 : 1;
}
