#include "core/encoding/base64.h"

#include <array>
#include <cstdint>

namespace dispatcher::core::encoding {
namespace {

constexpr std::string_view kStandardAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::uint8_t kInvalid = 0xFF;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  table.fill(kInvalid);
  for (std::size_t index = 0; index < kStandardAlphabet.size(); ++index) {
    table[static_cast<unsigned char>(kStandardAlphabet[index])] = static_cast<std::uint8_t>(index);
  }
  return table;
}

constexpr std::array<std::uint8_t, 256> kDecodeTable = make_decode_table();

std::string encode(std::string_view bytes, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t index = 0;
  const auto byte_at = [&bytes](std::size_t position) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[position]));
  };
  for (; index + 3 <= bytes.size(); index += 3) {
    const std::uint32_t group =
        (byte_at(index) << 16U) | (byte_at(index + 1) << 8U) | byte_at(index + 2);
    out.push_back(alphabet[(group >> 18U) & 0x3FU]);
    out.push_back(alphabet[(group >> 12U) & 0x3FU]);
    out.push_back(alphabet[(group >> 6U) & 0x3FU]);
    out.push_back(alphabet[group & 0x3FU]);
  }
  const std::size_t remaining = bytes.size() - index;
  if (remaining == 1) {
    const std::uint32_t group = byte_at(index) << 16U;
    out.push_back(alphabet[(group >> 18U) & 0x3FU]);
    out.push_back(alphabet[(group >> 12U) & 0x3FU]);
    if (pad) {
      out.append("==");
    }
  } else if (remaining == 2) {
    const std::uint32_t group = (byte_at(index) << 16U) | (byte_at(index + 1) << 8U);
    out.push_back(alphabet[(group >> 18U) & 0x3FU]);
    out.push_back(alphabet[(group >> 12U) & 0x3FU]);
    out.push_back(alphabet[(group >> 6U) & 0x3FU]);
    if (pad) {
      out.push_back('=');
    }
  }
  return out;
}

Error invalid_at(std::size_t position, std::string_view what) {
  return permanent_error("InvalidBase64", "invalid base64 at position " + std::to_string(position) +
                                              ": " + std::string(what));
}

}  // namespace

std::string base64_encode(std::string_view bytes) { return encode(bytes, kStandardAlphabet, true); }

std::string base64url_encode_unpadded(std::string_view bytes) {
  return encode(bytes, kUrlAlphabet, false);
}

Result<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return fail(invalid_at(text.size(),
                           "length " + std::to_string(text.size()) + " is not a multiple of 4"));
  }
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') {
    padding = (text[text.size() - 2] == '=') ? 2 : 1;
  }
  const std::size_t data_length = text.size() - padding;
  std::string out;
  // Whole groups of four symbols first, written in place: Query pages carry every event's
  // payload as base64, so this loop is on the hot path. A group with an invalid symbol stops it;
  // the loop below then finds the exact position for the error.
  const std::size_t whole_groups = data_length / 4;
  out.resize(whole_groups * 3);
  std::size_t decoded_groups = 0;
  for (; decoded_groups < whole_groups; ++decoded_groups) {
    const char* symbols = text.data() + (decoded_groups * 4);
    const std::uint32_t a = kDecodeTable[static_cast<unsigned char>(symbols[0])];
    const std::uint32_t b = kDecodeTable[static_cast<unsigned char>(symbols[1])];
    const std::uint32_t c = kDecodeTable[static_cast<unsigned char>(symbols[2])];
    const std::uint32_t d = kDecodeTable[static_cast<unsigned char>(symbols[3])];
    if (((a | b | c | d) & 0x80U) != 0) {
      break;
    }
    const std::uint32_t group = (a << 18U) | (b << 12U) | (c << 6U) | d;
    char* bytes = out.data() + (decoded_groups * 3);
    bytes[0] = static_cast<char>((group >> 16U) & 0xFFU);
    bytes[1] = static_cast<char>((group >> 8U) & 0xFFU);
    bytes[2] = static_cast<char>(group & 0xFFU);
  }
  out.resize(decoded_groups * 3);
  out.reserve(text.size() / 4 * 3);
  std::uint32_t group = 0;
  std::size_t symbols_in_group = 0;
  for (std::size_t position = decoded_groups * 4; position < data_length; ++position) {
    const std::uint8_t value = kDecodeTable[static_cast<unsigned char>(text[position])];
    if (value == kInvalid) {
      return fail(invalid_at(position, text[position] == '='
                                           ? "padding '=' before the end"
                                           : "character outside the base64 alphabet"));
    }
    group = (group << 6U) | value;
    if (++symbols_in_group == 4) {
      out.push_back(static_cast<char>((group >> 16U) & 0xFFU));
      out.push_back(static_cast<char>((group >> 8U) & 0xFFU));
      out.push_back(static_cast<char>(group & 0xFFU));
      group = 0;
      symbols_in_group = 0;
    }
  }
  if (padding == 2) {
    // Two symbols carry 12 bits: one byte and four bits that must be zero.
    if ((group & 0x0FU) != 0) {
      return fail(invalid_at(data_length - 1, "non-zero unused bits before padding"));
    }
    out.push_back(static_cast<char>((group >> 4U) & 0xFFU));
  } else if (padding == 1) {
    // Three symbols carry 18 bits: two bytes and two bits that must be zero.
    if ((group & 0x03U) != 0) {
      return fail(invalid_at(data_length - 1, "non-zero unused bits before padding"));
    }
    out.push_back(static_cast<char>((group >> 10U) & 0xFFU));
    out.push_back(static_cast<char>((group >> 2U) & 0xFFU));
  }
  return out;
}

}  // namespace dispatcher::core::encoding
