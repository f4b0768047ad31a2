#include "core/encoding/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace dispatcher::core::encoding {
namespace {

TEST(Base64, EncodesRfc4648TestVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesRfc4648TestVectors) {
  EXPECT_EQ(base64_decode("").value(), "");
  EXPECT_EQ(base64_decode("Zg==").value(), "f");
  EXPECT_EQ(base64_decode("Zm8=").value(), "fo");
  EXPECT_EQ(base64_decode("Zm9v").value(), "foo");
  EXPECT_EQ(base64_decode("Zm9vYmFy").value(), "foobar");
}

TEST(Base64, RoundTripsEveryByteValue) {
  std::string bytes;
  for (int value = 0; value < 256; ++value) {
    bytes.push_back(static_cast<char>(value));
  }
  for (std::size_t length = 0; length <= bytes.size(); length += 37) {
    const std::string prefix = bytes.substr(0, length);
    EXPECT_EQ(base64_decode(base64_encode(prefix)).value(), prefix);
  }
  EXPECT_EQ(base64_encode("\xff\xfe\xfd"), "//79");
}

TEST(Base64, RejectsLengthThatIsNotAMultipleOfFour) {
  const auto decoded = base64_decode("Zm9");
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, "InvalidBase64");
  EXPECT_FALSE(decoded.error().retryable());
  EXPECT_NE(decoded.error().message.find("multiple of 4"), std::string::npos);
}

TEST(Base64, NamesThePositionOfACharacterOutsideTheAlphabet) {
  const auto decoded = base64_decode("Zm9v*mFy");
  ASSERT_FALSE(decoded);
  EXPECT_NE(decoded.error().message.find("position 4"), std::string::npos)
      << decoded.error().message;
}

TEST(Base64, RejectsUrlSafeAlphabetAndWhitespace) {
  EXPECT_FALSE(base64_decode("__79"));
  EXPECT_FALSE(base64_decode("--79"));
  EXPECT_FALSE(base64_decode("Zm9v\nYmFy"));
}

TEST(Base64, RejectsPaddingInTheMiddle) {
  const auto decoded = base64_decode("Zg==Zm8=");
  ASSERT_FALSE(decoded);
  EXPECT_NE(decoded.error().message.find("position 2"), std::string::npos)
      << decoded.error().message;
  EXPECT_FALSE(base64_decode("Z==="));
  EXPECT_FALSE(base64_decode("===="));
}

TEST(Base64, RejectsNonZeroBitsBeforePadding) {
  // "Zh==" decodes to 'f' in lenient decoders but is not the canonical encoding of any bytes.
  EXPECT_FALSE(base64_decode("Zh=="));
  EXPECT_FALSE(base64_decode("Zm9="));
}

TEST(Base64Url, UsesUrlAlphabetWithoutPadding) {
  EXPECT_EQ(base64url_encode_unpadded("\xff\xfe\xfd"), "__79");
  EXPECT_EQ(base64url_encode_unpadded("\xfb\xef"), "--8");
  EXPECT_EQ(base64url_encode_unpadded("f"), "Zg");
  EXPECT_EQ(base64url_encode_unpadded(""), "");
}

}  // namespace
}  // namespace dispatcher::core::encoding
