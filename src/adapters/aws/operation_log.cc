#include "adapters/aws/operation_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>

#include "adapters/system/environment.h"

namespace dispatcher::adapters::aws {
namespace {

struct OperationLog {
  std::mutex mutex;
  std::set<std::string> actions;
  std::optional<std::filesystem::path> path =
      system::environment_variable(kOperationLogVariable)
          .and_then([](std::string value) -> std::optional<std::filesystem::path> {
            if (value.empty()) {
              return std::nullopt;
            }
            return std::filesystem::path(std::move(value));
          });
  bool reported_write_failure = false;
};

OperationLog& operation_log() {
  static OperationLog log;
  return log;
}

/// Closes a file descriptor on scope exit.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  FileDescriptor(FileDescriptor&&) = delete;
  FileDescriptor& operator=(FileDescriptor&&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

core::Error write_failure(const std::filesystem::path& path, std::string_view what) {
  return core::permanent_error("OperationLogWriteFailed",
                               "operation log " + path.string() + ": " + std::string(what) + ": " +
                                   std::generic_category().message(errno));
}

core::Status merge_into(const std::filesystem::path& path, const std::set<std::string>& actions) {
  const FileDescriptor file(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (file.get() < 0) {
    return core::fail(write_failure(path, "cannot open"));
  }
  // Test processes run in parallel and share one log file: merge under an exclusive lock.
  if (::flock(file.get(), LOCK_EX) != 0) {
    return core::fail(write_failure(path, "cannot lock"));
  }
  std::string existing;
  std::array<char, 4096> buffer{};
  while (true) {
    const auto n = ::read(file.get(), buffer.data(), buffer.size());
    if (n < 0) {
      return core::fail(write_failure(path, "cannot read"));
    }
    if (n == 0) {
      break;
    }
    existing.append(buffer.data(), static_cast<std::size_t>(n));
  }
  std::set<std::string> merged = actions;
  std::istringstream lines(existing);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) {
      merged.insert(line);
    }
  }
  std::string text;
  for (const auto& action : merged) {
    text += action;
    text += '\n';
  }
  if (::ftruncate(file.get(), 0) != 0 || ::lseek(file.get(), 0, SEEK_SET) != 0) {
    return core::fail(write_failure(path, "cannot rewrite"));
  }
  std::size_t written = 0;
  while (written < text.size()) {
    const auto n = ::write(file.get(), text.data() + written, text.size() - written);
    if (n < 0) {
      return core::fail(write_failure(path, "cannot write"));
    }
    written += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace

void record_operation(std::string_view action) {
  OperationLog& log = operation_log();
  const std::scoped_lock lock(log.mutex);
  const bool added = log.actions.emplace(action).second;
  if (!added || !log.path.has_value()) {
    return;
  }
  if (auto written = merge_into(*log.path, log.actions);
      !written.has_value() && !log.reported_write_failure) {
    log.reported_write_failure = true;
    std::cerr << written.error().describe() << '\n';
  }
}

std::vector<std::string> recorded_operations() {
  OperationLog& log = operation_log();
  const std::scoped_lock lock(log.mutex);
  return {log.actions.begin(), log.actions.end()};
}

core::Status write_operation_log(const std::filesystem::path& path) {
  OperationLog& log = operation_log();
  const std::scoped_lock lock(log.mutex);
  return merge_into(path, log.actions);
}

}  // namespace dispatcher::adapters::aws
