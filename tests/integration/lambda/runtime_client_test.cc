// The runtime client's answers to what the Runtime API can say besides "yes", scripted with the
// HTTP tests' fault server, and the error document it sends.

#include "adapters/lambda/runtime_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/lambda/runtime_loop.h"
#include "integration/http/fault_server.h"

namespace dispatcher::adapters::lambda {
namespace {

using testing::FaultServer;
using ::testing::HasSubstr;

// "host:port" of the fault server, as AWS_LAMBDA_RUNTIME_API would be.
std::string runtime_api(const FaultServer& server) {
  std::string url = server.url();  // http://127.0.0.1:PORT/
  url.erase(0, std::string("http://").size());
  url.pop_back();
  return url;
}

core::Error sample_error() {
  core::Error error = core::permanent_error("MSG_SIZE_TOO_LARGE", "message 3 is 2 MB \"big\"");
  error.service = "kafka";
  return error;
}

TEST(LambdaRuntimeClient, ErrorTypeIsCategoryDotReason) {
  EXPECT_EQ(RuntimeClient::error_type(sample_error()), "kafka.MSG_SIZE_TOO_LARGE");
  EXPECT_EQ(RuntimeClient::error_type(core::permanent_error("ConfigInvalid", "x")),
            "Runtime.ConfigInvalid");
  EXPECT_EQ(RuntimeClient::error_type(core::Error{}), "Runtime.UnknownReason");
}

TEST(LambdaRuntimeClient, ErrorDocumentHasLambdasShape) {
  const auto document = nlohmann::json::parse(RuntimeClient::error_document(sample_error()));
  EXPECT_EQ(document.size(), 3U);
  EXPECT_EQ(document["errorType"], "kafka.MSG_SIZE_TOO_LARGE");
  EXPECT_THAT(document["errorMessage"].get<std::string>(), HasSubstr("message 3 is 2 MB \"big\""));
  EXPECT_EQ(document["stackTrace"], nlohmann::json::array());
}

TEST(LambdaRuntimeClient, ErrorDocumentSurvivesInvalidUtf8) {
  const auto text = RuntimeClient::error_document(core::permanent_error("Bad", "byte \xff here"));
  EXPECT_FALSE(nlohmann::json::parse(text, nullptr, false).is_discarded());
}

TEST(LambdaRuntimeClient, PostsInvocationErrorWithTypeHeaderToTheInvocationsPath) {
  FaultServer server;
  server.script(nlohmann::json::array({{{"kind", "status"}, {"status", 202}, {"body", "{}"}}}));
  RuntimeClient client(runtime_api(server));

  ASSERT_TRUE(
      client.report_invocation_error("8476a536-e9f4-11e8-9739-2dfe598c3fcd", sample_error()));

  const auto request = server.log()["requests"][0];
  EXPECT_EQ(request["method"], "POST");
  EXPECT_EQ(request["path"],
            "/2018-06-01/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/error");
  const auto& headers = request["headers"];
  bool saw_type = false;
  for (const auto& [name, value] : headers.items()) {
    if (name == "lambda-runtime-function-error-type" ||
        name == "Lambda-Runtime-Function-Error-Type") {
      saw_type = value == "kafka.MSG_SIZE_TOO_LARGE";
    }
  }
  EXPECT_TRUE(saw_type) << headers.dump();
  EXPECT_EQ(nlohmann::json::parse(request["body"].get<std::string>())["errorType"],
            "kafka.MSG_SIZE_TOO_LARGE");
}

TEST(LambdaRuntimeClient, RequestIdCannotEscapeItsPathSegment) {
  FaultServer server;
  server.script(nlohmann::json::array({{{"kind", "status"}, {"status", 202}, {"body", "{}"}}}));
  RuntimeClient client(runtime_api(server));
  ASSERT_TRUE(client.respond("../../init/error", "{}"));
  EXPECT_EQ(server.log()["requests"][0]["path"],
            "/2018-06-01/runtime/invocation/..%2F..%2Finit%2Ferror/response");
}

TEST(LambdaRuntimeClient, ContainerErrorIsPermanentAndEndsTheLoop) {
  FaultServer server;
  server.script(nlohmann::json::array(), {{"kind", "status"}, {"status", 500}, {"body", "broken"}});
  RuntimeClient client(runtime_api(server));

  const auto next = client.next();
  ASSERT_FALSE(next.has_value());
  EXPECT_EQ(next.error().code, "RuntimeApiContainerError");
  EXPECT_EQ(next.error().service, "lambda");
  EXPECT_EQ(next.error().http_status, 500);
  EXPECT_FALSE(next.error().retryable());

  std::vector<std::string> lines;
  const int exit_code = run_loop(
      client, [](const Invocation&) -> core::Result<std::string> { return std::string("{}"); },
      [&](std::string_view line) { lines.emplace_back(line); });
  EXPECT_EQ(exit_code, 1);
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_THAT(lines[0], HasSubstr("RuntimeApiContainerError"));
}

TEST(LambdaRuntimeClient, ClassifiesTheRuntimeApisOtherAnswers) {
  FaultServer server;
  server.script(nlohmann::json::array({{{"kind", "status"}, {"status", 413}, {"body", "too big"}},
                                       {{"kind", "status"}, {"status", 400}, {"body", "bad id"}},
                                       {{"kind", "status"}, {"status", 503}, {"body", "later"}}}));
  RuntimeClient client(runtime_api(server));

  const auto too_large = client.respond("id-1", std::string(100, 'x'));
  const auto rejected = client.respond("id-2", "{}");
  const auto unavailable = client.respond("id-3", "{}");

  ASSERT_FALSE(too_large.has_value());
  EXPECT_EQ(too_large.error().code, "PayloadTooLarge");
  EXPECT_FALSE(too_large.error().retryable());
  EXPECT_EQ(too_large.error().request_id, "id-1");
  ASSERT_FALSE(rejected.has_value());
  EXPECT_EQ(rejected.error().code, "RuntimeApiRejected");
  EXPECT_THAT(rejected.error().message, HasSubstr("bad id"));
  ASSERT_FALSE(unavailable.has_value());
  EXPECT_EQ(unavailable.error().code, "RuntimeApiUnavailable");
  EXPECT_TRUE(unavailable.error().retryable());
}

// Lambda sends Lambda-Runtime-Trace-Id with every invocation; the pinned Runtime Interface
// Emulator never does (docs/local-stack.md), so the header is scripted here.
TEST(LambdaRuntimeClient, TraceIdHeaderBecomesXAmznTraceIdForItsInvocationOnly) {
  const std::string trace =
      "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:"
      "0";
  const auto invocation = [](const std::string& request_id, const std::string& trace_id) {
    nlohmann::json headers{{"Lambda-Runtime-Aws-Request-Id", request_id},
                           {"Lambda-Runtime-Deadline-Ms", "1796159797115"}};
    if (!trace_id.empty()) {
      headers["Lambda-Runtime-Trace-Id"] = trace_id;
    }
    return nlohmann::json{{"kind", "ok"}, {"body", {{"n", request_id}}}, {"headers", headers}};
  };
  const nlohmann::json accepted{{"kind", "status"}, {"status", 202}, {"body", "{}"}};
  FaultServer server;
  server.script(nlohmann::json::array(
                    {invocation("traced", trace), accepted, invocation("untraced", ""), accepted}),
                {{"kind", "status"}, {"status", 500}, {"body", "environment going away"}});
  RuntimeClient client(runtime_api(server));

  std::vector<std::pair<std::string, std::string>> seen;  // trace id, _X_AMZN_TRACE_ID
  const int exit_code = run_loop(
      client,
      [&](const Invocation& current) -> core::Result<std::string> {
        const char* variable = std::getenv("_X_AMZN_TRACE_ID");
        seen.emplace_back(current.trace_id, variable == nullptr ? "<unset>" : variable);
        return std::string("{}");
      },
      [](std::string_view) {});

  EXPECT_EQ(exit_code, 1);  // the scripted 500 ends the loop
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0], std::make_pair(trace, trace));
  // An invocation without the header must not inherit the previous invocation's trace.
  EXPECT_EQ(seen[1], std::make_pair(std::string(), std::string("<unset>")));
}

TEST(LambdaRuntimeClient, InvocationWithoutRequestIdIsRefused) {
  FaultServer server;
  server.script(nlohmann::json::array({{{"kind", "ok"}, {"body", nlohmann::json::object()}}}));
  RuntimeClient client(runtime_api(server));
  const auto next = client.next();
  ASSERT_FALSE(next.has_value());
  EXPECT_EQ(next.error().code, "InvalidInvocation");
}

// Found by tests/fuzz/runtime_invocation_fuzz: a deadline past the year 2262 overflowed the
// conversion to the clock's nanoseconds (undefined behaviour; an arbitrary deadline, often one
// long gone, so the invocation was answered at once with everything unfinished).
TEST(LambdaRuntimeClient, DeadlineTheClockCannotHoldIsRefusedNotOverflowed) {
  for (const char* deadline : {"15424097706888", "9223372036854775807", "-1"}) {
    FaultServer server;
    server.script(nlohmann::json::array(
        {{{"kind", "ok"},
          {"body", nlohmann::json::object()},
          {"headers",
           {{"Lambda-Runtime-Aws-Request-Id", "r1"}, {"Lambda-Runtime-Deadline-Ms", deadline}}}}}));
    RuntimeClient client(runtime_api(server));
    const auto next = client.next();
    ASSERT_FALSE(next.has_value()) << deadline;
    EXPECT_EQ(next.error().code, "InvalidInvocation") << deadline;
    EXPECT_THAT(next.error().message, HasSubstr("Lambda-Runtime-Deadline-Ms"));
  }
}

}  // namespace
}  // namespace dispatcher::adapters::lambda
