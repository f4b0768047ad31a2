// The pure half of MSK IAM tokens against golden values from the official signer
// (msk_iam_token_golden.json, made by msk_iam_token_golden.py). The presigning half, and the
// whole token byte for byte, are compared in tests/integration/aws/msk_iam_token_test.cc.

#include "core/aws/msk_iam_token.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/encoding/base64.h"

namespace dispatcher::core::aws {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

nlohmann::json golden_cases() {
  std::ifstream file(MSK_IAM_TOKEN_GOLDEN_FILE);
  std::stringstream text;
  text << file.rdbuf();
  const auto document = nlohmann::json::parse(text.str());
  return document.at("cases");
}

std::string decode_base64url(std::string text) {
  for (char& c : text) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    }
  }
  while (text.size() % 4 != 0) {
    text += '=';
  }
  auto decoded = encoding::base64_decode(text);
  EXPECT_TRUE(decoded.has_value());
  return decoded.value_or("");
}

system_clock::time_point from_ms(std::int64_t ms) {
  return system_clock::time_point(milliseconds(ms));
}

TEST(MskIamToken, GoldenFileHoldsBothCredentialKinds) {
  const auto cases = golden_cases();
  ASSERT_EQ(cases.size(), 2U);
  EXPECT_EQ(cases[0].at("session_token"), "");
  EXPECT_NE(cases[1].at("session_token"), "");
}

TEST(MskIamToken, ReencodesTheOfficialSignersPresignedUrlToTheSameTokenAndExpiry) {
  for (const auto& golden : golden_cases()) {
    SCOPED_TRACE(golden.at("name").get<std::string>());
    const std::string url = decode_base64url(golden.at("token"));
    const std::string user_agent_parameter = "&User-Agent=";
    const auto at = url.rfind(user_agent_parameter);
    ASSERT_NE(at, std::string::npos);
    const std::string presigned = url.substr(0, at);

    const MskIamToken token = msk_iam_token(presigned, golden.at("user_agent").get<std::string>(),
                                            from_ms(golden.at("signing_time_ms")));

    EXPECT_EQ(token.value, golden.at("token").get<std::string>());
    EXPECT_EQ(token.expiry, from_ms(golden.at("expiry_ms")));
  }
}

TEST(MskIamToken, PresignsTheRegionsConnectActionAsTheOfficialSignerDoes) {
  for (const auto& golden : golden_cases()) {
    const std::string url = decode_base64url(golden.at("token"));
    EXPECT_TRUE(url.starts_with(msk_iam_connect_url(golden.at("region").get<std::string>()) + "&"))
        << url;
    EXPECT_NE(url.find("X-Amz-Expires=900&"), std::string::npos);
  }
  EXPECT_EQ(msk_iam_connect_url("ap-southeast-2"),
            "https://kafka.ap-southeast-2.amazonaws.com/?Action=kafka-cluster%3AConnect");
}

TEST(MskIamToken, TokenIsUnpaddedUrlSafeBase64) {
  // Lengths 1, 2 and 3 modulo 3 of the URL cover every padding case.
  for (const std::string url : {"https://a/?x", "https://a/?xy", "https://a/?xyz"}) {
    const MskIamToken token = msk_iam_token(url, "agent/1 +~", system_clock::time_point{});
    EXPECT_EQ(token.value.find_first_of("=+/"), std::string::npos) << token.value;
    EXPECT_EQ(decode_base64url(token.value), url + "&User-Agent=agent%2F1%20%2B~");
  }
}

TEST(MskIamToken, ExpiryIsTheWholeSecondOfSigningPlusFifteenMinutes) {
  const system_clock::time_point signed_at = from_ms(1'700'000'000'999);
  const MskIamToken token = msk_iam_token("https://k/?a", "ua", signed_at);
  EXPECT_EQ(token.expiry, from_ms(1'700'000'000'000) + seconds(900));
}

TEST(MskIamToken, ExpiryFollowsAShorterLifetimeWhenOneIsGiven) {
  const system_clock::time_point signed_at = from_ms(1'700'000'000'999);
  const MskIamToken token = msk_iam_token("https://k/?a", "ua", signed_at, seconds(4));
  EXPECT_EQ(token.expiry, from_ms(1'700'000'000'000) + seconds(4));
}

TEST(MskIamTokenRefresh, FreshTokenIsKept) {
  const system_clock::time_point now = from_ms(1'700'000'000'000);
  EXPECT_FALSE(token_needs_refresh(now + seconds(900), now));
  EXPECT_FALSE(token_needs_refresh(now + kMskIamRefreshMargin + seconds(1), now));
}

TEST(MskIamTokenRefresh, TokenIsReplacedWithinTheMarginOfItsExpiry) {
  const system_clock::time_point now = from_ms(1'700'000'000'000);
  EXPECT_TRUE(token_needs_refresh(now + kMskIamRefreshMargin, now));
  EXPECT_TRUE(token_needs_refresh(now + seconds(1), now));
}

TEST(MskIamTokenRefresh, ExpiredTokenAfterAFreezeIsReplaced) {
  const system_clock::time_point signed_at = from_ms(1'700'000'000'000);
  const MskIamToken token = msk_iam_token("https://k/?a", "ua", signed_at);
  // A Lambda frozen for an hour thaws with a token that expired 45 minutes ago.
  EXPECT_TRUE(token_needs_refresh(token.expiry, signed_at + std::chrono::hours(1)));
  EXPECT_TRUE(token_needs_refresh(token.expiry, token.expiry, seconds(0)));
}

}  // namespace
}  // namespace dispatcher::core::aws
