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

}  // namespace
}  // namespace dispatcher::core::observability
