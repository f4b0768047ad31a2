#include "adapters/system/ca_bundle.h"

#include <filesystem>
#include <fstream>
#include <system_error>

namespace dispatcher::adapters::system {
namespace {

core::Error not_found(std::string message) {
  return core::permanent_error("CaBundleNotFound", std::move(message), "config");
}

}  // namespace

bool is_readable_file(const std::string& path) {
  std::error_code ignored;
  if (!std::filesystem::is_regular_file(path, ignored)) {
    return false;
  }
  const std::ifstream file(path, std::ios::binary);
  return file.good();
}

core::Result<std::string> locate_ca_bundle(std::string_view explicit_path,
                                           const FileReadable& readable) {
  if (!explicit_path.empty()) {
    std::string path(explicit_path);
    if (!readable(path)) {
      return core::fail(
          not_found("DISPATCHER_CA_BUNDLE names " + path + ", which is not a readable file"));
    }
    return path;
  }
  std::string tried;
  for (const std::string_view location : kCaBundleLocations) {
    std::string path(location);
    if (readable(path)) {
      return path;
    }
    tried += tried.empty() ? "" : ", ";
    tried += path;
  }
  return core::fail(not_found("no CA certificate bundle found (tried " + tried +
                              "); set DISPATCHER_CA_BUNDLE to a PEM file of trusted CAs"));
}

}  // namespace dispatcher::adapters::system
