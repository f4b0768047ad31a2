// SigV4 signing cost per request: a typical DynamoDB Query with temporary (Lambda) credentials.
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "adapters/aws/signer.h"

namespace {

using dispatcher::adapters::aws::Credentials;
using dispatcher::adapters::aws::SigningScope;

const std::string kQueryBody =
    R"({"TableName":"events","ConsistentRead":true,"KeyConditionExpression":"#id = :id AND #v > :v",)"
    R"("ExpressionAttributeNames":{"#id":"id","#v":"version"},)"
    R"("ExpressionAttributeValues":{":id":{"S":"Order:5f0c6a2e-8d1b-4c5e-9a7f-3b2d1e0f9a8c"},)"
    R"(":v":{"N":"41"}},"Limit":100})";

Credentials lambda_credentials() {
  return Credentials{
      .access_key_id = "ASIAIOSFODNN7EXAMPLE",
      .secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      .session_token = std::string(800, 'T'),  // Lambda session tokens are ~800-1000 bytes
  };
}

void BM_SignDynamoDbQuery(benchmark::State& state) {
  const Credentials credentials = lambda_credentials();
  const SigningScope scope{"eu-west-1", "dynamodb"};
  const auto now = std::chrono::system_clock::now();
  for (auto _ : state) {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/x-amz-json-1.0"},
        {"X-Amz-Target", "DynamoDB_20120810.Query"}};
    dispatcher::adapters::aws::sign_request("POST", "https://dynamodb.eu-west-1.amazonaws.com/",
                                            headers, kQueryBody, credentials, scope, now);
    benchmark::DoNotOptimize(headers);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignDynamoDbQuery);

void BM_PresignMskIamUrl(benchmark::State& state) {
  const Credentials credentials = lambda_credentials();
  const SigningScope scope{"eu-west-1", "kafka-cluster"};
  const auto now = std::chrono::system_clock::now();
  for (auto _ : state) {
    std::string url = dispatcher::adapters::aws::presign_url(
        "GET", "https://kafka.eu-west-1.amazonaws.com/?Action=kafka-cluster%3AConnect", credentials,
        scope, now, std::chrono::seconds(900));
    benchmark::DoNotOptimize(url);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PresignMskIamUrl);

}  // namespace
