#pragma once

// Test support: runs a helper process (the fault server, a private moto server) for the duration
// of a test and always stops it, by its own pid.

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace dispatcher::testing {

class ChildProcess {
 public:
  /// Starts argv[0] (looked up in PATH) with extra environment variables. Its stdout is readable
  /// with read_line() when capture_stdout, else discarded; stderr is inherited.
  ChildProcess(const std::vector<std::string>& argv,
               const std::vector<std::pair<std::string, std::string>>& environment,
               bool capture_stdout) {
    int pipe_fds[2] = {-1, -1};
    if (::pipe(pipe_fds) != 0) {
      throw std::runtime_error("pipe failed");
    }
    pid_ = ::fork();
    if (pid_ < 0) {
      throw std::runtime_error("fork failed");
    }
    if (pid_ == 0) {
      // Child: only async-signal-safe-ish work until exec.
      const int null_fd = ::open("/dev/null", O_WRONLY);
      ::dup2(capture_stdout ? pipe_fds[1] : null_fd, STDOUT_FILENO);
      ::close(pipe_fds[0]);
      ::close(pipe_fds[1]);
      for (const auto& [name, value] : environment) {
        ::setenv(name.c_str(), value.c_str(), 1);
      }
      std::vector<char*> arguments;
      for (const auto& argument : argv) {
        arguments.push_back(const_cast<char*>(argument.c_str()));
      }
      arguments.push_back(nullptr);
      ::execvp(arguments[0], arguments.data());
      ::_exit(127);
    }
    ::close(pipe_fds[1]);
    stdout_fd_ = pipe_fds[0];
  }

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { stop(); }

  /// The next line the child wrote to stdout, without the newline; throws after `timeout`.
  std::string read_line(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string line;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        throw std::runtime_error("child process wrote no line in time");
      }
      pollfd descriptor{.fd = stdout_fd_, .events = POLLIN, .revents = 0};
      if (::poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) {
        continue;
      }
      char c = 0;
      const auto n = ::read(stdout_fd_, &c, 1);
      if (n <= 0) {
        throw std::runtime_error("child process closed stdout: " + line);
      }
      if (c == '\n') {
        return line;
      }
      line.push_back(c);
    }
  }

  [[nodiscard]] pid_t pid() const { return pid_; }

  /// SIGTERM, then SIGKILL if the child has not exited within 5 s. Idempotent.
  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      for (int i = 0; i < 100; ++i) {
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
      }
    }
    if (stdout_fd_ >= 0) {
      ::close(stdout_fd_);
      stdout_fd_ = -1;
    }
  }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
};

/// A loopback TCP port that was free a moment ago (for servers that cannot report their own).
inline int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API takes sockaddr*
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  socklen_t length = sizeof(address);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

/// The Python to run test helpers with: $STACK_PYTHON when set, else python3 from PATH.
inline std::string test_python() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  const char* stack_python = std::getenv("STACK_PYTHON");
  return stack_python != nullptr && *stack_python != '\0' ? stack_python : "python3";
}

}  // namespace dispatcher::testing
