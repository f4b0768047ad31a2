#include "core/observability/logger.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dispatcher::core::observability {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

struct CapturedLogger {
  std::vector<std::string> lines;
  Logger logger{"dispatcher-test", config::LogLevel::kInfo,
                [this](std::string_view line) { lines.emplace_back(line); },
                [] { return system_clock::time_point(milliseconds(1'795'000'000'123)); }};
};

TEST(Logger, WritesPowertoolsShapedJsonLines) {
  CapturedLogger captured;
  captured.logger.begin_invocation("req-1", "Root=1-abc", true);
  captured.logger.info("batch dispatched", {{"events_published", 12}});
  ASSERT_EQ(captured.lines.size(), 1U);
  const auto line = nlohmann::json::parse(captured.lines[0]);
  EXPECT_EQ(line["level"], "INFO");
  EXPECT_EQ(line["message"], "batch dispatched");
  EXPECT_EQ(line["timestamp"], "2026-11-18T11:06:40.123Z");
  EXPECT_EQ(line["service"], "dispatcher-test");
  EXPECT_EQ(line["cold_start"], true);
  EXPECT_EQ(line["function_request_id"], "req-1");
  EXPECT_EQ(line["xray_trace_id"], "Root=1-abc");
  EXPECT_EQ(line["events_published"], 12);
}

TEST(Logger, DropsLinesBelowTheLevel) {
  CapturedLogger captured;
  captured.logger.debug("noise");
  captured.logger.warn("kept");
  ASSERT_EQ(captured.lines.size(), 1U);
  EXPECT_EQ(nlohmann::json::parse(captured.lines[0])["level"], "WARN");
}

TEST(Logger, LaterInvocationsAreNotColdStarts) {
  CapturedLogger captured;
  captured.logger.begin_invocation("req-1", "", true);
  captured.logger.end_invocation();
  captured.logger.begin_invocation("req-2", "", false);
  captured.logger.info("second");
  const auto line = nlohmann::json::parse(captured.lines.at(0));
  EXPECT_EQ(line["cold_start"], false);
  EXPECT_EQ(line["function_request_id"], "req-2");
  EXPECT_FALSE(line.contains("xray_trace_id"));
}

TEST(Logger, InvalidUtf8InAFieldDoesNotThrow) {
  CapturedLogger captured;
  captured.logger.error("bad bytes", {{"aggregate", std::string("\xff\xfe id")}});
  ASSERT_EQ(captured.lines.size(), 1U);
  EXPECT_TRUE(nlohmann::json::accept(captured.lines[0]));
}

TEST(Logger, CarriesTheFunctionContextLikePowertools) {
  CapturedLogger captured;
  captured.logger.set_function(
      function_context_from_environment({{"AWS_LAMBDA_FUNCTION_NAME", "orders-dispatcher"},
                                         {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"}}));
  captured.logger.begin_invocation("req-1", "Root=1-abc", false,
                                   "arn:aws:lambda:eu-west-1:123456789012:function:orders:live");
  captured.logger.info("during");
  captured.logger.end_invocation();
  captured.logger.info("between");
  ASSERT_EQ(captured.lines.size(), 2U);
  const auto during = nlohmann::json::parse(captured.lines[0]);
  EXPECT_EQ(during["function_name"], "orders-dispatcher");
  EXPECT_EQ(during["function_memory_size"], 512);
  EXPECT_EQ(during["function_arn"], "arn:aws:lambda:eu-west-1:123456789012:function:orders:live");
  const auto between = nlohmann::json::parse(captured.lines[1]);
  EXPECT_EQ(between["function_name"], "orders-dispatcher");
  EXPECT_FALSE(between.contains("function_arn"));
  EXPECT_FALSE(between.contains("function_request_id"));
}

TEST(Logger, StartUpLinesAreColdStarts) {
  CapturedLogger captured;
  captured.logger.info("dispatcher ready");
  EXPECT_EQ(nlohmann::json::parse(captured.lines.at(0))["cold_start"], true);
}

TEST(FunctionContext, LeavesOutWhatTheEnvironmentDoesNotSayClearly) {
  EXPECT_EQ(function_context_from_environment({}), FunctionContext{});
  const auto odd = function_context_from_environment(
      {{"AWS_LAMBDA_FUNCTION_NAME", "f"}, {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128MB"}});
  EXPECT_EQ(odd.name, "f");
  EXPECT_FALSE(odd.memory_size_mb.has_value());
  EXPECT_EQ(function_context_from_environment({{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "10240"}})
                .memory_size_mb,
            10240);
}

}  // namespace
}  // namespace dispatcher::core::observability
