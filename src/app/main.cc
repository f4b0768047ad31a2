// The one executable: the Lambda `bootstrap` (custom runtime) and the command-line tool.

#include <unistd.h>
#include <cctype>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/lambda/runtime_client.h"
#include "adapters/lambda/runtime_loop.h"
#include "adapters/system/environment.h"
#include "app/application.h"
#include "app/operator/operator_commands.h"
#include "app/runner/run_command.h"
#include "app/stream_logger.h"
#include "core/clock.h"
#include "core/observability/logger.h"

namespace {

using dispatcher::app::Application;
using dispatcher::core::observability::Logger;
namespace config = dispatcher::core::config;

// From project(VERSION) in CMakeLists.txt, which also names the packaged zip.
constexpr std::string_view kVersion = DISPATCHER_VERSION;

constexpr std::string_view kUsage =
    R"(ddb-eventstore-dispatcher )"
    R"(- moves DynamoDB event-store events to Kafka in per-aggregate order

Usage:
  bootstrap                     run as an AWS Lambda custom runtime (AWS_LAMBDA_RUNTIME_API is set)
  bootstrap handle [--event FILE] [--timeout-seconds N]
                                handle one DynamoDB Streams event (FILE, or standard input) with the
                                configuration from the environment; print the partial batch response
  bootstrap run [--poll-interval-ms N] [--batch-size N] [--lease-seconds N]
                [--state-table NAME] [--once]
                                standalone runner: consume the events table's stream and dispatch
                                it without Lambda (bootstrap run --help)
  bootstrap status [--top N] [--aggregate ID] [--json]
                                operator: per aggregate head, offset, lag, held (gap/poison)
  bootstrap audit [--aggregate ID] [--since TIME] [--json]
                                operator: read the topic back and check, per aggregate, that every
                                event reached Kafka in order (exit 3 = something is not)
  bootstrap replay --aggregate ID [--from-version N]
                                operator: move the offset back and re-dispatch (audited)
  bootstrap release --aggregate ID --version N [--yes]
                                operator: skip a gap or poison event on purpose (audited)
  bootstrap sweep [--rate N] [--resume-token FILE] [--dry-run]
                                operator: ring the doorbell of aggregates left behind
                                (each: --help, --json; exit 3 = held aggregates found)
  bootstrap COMMAND --help      the options of one command
  bootstrap --version           print the version
  bootstrap --help              print this help

Configuration: environment variables, see docs/configuration.md.
Exit codes: 0 success; 1 start-up or handling error; 2 usage error.
)";

constexpr std::string_view kHandleHelp =
    R"(Usage: bootstrap handle [--event FILE] [--timeout-seconds N]
Handles one DynamoDB Streams event (the JSON Lambda sends) with the configuration from the
environment (docs/configuration.md), exactly as the Lambda runtime does, and prints the partial
batch response ({"batchItemFailures": [...]}) on standard output; logs go to standard error.
  --event FILE          the event (default, or "-": standard input)
  --timeout-seconds N   the invocation's time budget (default 60)
Exit codes: 0 handled (failed aggregates are in the response); 1 start-up error (every problem
named at once) or the event cannot be read; 2 usage.
)";

/// The level from LOG_LEVEL before the settings are parsed, so start-up errors are logged too
/// (an unknown name is reported by parse_settings, and INFO meanwhile).
config::LogLevel early_log_level(const config::Environment& environment) {
  const auto found = environment.find("LOG_LEVEL");
  return found == environment.end()
             ? config::LogLevel::kInfo
             : config::parse_log_level(found->second).value_or(config::LogLevel::kInfo);
}

Logger make_logger(const config::Environment& environment, std::FILE* stream) {
  return dispatcher::app::stream_logger(environment, early_log_level(environment), stream);
}

int run_lambda(const std::string& runtime_api, const config::Environment& environment) {
  // Lambda sends stdout to CloudWatch Logs: one JSON document per line.
  Logger logger = make_logger(environment, stdout);
  logger.set_function(
      dispatcher::core::observability::function_context_from_environment(environment));
  dispatcher::adapters::lambda::RuntimeClient runtime(runtime_api);
  // Everything is created before the first `next`: no invocation meets a half-built dispatcher.
  auto application = Application::create(environment, logger);
  if (!application) {
    logger.error("initialisation failed", {{"error", application.error().describe()}});
    if (auto reported = runtime.report_init_error(application.error()); !reported) {
      logger.error("could not report the initialisation error",
                   {{"error", reported.error().describe()}});
    }
    return 1;
  }
  const dispatcher::core::SystemClock clock;
  bool cold_start = true;
  return dispatcher::adapters::lambda::run_loop(
      runtime,
      [&](const dispatcher::adapters::lambda::Invocation& invocation)
          -> dispatcher::core::Result<std::string> {
        logger.begin_invocation(invocation.request_id, invocation.trace_id, cold_start,
                                invocation.function_arn);
        cold_start = false;
        auto response = (*application)
                            ->handle(invocation.payload, dispatcher::app::deadline_from_wall_clock(
                                                             invocation.deadline, clock));
        logger.end_invocation();
        return response;
      },
      [&logger](std::string_view line) { logger.error(line); });
}

std::optional<std::string> read_event(const std::string& path) {
  std::ostringstream text;
  if (path.empty() || path == "-") {
    text << std::cin.rdbuf();
    return text.str();
  }
  const std::ifstream file(path, std::ios::binary);
  if (!file) {
    return std::nullopt;
  }
  text << file.rdbuf();
  return text.str();
}

int run_handle(const std::vector<std::string_view>& arguments,
               const config::Environment& environment) {
  std::string event_path;
  long timeout_seconds = 60;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string_view argument = arguments[i];
    if (argument == "--help" || argument == "-h") {
      std::fwrite(kHandleHelp.data(), 1, kHandleHelp.size(), stdout);
      return 0;
    }
    if (argument == "--event" && i + 1 < arguments.size()) {
      event_path = std::string(arguments[++i]);
    } else if (argument == "--timeout-seconds" && i + 1 < arguments.size()) {
      timeout_seconds = std::strtol(std::string(arguments[++i]).c_str(), nullptr, 10);
      if (timeout_seconds <= 0) {
        std::fputs("bootstrap handle: --timeout-seconds takes a positive whole number\n", stderr);
        return 2;
      }
    } else {
      std::fprintf(stderr, "bootstrap handle: unknown argument '%.*s'\n%.*s",
                   static_cast<int>(argument.size()), argument.data(),
                   static_cast<int>(kHandleHelp.size()), kHandleHelp.data());
      return 2;
    }
  }
  // Logs go to stderr so that stdout carries only the response.
  Logger logger = make_logger(environment, stderr);
  const auto event = read_event(event_path);
  if (!event) {
    logger.error("cannot read the event file", {{"path", event_path}});
    return 1;
  }
  auto application = Application::create(environment, logger);
  if (!application) {
    logger.error("initialisation failed", {{"error", application.error().describe()}});
    return 1;
  }
  const dispatcher::core::SystemClock clock;
  auto response =
      (*application)->handle(*event, clock.now() + std::chrono::seconds(timeout_seconds));
  if (!response) {
    return 1;
  }
  std::fwrite(response->data(), 1, response->size(), stdout);
  std::fputc('\n', stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> arguments(argv + 1, argv + argc);
  const auto environment = dispatcher::adapters::system::process_environment();
  if (!arguments.empty()) {
    const std::string_view command = arguments.front();
    if (command == "--version") {
      std::printf("ddb-eventstore-dispatcher %.*s\n", static_cast<int>(kVersion.size()),
                  kVersion.data());
      return 0;
    }
    if (command == "--help" || command == "-h" || command == "help") {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      return 0;
    }
    if (command == "handle") {
      return run_handle({arguments.begin() + 1, arguments.end()}, environment);
    }
    if (dispatcher::app::operator_tools::is_operator_command(command)) {
      dispatcher::app::operator_tools::Console console{.out = std::cout,
                                                       .err = std::cerr,
                                                       .in = std::cin,
                                                       .interactive = isatty(STDIN_FILENO) == 1};
      return dispatcher::app::operator_tools::run_operator_command(
          command, std::span<const std::string_view>(arguments).subspan(1), environment, console);
    }
    if (command == "run") {
      return dispatcher::app::runner::run_command({arguments.begin() + 1, arguments.end()},
                                                  environment);
    }
    std::fprintf(stderr, "bootstrap: unknown command '%.*s'\n%.*s",
                 static_cast<int>(command.size()), command.data(), static_cast<int>(kUsage.size()),
                 kUsage.data());
    return 2;
  }
  const auto runtime_api = environment.find("AWS_LAMBDA_RUNTIME_API");
  if (runtime_api == environment.end() || runtime_api->second.empty()) {
    std::fputs("bootstrap: AWS_LAMBDA_RUNTIME_API is not set; outside Lambda use a command\n",
               stderr);
    std::fwrite(kUsage.data(), 1, kUsage.size(), stderr);
    return 2;
  }
  return run_lambda(runtime_api->second, environment);
}
