#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "adapters/lambda/runtime_client.h"
#include "core/result.h"

namespace dispatcher::adapters::lambda {

/// Turns one invocation into its response body, or into an error Lambda reports as a function
/// error.
using InvocationHandler = std::function<core::Result<std::string>(const Invocation&)>;

/// Receives one line about a runtime-level problem (never a secret: it is an Error's description).
using RuntimeLog = std::function<void(std::string_view line)>;

/// Serves invocations one after another: next(), sets _X_AMZN_TRACE_ID to the invocation's trace
/// id, runs `handler`, then respond() or report_invocation_error(). A handler that throws is
/// reported as an invocation error ("Runtime.UnhandledException") and the loop goes on.
/// Returns (exit code 1) only when the Runtime API says the environment is broken (500), refuses
/// the runtime, or stays unreachable for several attempts in a row. `log` defaults to stderr.
[[nodiscard]] int run_loop(RuntimeClient& client, const InvocationHandler& handler,
                           const RuntimeLog& log = {});

}  // namespace dispatcher::adapters::lambda
