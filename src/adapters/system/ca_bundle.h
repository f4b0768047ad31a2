#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace dispatcher::adapters::system {

/// Where Linux distributions keep the PEM bundle of trusted CAs, in the order they are tried:
/// Amazon Linux / RHEL (the Lambda provided.al2023 image), Debian / Ubuntu, then others.
inline constexpr std::array<std::string_view, 4> kCaBundleLocations = {
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
};

/// True when `path` names a readable regular file.
using FileReadable = std::function<bool(const std::string& path)>;

/// True when `path` is a regular file this process can open for reading.
[[nodiscard]] bool is_readable_file(const std::string& path);

/// The CA bundle every TLS client of the process uses (libcurl for AWS, librdkafka for Kafka):
/// `explicit_path` (DISPATCHER_CA_BUNDLE) when set, else the first readable kCaBundleLocations
/// entry. The bundled binary cannot rely on its libraries' compiled-in defaults, which point at
/// the build machine's layout. Error (permanent "CaBundleNotFound", service "config"): the
/// explicit file cannot be read, or no known location has one; the message lists what was tried.
[[nodiscard]] core::Result<std::string> locate_ca_bundle(
    std::string_view explicit_path, const FileReadable& readable = is_readable_file);

}  // namespace dispatcher::adapters::system
