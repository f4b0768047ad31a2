#include "app/stream_logger.h"

#include <chrono>
#include <string_view>

namespace dispatcher::app {

core::observability::Logger stream_logger(const core::config::Environment& environment,
                                          core::config::LogLevel level, std::FILE* stream) {
  return {core::config::service_name_setting(environment), level,
          [stream](std::string_view line) {
            std::fwrite(line.data(), 1, line.size(), stream);
            std::fputc('\n', stream);
            std::fflush(stream);
          },
          [] { return std::chrono::system_clock::now(); }};
}

}  // namespace dispatcher::app
