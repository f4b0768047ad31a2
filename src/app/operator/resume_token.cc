#include "app/operator/resume_token.h"

#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

namespace dispatcher::app::operator_tools {

namespace ops = core::operator_tools;

core::Result<std::optional<ops::ScanProgress>> load_resume_token(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return std::optional<ops::ScanProgress>{};
  }
  const auto json = nlohmann::json::parse(file, nullptr, false);
  if (json.is_discarded()) {
    return core::fail(
        core::permanent_error("InvalidResumeToken", "resume token " + path + " is not JSON"));
  }
  auto progress = ops::scan_progress_from_json(json);
  if (!progress) {
    return core::fail(std::move(progress.error()));
  }
  return std::optional<ops::ScanProgress>{std::move(*progress)};
}

core::Status save_resume_token(const std::string& path, const ops::ScanProgress& progress) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::trunc);
    file << ops::scan_progress_to_json(progress).dump() << "\n";
    if (!file.flush()) {
      return core::fail(
          core::permanent_error("ResumeTokenWriteFailed", "cannot write " + temporary));
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    return core::fail(core::permanent_error("ResumeTokenWriteFailed",
                                            "cannot rename " + temporary + ": " + error.message()));
  }
  return {};
}

}  // namespace dispatcher::app::operator_tools
