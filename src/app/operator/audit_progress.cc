#include "app/operator/audit_progress.h"

#include <mutex>
#include <ostream>

namespace dispatcher::app::operator_tools {
namespace {

std::mutex& err_mutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

void say(Console& console, const std::string& line) {
  const std::scoped_lock lock(err_mutex());
  console.err << line << "\n";
  console.err.flush();
}

}  // namespace dispatcher::app::operator_tools
