#include "core/encoding/ascii.h"

#include <gtest/gtest.h>

#include <string>

namespace dispatcher::core::encoding {
namespace {

TEST(Ascii, TrimsTheSixAsciiSpacesAtBothEndsOnly) {
  EXPECT_EQ(trim_ascii(" \t\n\v\f\rEvents table\r\f\v\n\t "), "Events table");
  EXPECT_EQ(trim_ascii(" \t "), "");
  EXPECT_EQ(trim_ascii(""), "");
  EXPECT_EQ(trim_ascii("\xa0x\xa0"), "\xa0x\xa0");  // not ASCII: kept
}

TEST(Ascii, ChangesTheCaseOfAsciiLettersOnly) {
  EXPECT_EQ(ascii_lowercase("SASL_SSL-9 \xc3\x89"), "sasl_ssl-9 \xc3\x89");
  EXPECT_EQ(ascii_uppercase("scram-sha-512 \xc3\xa9"), "SCRAM-SHA-512 \xc3\xa9");
}

}  // namespace
}  // namespace dispatcher::core::encoding
