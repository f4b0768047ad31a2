#include "adapters/http/client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "integration/http/fault_server.h"

namespace dispatcher::adapters::http {
namespace {

using nlohmann::json;
using testing::FaultServer;

class HttpClient : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new FaultServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  static Request post(std::string body) {
    Request request;
    request.method = "POST";
    request.url = server_->url();
    request.body = std::move(body);
    return request;
  }

  static FaultServer* server_;
};

FaultServer* HttpClient::server_ = nullptr;

TEST_F(HttpClient, SendsMethodHeadersAndBodyAsGiven) {
  server_->script(json::array({{{"kind", "echo"}}}));
  Client client;
  Request request = post(R"({"hello":"world"})");
  request.headers = {{"X-Amz-Target", "DynamoDB_20120810.Query"},
                     {"Content-Type", "application/x-amz-json-1.0"}};
  const auto response = client.send(request);
  ASSERT_TRUE(response.has_value()) << response.error().describe();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"hello":"world"})");

  const json received = server_->log()["requests"][0];
  EXPECT_EQ(received["method"], "POST");
  EXPECT_EQ(received["headers"]["x-amz-target"], "DynamoDB_20120810.Query");
  EXPECT_EQ(received["headers"]["content-type"], "application/x-amz-json-1.0");
  EXPECT_FALSE(received["headers"].contains("expect"));
}

TEST_F(HttpClient, AddsNoContentTypeTheCallerDidNotAskFor) {
  server_->script(json::array());
  Client client;
  ASSERT_TRUE(client.send(post(std::string(4096, 'x'))).has_value());
  const json received = server_->log()["requests"][0];
  EXPECT_FALSE(received["headers"].contains("content-type"));
  EXPECT_FALSE(received["headers"].contains("expect"));
  EXPECT_EQ(received["body"].get<std::string>().size(), 4096U);
}

TEST_F(HttpClient, FindsResponseHeadersCaseInsensitively) {
  server_->script(json::array());
  Client client;
  const auto response = client.send(post("{}"));
  ASSERT_TRUE(response.has_value());
  ASSERT_TRUE(response->header("X-AMZN-REQUESTID").has_value());
  EXPECT_TRUE(response->header("x-amzn-requestid")->starts_with("req-"));
  EXPECT_FALSE(response->header("x-not-sent").has_value());
}

TEST_F(HttpClient, AnyHttpStatusIsAResponseNotAnError) {
  server_->script(json::array({{{"kind", "status"}, {"status", 503}, {"body", "busy"}}}));
  Client client;
  const auto response = client.send(post("{}"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, "busy");
}

TEST_F(HttpClient, SendsPutDeleteAndGet) {
  server_->script(json::array());
  Client client;
  std::vector<Request> requests(3);
  requests[0] = post("put-body");
  requests[0].method = "PUT";
  requests[1].method = "DELETE";
  requests[1].url = server_->url() + "item";
  requests[2].method = "GET";
  requests[2].url = server_->url() + "next";
  for (const auto& result : client.send_all(requests)) {
    ASSERT_TRUE(result.has_value()) << result.error().describe();
  }
  std::vector<std::string> methods;
  const json log = server_->log();
  for (const auto& received : log["requests"]) {
    methods.push_back(received["method"].get<std::string>() + " " +
                      received["path"].get<std::string>() + " " +
                      received["body"].get<std::string>());
  }
  std::ranges::sort(methods);
  EXPECT_EQ(methods, (std::vector<std::string>{"DELETE /item ", "GET /next ", "PUT / put-body"}));
}

TEST_F(HttpClient, SendAllReturnsEachResultAtItsRequestsIndex) {
  server_->script(json::array(), {{"kind", "echo"}});
  Client client;
  std::vector<Request> requests;
  for (int i = 0; i < 50; ++i) {
    requests.push_back(post("request-" + std::to_string(i)));
  }
  const auto results = client.send_all(requests);
  ASSERT_EQ(results.size(), requests.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].has_value()) << results[i].error().describe();
    EXPECT_EQ(results[i]->body, requests[i].body);
  }
}

TEST_F(HttpClient, SendAllKeepsAllRequestsInFlightTogether) {
  server_->script(json::array(), {{"kind", "delay"}, {"seconds", 0.5}});
  Client client;
  const std::vector<Request> requests(8, post("{}"));
  for (const auto& result : client.send_all(requests)) {
    ASSERT_TRUE(result.has_value()) << result.error().describe();
  }
  EXPECT_EQ(server_->log()["max_in_flight"], 8);
}

TEST_F(HttpClient, SendAllBoundsRequestsInFlight) {
  server_->script(json::array(), {{"kind", "delay"}, {"seconds", 0.2}});
  Client client(ClientOptions{.max_concurrent_requests = 3});
  const std::vector<Request> requests(9, post("{}"));
  for (const auto& result : client.send_all(requests)) {
    ASSERT_TRUE(result.has_value()) << result.error().describe();
  }
  const json log = server_->log();
  EXPECT_EQ(log["requests"].size(), 9U);
  EXPECT_EQ(log["max_in_flight"], 3);
}

TEST_F(HttpClient, SendAllEndsRequestsWaitingForASlotByTheirDeadline) {
  server_->script(json::array(), {{"kind", "delay"}, {"seconds", 1.0}});
  Client client(ClientOptions{.max_concurrent_requests = 1});
  const auto started = std::chrono::steady_clock::now();
  std::vector<Request> requests(3, post("{}"));
  for (Request& request : requests) {
    request.timeout = std::chrono::milliseconds(5000);
    request.deadline = started + std::chrono::milliseconds(1500);
  }
  const auto results = client.send_all(requests);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, std::chrono::milliseconds(1900));
  ASSERT_TRUE(results[0].has_value()) << results[0].error().describe();
  for (std::size_t i = 1; i < results.size(); ++i) {
    ASSERT_FALSE(results[i].has_value());
    EXPECT_EQ(results[i].error().code, "HttpTimeout");
    EXPECT_TRUE(results[i].error().retryable());
  }
}

TEST_F(HttpClient, RequestWhoseDeadlinePassedIsNotSent) {
  server_->script(json::array());
  Client client;
  Request request = post("{}");
  request.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
  const auto response = client.send(request);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, "HttpTimeout");
  EXPECT_EQ(server_->request_count(), 0U);
}

TEST_F(HttpClient, ReusesConnectionsAcrossCalls) {
  server_->script(json::array());
  Client client;
  const std::vector<Request> wave(4, post("{}"));
  for (int round = 0; round < 3; ++round) {
    for (const auto& result : client.send_all(wave)) {
      ASSERT_TRUE(result.has_value());
    }
    ASSERT_TRUE(client.send(post("{}")).has_value());
  }
  const auto statistics = client.statistics();
  EXPECT_EQ(statistics.requests_completed, 15U);
  EXPECT_EQ(statistics.connections_opened, 4U);
  // The server counts the test's own control connection too.
  EXPECT_EQ(server_->log()["connections"], 5);
}

TEST_F(HttpClient, SlowResponseBeyondTimeoutIsRetryableHttpTimeout) {
  server_->script(json::array({{{"kind", "delay"}, {"seconds", 2.0}}}));
  Client client;
  Request request = post("{}");
  request.timeout = std::chrono::milliseconds(200);
  const auto response = client.send(request);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, "HttpTimeout");
  EXPECT_TRUE(response.error().retryable());
  EXPECT_EQ(response.error().service, "http");
}

TEST_F(HttpClient, DefaultTimeoutAppliesWhenRequestHasNone) {
  server_->script(json::array({{{"kind", "delay"}, {"seconds", 2.0}}}));
  Client client(ClientOptions{.default_timeout = std::chrono::milliseconds(200)});
  const auto response = client.send(post("{}"));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, "HttpTimeout");
}

TEST_F(HttpClient, NoTimeoutWaitsForASlowResponse) {
  server_->script(json::array({{{"kind", "delay"}, {"seconds", 0.6}}}));
  Client client(ClientOptions{.default_timeout = std::chrono::milliseconds(100)});
  Request request = post("{}");
  request.timeout = kNoTimeout;
  const auto response = client.send(request);
  ASSERT_TRUE(response.has_value()) << response.error().describe();
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpClient, ResetConnectionIsRetryable) {
  server_->script(json::array({{{"kind", "reset"}}}));
  Client client;
  const auto response = client.send(post("{}"));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, "HttpConnectionReset");
  EXPECT_TRUE(response.error().retryable());
  // The client recovers on a new connection.
  EXPECT_TRUE(client.send(post("{}")).has_value());
}

TEST_F(HttpClient, TruncatedBodyIsRetryable) {
  server_->script(json::array({{{"kind", "truncate"}}}));
  Client client;
  const auto response = client.send(post("{}"));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, "HttpPartialResponse");
  EXPECT_TRUE(response.error().retryable());
}

TEST_F(HttpClient, OversizedBodyIsPermanent) {
  server_->script(json::array({{{"kind", "echo"}}}));
  Client client(ClientOptions{.max_response_bytes = 1000});
  const auto response = client.send(post(std::string(5000, 'x')));
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, "HttpResponseTooLarge");
  EXPECT_FALSE(response.error().retryable());
}

TEST(HttpClientTransport, RefusedConnectionIsRetryable) {
  Client client;
  Request request;
  request.url = "http://127.0.0.1:" + std::to_string(testing::free_loopback_port()) + "/";
  const auto response = client.send(request);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, "HttpConnectFailed");
  EXPECT_TRUE(response.error().retryable());
}

TEST(HttpClientTransport, MalformedOrUnsupportedUrlIsPermanent) {
  Client client;
  for (const char* url : {"http://[::1/", "ftp://127.0.0.1/file", "not a url"}) {
    Request request;
    request.url = url;
    const auto response = client.send(request);
    ASSERT_FALSE(response.has_value()) << url;
    EXPECT_EQ(response.error().code, "HttpInvalidUrl") << url << ": " << response.error().message;
    EXPECT_FALSE(response.error().retryable()) << url;
  }
}

TEST(HttpClientTransport, ErrorMessagesLeaveOutTheQueryString) {
  Client client;
  Request request;
  request.url = "http://127.0.0.1:" + std::to_string(testing::free_loopback_port()) +
                "/path?X-Amz-Signature=very-secret";
  const auto response = client.send(request);
  ASSERT_FALSE(response.has_value());
  EXPECT_NE(response.error().message.find("/path"), std::string::npos);
  EXPECT_EQ(response.error().message.find("very-secret"), std::string::npos);
}

/// A self-signed certificate for 127.0.0.1, made with the openssl command line tool.
class HttpsClient : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    directory_ =
        std::filesystem::temp_directory_path() / ("dispatcher-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory_);
    const std::string command =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
        " -addext subjectAltName=IP:127.0.0.1 -keyout " +
        (directory_ / "key.pem").string() + " -out " + (directory_ / "cert.pem").string() +
        " 2>/dev/null";
    // NOLINTNEXTLINE(cert-env33-c,concurrency-mt-unsafe): test setup runs a fixed command
    ASSERT_EQ(std::system(command.c_str()), 0) << "openssl could not make a test certificate";
    server_ =
        new FaultServer((directory_ / "cert.pem").string(), (directory_ / "key.pem").string());
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    std::filesystem::remove_all(directory_);
  }

  static std::filesystem::path directory_;
  static FaultServer* server_;
};

std::filesystem::path HttpsClient::directory_;
FaultServer* HttpsClient::server_ = nullptr;

TEST_F(HttpsClient, UntrustedCertificateIsPermanent) {
  Client client;
  Request request;
  request.url = server_->url();
  const auto response = client.send(request);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, "HttpTlsVerificationFailed") << response.error().message;
  EXPECT_FALSE(response.error().retryable());
}

TEST_F(HttpsClient, TrustsACertificateFromTheConfiguredBundle) {
  server_->script(json::array({{{"kind", "echo"}}}));
  Client client(ClientOptions{.ca_bundle_path = (directory_ / "cert.pem").string()});
  Request request;
  request.method = "POST";
  request.url = server_->url();
  request.body = "over tls";
  const auto response = client.send(request);
  ASSERT_TRUE(response.has_value()) << response.error().describe();
  EXPECT_EQ(response->body, "over tls");
}

}  // namespace
}  // namespace dispatcher::adapters::http
