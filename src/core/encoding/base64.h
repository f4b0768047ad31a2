#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace dispatcher::core::encoding {

/// Standard base64 (RFC 4648 section 4) with '=' padding.
[[nodiscard]] std::string base64_encode(std::string_view bytes);

/// Decodes standard padded base64 strictly: the length must be a multiple of 4, only the
/// alphabet A-Z a-z 0-9 + / is accepted, '=' only as one or two final padding characters, and the
/// unused bits of the last symbol must be zero (so every byte string has exactly one encoding).
/// Errors: permanent "InvalidBase64" whose message names the offending position (0-based).
[[nodiscard]] Result<std::string> base64_decode(std::string_view text);

/// URL-safe base64 (RFC 4648 section 5: '-' and '_') without padding.
[[nodiscard]] std::string base64url_encode_unpadded(std::string_view bytes);

}  // namespace dispatcher::core::encoding
