// A Lambda `bootstrap` built from the runtime client, for the emulator tests. The payload is JSON:
//   {"text": "..."}            -> {"echo": TEXT upper-cased, plus what the handler was given}
//   {"text": "...", "fail": 1} -> a function error ("test.RequestedFailure")
//   {"throw": 1}               -> the handler throws (reported as Runtime.UnhandledException)
// With TEST_BOOTSTRAP_MODE=init-error it reports an init error and exits instead.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "adapters/lambda/runtime_client.h"
#include "adapters/lambda/runtime_loop.h"
#include "adapters/system/environment.h"

namespace lambda = dispatcher::adapters::lambda;
namespace core = dispatcher::core;

namespace {

core::Error test_error(std::string code, std::string message) {
  core::Error error = core::permanent_error(std::move(code), std::move(message));
  error.service = "test";
  return error;
}

core::Result<std::string> handle(const lambda::Invocation& invocation) {
  const auto request = nlohmann::json::parse(invocation.payload, nullptr, false);
  if (request.is_discarded() || !request.is_object()) {
    return core::fail(test_error("InvalidPayload", "the payload is not a JSON object"));
  }
  if (request.contains("throw")) {
    throw std::runtime_error("the test handler was asked to throw");
  }
  std::string text = request.value("text", "");
  if (request.contains("fail")) {
    return core::fail(test_error("RequestedFailure", "the payload asked to fail: " + text));
  }
  std::ranges::transform(text, text.begin(),
                         [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  const auto now = std::chrono::system_clock::now();
  const auto to_ms = [](auto duration) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
  };
  const auto trace_env = dispatcher::adapters::system::environment_variable("_X_AMZN_TRACE_ID");
  const nlohmann::json response{{"echo", text},
                                {"request_id", invocation.request_id},
                                {"deadline_ms", to_ms(invocation.deadline.time_since_epoch())},
                                {"remaining_ms", to_ms(invocation.deadline - now)},
                                {"trace_id", invocation.trace_id},
                                {"trace_env", trace_env.value_or("<unset>")},
                                {"function_arn", invocation.function_arn}};
  return response.dump();
}

}  // namespace

int main() {
  const auto runtime_api =
      dispatcher::adapters::system::environment_variable("AWS_LAMBDA_RUNTIME_API");
  if (!runtime_api) {
    return 2;
  }
  lambda::RuntimeClient client(*runtime_api);
  if (dispatcher::adapters::system::environment_variable("TEST_BOOTSTRAP_MODE") == "init-error") {
    static_cast<void>(client.report_init_error(
        test_error("InitFailed", "the test bootstrap was told to fail its start-up")));
    return 1;
  }
  return lambda::run_loop(client, handle);
}
