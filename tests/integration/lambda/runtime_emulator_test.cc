// The runtime client, inside a test bootstrap, run by the stack's Lambda Runtime Interface
// Emulator (STACK_RIE) and invoked the way Lambda is.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/http/client.h"
#include "adapters/lambda/runtime_client.h"

extern char** environ;  // NOLINT: POSIX

namespace dispatcher::adapters::lambda {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr int kFunctionTimeoutSeconds = 9;
constexpr milliseconds kStartTimeout{15000};
constexpr const char* kStaleTrace = "Root=1-00000000-000000000000000000000000;Sampled=0";

// A loopback port nobody listens on right now.
int free_port() {
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
  auto* generic = reinterpret_cast<sockaddr*>(&address);
  if (::bind(socket_fd, generic, length) != 0 || ::getsockname(socket_fd, generic, &length) != 0) {
    ::close(socket_fd);
    throw std::runtime_error("no free port");
  }
  ::close(socket_fd);
  return ntohs(address.sin_port);
}

bool accepts_connections(int port) {
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
  const bool connected =
      ::connect(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(socket_fd);
  return connected;
}

std::string random_suffix() {
  std::mt19937_64 generator{std::random_device{}()};
  return std::to_string(generator() % 1000000000U);
}

/// The emulator running the test bootstrap, in its own process group so that stopping it also
/// stops the bootstrap it started.
class Emulator {
 public:
  explicit Emulator(const std::string& bootstrap_mode)
      : invoke_port_(free_port()),
        log_path_(std::filesystem::temp_directory_path() /
                  ("lambda-emulator-" + random_suffix() + ".log")) {
    const char* rie = std::getenv("STACK_RIE");
    if (rie == nullptr || *rie == '\0') {
      throw std::runtime_error(
          "STACK_RIE is not set: start the local stack with "
          "`tools/stack/stack.sh start && source .stack/env`");
    }
    const std::string invoke_address = "127.0.0.1:" + std::to_string(invoke_port_);
    const std::string runtime_api_address = "127.0.0.1:" + std::to_string(free_port());
    std::vector<std::string> arguments{rie,
                                       "--runtime-interface-emulator-address",
                                       invoke_address,
                                       "--runtime-api-address",
                                       runtime_api_address,
                                       DISPATCHER_LAMBDA_TEST_BOOTSTRAP};
    std::vector<std::string> environment;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      environment.emplace_back(*entry);
    }
    environment.push_back("TEST_BOOTSTRAP_MODE=" + bootstrap_mode);
    // The emulator passes its environment on to the runtime: a trace id that belongs to no
    // invocation, which the runtime loop must not hand to one.
    environment.push_back(std::string("_X_AMZN_TRACE_ID=") + kStaleTrace);
    environment.push_back("AWS_LAMBDA_FUNCTION_TIMEOUT=" + std::to_string(kFunctionTimeoutSeconds));
    spawn(arguments, environment);
    const auto give_up = std::chrono::steady_clock::now() + kStartTimeout;
    while (!accepts_connections(invoke_port_)) {
      if (std::chrono::steady_clock::now() > give_up || exited()) {
        stop();
        throw std::runtime_error("the emulator did not listen on " + invoke_address + ": " + log());
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
  }

  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;
  Emulator(Emulator&&) = delete;
  Emulator& operator=(Emulator&&) = delete;
  ~Emulator() {
    stop();
    std::filesystem::remove(log_path_);
  }

  /// POSTs `payload` to the function's invocations endpoint, as `aws lambda invoke` does.
  http::Response invoke(const std::string& payload, http::Headers headers = {}) {
    const http::Request request{.method = "POST",
                                .url = "http://127.0.0.1:" + std::to_string(invoke_port_) +
                                       "/2015-03-31/functions/function/invocations",
                                .headers = std::move(headers),
                                .body = payload,
                                .timeout = milliseconds((kFunctionTimeoutSeconds + 5) * 1000)};
    auto response = http_.send(request);
    if (!response) {
      throw std::runtime_error("invoke failed: " + response.error().describe());
    }
    return *response;
  }

  /// What the emulator printed (START/END/REPORT lines name each request id).
  [[nodiscard]] std::string log() const {
    std::ifstream file(log_path_);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }

 private:
  void spawn(const std::vector<std::string>& arguments,
             const std::vector<std::string>& environment) {
    std::vector<char*> argv;
    for (const auto& argument : arguments) {
      argv.push_back(const_cast<char*>(argument.c_str()));
    }
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& entry : environment) {
      envp.push_back(const_cast<char*>(entry.c_str()));
    }
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    const int failed =
        posix_spawn(&pid_, arguments[0].c_str(), &actions, &attributes, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (failed != 0) {
      pid_ = 0;
      throw std::runtime_error("cannot start " + arguments[0]);
    }
  }

  bool exited() {
    int status = 0;
    if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return true;
    }
    return false;
  }

  void stop() {
    if (pid_ <= 0) {
      return;
    }
    ::kill(-pid_, SIGTERM);  // the emulator's own process group: it and its bootstrap
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!exited()) {
      if (std::chrono::steady_clock::now() > give_up) {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = 0;
        return;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
  }

  int invoke_port_;
  std::filesystem::path log_path_;
  pid_t pid_ = 0;
  http::Client http_;
};

nlohmann::json parse(const http::Response& response) {
  auto document = nlohmann::json::parse(response.body, nullptr, false);
  EXPECT_FALSE(document.is_discarded()) << "not JSON: " << response.body;
  return document;
}

TEST(LambdaRuntimeEmulator, HandlerResponseReachesTheCaller) {
  Emulator emulator("serve");
  const auto response = emulator.invoke(R"({"text":"hello runtime"})");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(parse(response).value("echo", ""), "HELLO RUNTIME");
}

// The trace id is not among them: the pinned emulator ignores X-Amzn-Trace-Id and sends no
// Lambda-Runtime-Trace-Id (its sandbox has a no-op tracer; docs/local-stack.md). Lambda always
// sends one; runtime_client_test.cc scripts that case.
TEST(LambdaRuntimeEmulator, RequestIdDeadlineAndArnReachTheHandler) {
  Emulator emulator("serve");
  const std::string trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1";
  const auto invoked_at = std::chrono::system_clock::now();
  const auto first = parse(emulator.invoke(R"({"text":"a"})", {{"X-Amzn-Trace-Id", trace}}));
  const auto second = parse(emulator.invoke(R"({"text":"b"})"));

  const std::string request_id = first.value("request_id", "");
  EXPECT_THAT(request_id,
              MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));
  EXPECT_NE(request_id, second.value("request_id", ""));
  // The emulator logs the id it handed out; the handler saw that very id.
  EXPECT_THAT(emulator.log(), HasSubstr("START RequestId: " + request_id));

  const auto expected_deadline = invoked_at + std::chrono::seconds(kFunctionTimeoutSeconds);
  const auto deadline = std::chrono::system_clock::time_point(
      milliseconds(first.value("deadline_ms", std::int64_t{0})));
  EXPECT_LT(std::chrono::abs(deadline - expected_deadline), std::chrono::seconds(2));
  const auto remaining = first.value("remaining_ms", std::int64_t{-1});
  EXPECT_GT(remaining, 0);
  EXPECT_LE(remaining, kFunctionTimeoutSeconds * 1000);

  // No trace reached the runtime, so none is claimed, and the environment's stale one is gone.
  EXPECT_EQ(first.value("trace_id", "?"), "");
  EXPECT_EQ(first.value("trace_env", ""), "<unset>");
  EXPECT_THAT(first.value("function_arn", ""), HasSubstr(":function:"));
}

TEST(LambdaRuntimeEmulator, FunctionErrorHasLambdasErrorShapeAndTheLoopGoesOn) {
  Emulator emulator("serve");
  const auto failed = emulator.invoke(R"({"text":"broken input","fail":true})");
  const auto error = parse(failed);
  EXPECT_EQ(error.value("errorType", ""), "test.RequestedFailure");
  EXPECT_THAT(error.value("errorMessage", ""), HasSubstr("broken input"));
  ASSERT_TRUE(error.contains("stackTrace"));
  EXPECT_EQ(error["stackTrace"], nlohmann::json::array());

  const auto after = emulator.invoke(R"({"text":"still here"})");
  EXPECT_EQ(parse(after).value("echo", ""), "STILL HERE");
}

TEST(LambdaRuntimeEmulator, ThrowingHandlerIsReportedAsUnhandledException) {
  Emulator emulator("serve");
  const auto error = parse(emulator.invoke(R"({"throw":true})"));
  EXPECT_EQ(error.value("errorType", ""), "Runtime.UnhandledException");
  EXPECT_THAT(error.value("errorMessage", ""), HasSubstr("asked to throw"));
  EXPECT_EQ(parse(emulator.invoke(R"({"text":"x"})")).value("echo", ""), "X");
}

TEST(LambdaRuntimeEmulator, InitErrorIsReportedWithItsType) {
  Emulator emulator("init-error");
  const auto error = parse(emulator.invoke(R"({"text":"never handled"})"));
  EXPECT_EQ(error.value("errorType", ""), "test.InitFailed");
  EXPECT_THAT(error.value("errorMessage", ""), HasSubstr("fail its start-up"));
}

}  // namespace
}  // namespace dispatcher::adapters::lambda
