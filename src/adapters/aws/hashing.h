#pragma once

// SHA-256 and HMAC-SHA256 through OpenSSL's EVP interface, for SigV4.

#include <string>
#include <string_view>

namespace dispatcher::adapters::aws {

/// The 32-byte SHA-256 digest of `data`.
[[nodiscard]] std::string sha256(std::string_view data);

/// The SHA-256 digest of `data` as 64 lowercase hex characters.
[[nodiscard]] std::string sha256_hex(std::string_view data);

/// The 32-byte HMAC-SHA256 of `data` under `key`.
[[nodiscard]] std::string hmac_sha256(std::string_view key, std::string_view data);

}  // namespace dispatcher::adapters::aws
