// SigV4 signing against the vectors AWS publishes: the IAM ListUsers example of the Signature
// Version 4 documentation and cases of the AWS SigV4 test suite (AKIDEXAMPLE, 2015-08-30).
#include "adapters/aws/signer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "adapters/aws/hashing.h"
#include "core/encoding/hex.h"

namespace dispatcher::adapters::aws {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::chrono::system_clock::time_point example_time() {
  using namespace std::chrono;
  return sys_days{year{2015} / August / 30} + hours{12} + minutes{36};
}

Credentials example_credentials() {
  return Credentials{.access_key_id = "AKIDEXAMPLE",
                     .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
}

std::string header_value(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key == name) {
      return value;
    }
  }
  return "<absent>";
}

/// Signs a request of the test suite (service "service", us-east-1) and returns Authorization.
std::string suite_authorization(std::string_view method, std::string_view url, Headers headers,
                                const Credentials& credentials = example_credentials()) {
  sign_request(method, url, headers, "", credentials, SigningScope{"us-east-1", "service"},
               example_time());
  return header_value(headers, "Authorization");
}

std::string suite_expected(std::string_view signed_headers, std::string_view signature) {
  return "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
         "SignedHeaders=" +
         std::string(signed_headers) + ", Signature=" + std::string(signature);
}

TEST(Hashing, MatchesKnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(core::encoding::hex_lower(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(SignRequest, ReproducesTheIamListUsersDocumentationExample) {
  Headers headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  sign_request("GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", headers, "",
               example_credentials(), SigningScope{"us-east-1", "iam"}, example_time());
  EXPECT_EQ(header_value(headers, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  EXPECT_EQ(header_value(headers, "host"), "iam.amazonaws.com");
  EXPECT_EQ(header_value(headers, "x-amz-date"), "20150830T123600Z");
}

TEST(SignRequest, ReproducesTestSuiteVanillaRequests) {
  EXPECT_EQ(suite_authorization("GET", "https://example.amazonaws.com/", {}),
            suite_expected("host;x-amz-date",
                           "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
  EXPECT_EQ(suite_authorization("POST", "https://example.amazonaws.com/", {}),
            suite_expected("host;x-amz-date",
                           "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"));
}

TEST(SignRequest, ReproducesTestSuiteQueryCases) {
  // get-vanilla-query-order-key-case: parameters are sorted.
  EXPECT_EQ(
      suite_authorization("GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1", {}),
      suite_expected("host;x-amz-date",
                     "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"));
  // get-vanilla-query-order-encoded: sorted by encoded key.
  EXPECT_EQ(
      suite_authorization(
          "GET", "https://example.amazonaws.com/?Param-3=Value3&Param=Value2&%E1%88%B4=Value1", {}),
      suite_expected("host;x-amz-date",
                     "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac"));
  // get-vanilla-utf8-query: a raw non-ASCII key is encoded.
  EXPECT_EQ(suite_authorization("GET", "https://example.amazonaws.com/?\xe1\x88\xb4=bar", {}),
            suite_expected("host;x-amz-date",
                           "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"));
  const std::string unreserved =
      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  EXPECT_EQ(suite_authorization(
                "GET", "https://example.amazonaws.com/?" + unreserved + "=" + unreserved, {}),
            suite_expected("host;x-amz-date",
                           "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"));
}

TEST(SignRequest, ReproducesTestSuitePathNormalisation) {
  const std::string vanilla = suite_expected(
      "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(suite_authorization("GET", "https://example.amazonaws.com/example/..", {}), vanilla);
  EXPECT_EQ(suite_authorization("GET", "https://example.amazonaws.com/example1/example2/../..", {}),
            vanilla);
  EXPECT_EQ(suite_authorization("GET", "https://example.amazonaws.com/./", {}), vanilla);
  EXPECT_EQ(suite_authorization("GET", "https://example.amazonaws.com//", {}), vanilla);
  EXPECT_EQ(suite_authorization("GET", "https://example.amazonaws.com/./example", {}),
            suite_expected("host;x-amz-date",
                           "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"));
  EXPECT_EQ(suite_authorization("GET", "https://example.amazonaws.com//example//", {}),
            suite_expected("host;x-amz-date",
                           "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"));
  EXPECT_EQ(suite_authorization("GET", "https://example.amazonaws.com/example space/", {}),
            suite_expected("host;x-amz-date",
                           "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"));
  EXPECT_EQ(suite_authorization("GET", "https://example.amazonaws.com/\xe1\x88\xb4", {}),
            suite_expected("host;x-amz-date",
                           "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"));
}

TEST(SignRequest, ReproducesTestSuiteHeaderCases) {
  // get-header-key-duplicate: repeated names join in order.
  EXPECT_EQ(suite_authorization(
                "GET", "https://example.amazonaws.com/",
                {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}}),
            suite_expected("host;my-header1;x-amz-date",
                           "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"));
  // get-header-value-order
  EXPECT_EQ(suite_authorization("GET", "https://example.amazonaws.com/",
                                {{"My-Header1", "value4"},
                                 {"My-Header1", "value1"},
                                 {"My-Header1", "value3"},
                                 {"My-Header1", "value2"}}),
            suite_expected("host;my-header1;x-amz-date",
                           "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"));
  // get-header-value-trim: inner runs of spaces fold, even inside quotes.
  EXPECT_EQ(suite_authorization("GET", "https://example.amazonaws.com/",
                                {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}}),
            suite_expected("host;my-header1;my-header2;x-amz-date",
                           "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"));
  // get-header-value-multiline: folded continuation lines become single spaces.
  EXPECT_EQ(suite_authorization("GET", "https://example.amazonaws.com/",
                                {{"My-Header1", "value1\n  value2\n     value3"}}),
            suite_expected("host;my-header1;x-amz-date",
                           "cfd34249e4b1c8d6b91ef74165d41a32e5fab3306300901bb65a51a73575eefd"));
  // post-header-value-case: values keep their case, names do not.
  EXPECT_EQ(
      suite_authorization("POST", "https://example.amazonaws.com/", {{"My-Header1", "VALUE1"}}),
      suite_expected("host;my-header1;x-amz-date",
                     "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"));
}

TEST(SignRequest, SignsTheSessionTokenWhenPresent) {
  Credentials credentials = example_credentials();
  credentials.session_token =
      "AQoDYXdzEPT//////////"
      "wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwth"
      "Ax7"
      "mSEI/qkPpKPi/"
      "kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8T"
      "x6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+"
      "scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
  Headers headers;
  sign_request("POST", "https://example.amazonaws.com/", headers, "", credentials,
               SigningScope{"us-east-1", "service"}, example_time());
  // post-sts-header-before
  EXPECT_EQ(header_value(headers, "Authorization"),
            suite_expected("host;x-amz-date;x-amz-security-token",
                           "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"));
  EXPECT_EQ(header_value(headers, "x-amz-security-token"), credentials.session_token);
}

TEST(SignRequest, ReplacesEarlierSignatureHeadersWhenSignedAgain) {
  Headers headers = {{"Content-Type", "application/x-amz-json-1.0"}};
  const auto scope = SigningScope{"eu-west-1", "dynamodb"};
  sign_request("POST", "https://dynamodb.eu-west-1.amazonaws.com/", headers, "{}",
               example_credentials(), scope, example_time());
  const Headers first = headers;
  sign_request("POST", "https://dynamodb.eu-west-1.amazonaws.com/", headers, "{}",
               example_credentials(), scope, example_time() + std::chrono::seconds(5));
  EXPECT_EQ(headers.size(), first.size());
  EXPECT_EQ(header_value(headers, "x-amz-date"), "20150830T123605Z");
  EXPECT_NE(header_value(headers, "Authorization"), header_value(first, "Authorization"));
}

TEST(SignRequest, AddsContentSha256WhenAsked) {
  Headers headers;
  sign_request("PUT", "https://example.amazonaws.com/", headers, "body", example_credentials(),
               SigningScope{"us-east-1", "service"}, example_time(), true);
  EXPECT_EQ(header_value(headers, "x-amz-content-sha256"), sha256_hex("body"));
  EXPECT_NE(header_value(headers, "Authorization").find("x-amz-content-sha256"), std::string::npos);
}

TEST(SignRequest, LeavesUserAgentAndTracingHeadersUnsigned) {
  Headers plain;
  Headers decorated = {{"User-Agent", "dispatcher/1.0"},
                       {"X-Amzn-Trace-Id", "Root=1-abc"},
                       {"traceparent", "00-abc-def-01"}};
  sign_request("GET", "https://example.amazonaws.com/", plain, "", example_credentials(),
               SigningScope{"us-east-1", "service"}, example_time());
  sign_request("GET", "https://example.amazonaws.com/", decorated, "", example_credentials(),
               SigningScope{"us-east-1", "service"}, example_time());
  EXPECT_EQ(header_value(decorated, "Authorization"), header_value(plain, "Authorization"));
}

TEST(SignRequest, KeepsAHostHeaderTheCallerSet) {
  Headers headers = {{"Host", "example.amazonaws.com"}};
  sign_request("GET", "http://127.0.0.1:8000/", headers, "", example_credentials(),
               SigningScope{"us-east-1", "service"}, example_time());
  EXPECT_EQ(header_value(headers, "host"), "<absent>");
  EXPECT_EQ(header_value(headers, "Authorization"),
            suite_expected("host;x-amz-date",
                           "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
}

TEST(PresignUrl, AppendsQueryAuthenticationAfterTheRequestParameters) {
  const std::string url =
      presign_url("GET", "https://kafka.us-east-1.amazonaws.com/?Action=kafka-cluster%3AConnect",
                  example_credentials(), SigningScope{"us-east-1", "kafka-cluster"}, example_time(),
                  std::chrono::seconds(900));
  const std::string prefix =
      "https://kafka.us-east-1.amazonaws.com/?Action=kafka-cluster%3AConnect"
      "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
      "&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fkafka-cluster%2Faws4_request"
      "&X-Amz-Date=20150830T123600Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host"
      "&X-Amz-Signature=";
  ASSERT_EQ(url.substr(0, prefix.size()), prefix);
  EXPECT_EQ(url.size(), prefix.size() + 64);
}

TEST(PresignUrl, CarriesTheSessionTokenEncoded) {
  Credentials credentials = example_credentials();
  credentials.session_token = "a+b/c=";
  const std::string url =
      presign_url("GET", "https://example.amazonaws.com/", credentials,
                  SigningScope{"us-east-1", "service"}, example_time(), std::chrono::seconds(60));
  EXPECT_NE(url.find("&X-Amz-Security-Token=a%2Bb%2Fc%3D&X-Amz-Signature="), std::string::npos)
      << url;
}

}  // namespace
}  // namespace dispatcher::adapters::aws
