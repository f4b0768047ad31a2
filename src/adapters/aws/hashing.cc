#include "adapters/aws/hashing.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <memory>
#include <stdexcept>

#include "core/encoding/bytes.h"
#include "core/encoding/hex.h"

namespace dispatcher::adapters::aws {
namespace {

using core::encoding::bytes_of;

struct MessageDigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const noexcept { EVP_MD_CTX_free(context); }
};
struct MacDeleter {
  void operator()(EVP_MAC* mac) const noexcept { EVP_MAC_free(mac); }
};
struct MacContextDeleter {
  void operator()(EVP_MAC_CTX* context) const noexcept { EVP_MAC_CTX_free(context); }
};

using MessageDigestContext = std::unique_ptr<EVP_MD_CTX, MessageDigestContextDeleter>;
using Mac = std::unique_ptr<EVP_MAC, MacDeleter>;
using MacContext = std::unique_ptr<EVP_MAC_CTX, MacContextDeleter>;

constexpr std::size_t kDigestLength = 32;
using Digest = std::array<unsigned char, kDigestLength>;

std::string text_of(const Digest& digest) { return {digest.begin(), digest.end()}; }

// OpenSSL failing to hash in memory means the library is broken or out of memory: an invariant
// violation, not an error value a caller could handle.
[[noreturn]] void openssl_failed(const char* what) {
  throw std::runtime_error(std::string("OpenSSL failed: ") + what);
}

/// The HMAC algorithm, fetched once: fetching is the expensive part of using EVP_MAC.
EVP_MAC* hmac_algorithm() {
  static const Mac kHmac{EVP_MAC_fetch(nullptr, "HMAC", nullptr)};
  if (!kHmac) {
    openssl_failed("EVP_MAC_fetch(HMAC)");
  }
  return kHmac.get();
}

}  // namespace

std::string sha256(std::string_view data) {
  // The context is reused by each thread; creating one per call costs an allocation.
  thread_local const MessageDigestContext kContext{EVP_MD_CTX_new()};
  Digest digest{};
  unsigned int length = 0;
  if (!kContext || EVP_DigestInit_ex(kContext.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(kContext.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(kContext.get(), digest.data(), &length) != 1 || length != kDigestLength) {
    openssl_failed("SHA-256");
  }
  return text_of(digest);
}

std::string sha256_hex(std::string_view data) { return core::encoding::hex_lower(sha256(data)); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
  // One context per thread, re-keyed on each call: creating a context costs more than the MAC.
  thread_local const MacContext kContext{EVP_MAC_CTX_new(hmac_algorithm())};
  std::array<char, 7> digest_name{'S', 'H', 'A', '2', '5', '6', '\0'};
  const std::array<OSSL_PARAM, 2> parameters = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name.data(), 0),
      OSSL_PARAM_construct_end()};
  Digest mac{};
  std::size_t length = 0;
  // A non-null key pointer even for an empty key: EVP_MAC_init treats null as "keep the old key".
  const unsigned char empty = 0;
  const unsigned char* key_bytes = key.empty() ? &empty : bytes_of(key);
  if (!kContext || EVP_MAC_init(kContext.get(), key_bytes, key.size(), parameters.data()) != 1 ||
      EVP_MAC_update(kContext.get(), bytes_of(data), data.size()) != 1 ||
      EVP_MAC_final(kContext.get(), mac.data(), &length, mac.size()) != 1 ||
      length != kDigestLength) {
    openssl_failed("HMAC-SHA256");
  }
  return text_of(mac);
}

}  // namespace dispatcher::adapters::aws
