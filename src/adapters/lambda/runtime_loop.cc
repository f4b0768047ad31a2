#include "adapters/lambda/runtime_loop.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <thread>

namespace dispatcher::adapters::lambda {
namespace {

// The Runtime API is on the same host: failing to reach it several times in a row means the
// environment is going away.
constexpr int kMaxConsecutiveFailures = 5;
constexpr std::chrono::milliseconds kPauseAfterFailure{100};
constexpr const char* kTraceVariable = "_X_AMZN_TRACE_ID";

void write_to_stderr(std::string_view line) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}

// Errors after which serving more invocations is pointless.
bool ends_the_loop(const core::Error& error) {
  return error.service == "lambda" &&
         (error.code == "RuntimeApiContainerError" || error.code == "RuntimeApiRejected");
}

// Lambda's runtime contract. The main thread alone reads or writes the environment once the
// runtime serves invocations (librdkafka's threads read none), so the calls cannot race.
void set_trace_id(const std::string& trace_id) {
  if (trace_id.empty()) {
    ::unsetenv(kTraceVariable);  // NOLINT(concurrency-mt-unsafe): the main thread alone, see above
  } else {
    ::setenv(kTraceVariable, trace_id.c_str(), 1);  // NOLINT(concurrency-mt-unsafe): see above
  }
}

core::Result<std::string> run_handler(const InvocationHandler& handler,
                                      const Invocation& invocation) {
  try {
    return handler(invocation);
  } catch (const std::exception& exception) {
    return core::fail(core::Error{.kind = core::ErrorKind::kPermanent,
                                  .code = "UnhandledException",
                                  .message = exception.what(),
                                  .service = "Runtime"});
  } catch (...) {
    return core::fail(core::Error{.kind = core::ErrorKind::kPermanent,
                                  .code = "UnhandledException",
                                  .message = "the handler threw a non-standard exception",
                                  .service = "Runtime"});
  }
}

}  // namespace

int run_loop(RuntimeClient& client, const InvocationHandler& handler, const RuntimeLog& log) {
  const RuntimeLog write = log ? log : RuntimeLog(write_to_stderr);
  int consecutive_failures = 0;
  // Logs the failure; true when the loop should give up.
  const auto give_up_after = [&](const core::Error& error, std::string_view doing) {
    write("lambda runtime: " + std::string(doing) + " failed: " + error.describe());
    if (ends_the_loop(error) || ++consecutive_failures >= kMaxConsecutiveFailures) {
      return true;
    }
    std::this_thread::sleep_for(kPauseAfterFailure);
    return false;
  };

  while (true) {
    auto invocation = client.next();
    if (!invocation) {
      if (give_up_after(invocation.error(), "waiting for the next invocation")) {
        return 1;
      }
      continue;
    }
    set_trace_id(invocation->trace_id);
    const auto result = run_handler(handler, *invocation);
    const core::Status sent =
        result ? client.respond(invocation->request_id, *result)
               : client.report_invocation_error(invocation->request_id, result.error());
    if (sent) {
      consecutive_failures = 0;
      continue;
    }
    if (result && sent.error().code == "PayloadTooLarge") {
      // The invocation is still open: fail it with the reason rather than leave it to time out.
      if (const auto reported =
              client.report_invocation_error(invocation->request_id, sent.error());
          reported) {
        consecutive_failures = 0;
        continue;
      }
    }
    if (give_up_after(sent.error(), "sending the result of invocation " + invocation->request_id)) {
      return 1;
    }
  }
}

}  // namespace dispatcher::adapters::lambda
