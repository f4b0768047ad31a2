#include "core/sigv4/canonical_request.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace dispatcher::core::sigv4 {
namespace {

std::chrono::system_clock::time_point example_time() {
  using namespace std::chrono;
  return sys_days{year{2015} / August / 30} + hours{12} + minutes{36};
}

TEST(AmzDate, PrintsUtcBasicFormatToTheSecond) {
  EXPECT_EQ(amz_date(example_time()), "20150830T123600Z");
  EXPECT_EQ(amz_date(example_time() + std::chrono::milliseconds(999)), "20150830T123600Z");
  using namespace std::chrono;
  EXPECT_EQ(amz_date(sys_days{year{2024} / February / 29} + hours{23} + minutes{59} + seconds{59}),
            "20240229T235959Z");
  EXPECT_EQ(amz_date(sys_days{year{1999} / December / 31} + seconds{1}), "19991231T000001Z");
}

TEST(CredentialScope, JoinsDateRegionServiceAndTerminator) {
  EXPECT_EQ(credential_scope("20150830T123600Z", "us-east-1", "iam"),
            "20150830/us-east-1/iam/aws4_request");
}

TEST(NormalizePath, RemovesDotSegmentsAndEmptySegments) {
  EXPECT_EQ(normalize_path(""), "/");
  EXPECT_EQ(normalize_path("/"), "/");
  EXPECT_EQ(normalize_path("//"), "/");
  EXPECT_EQ(normalize_path("/example/.."), "/");
  EXPECT_EQ(normalize_path("/example1/example2/../.."), "/");
  EXPECT_EQ(normalize_path("/./example"), "/example");
  EXPECT_EQ(normalize_path("//example//"), "/example/");
  EXPECT_EQ(normalize_path("/a/b/../c/./d/"), "/a/c/d/");
  EXPECT_EQ(normalize_path("/../a"), "/a");
}

TEST(CanonicalUri, EncodesTheSentPathAgainExceptForS3) {
  EXPECT_EQ(canonical_uri("/example space/", PathEncoding::kNormalizeAndEncodeAgain),
            "/example%20space/");
  EXPECT_EQ(canonical_uri("/a%20b/c%2Fd", PathEncoding::kNormalizeAndEncodeAgain),
            "/a%2520b/c%252Fd");
  EXPECT_EQ(canonical_uri("/\xe1\x88\xb4", PathEncoding::kNormalizeAndEncodeAgain), "/%E1%88%B4");
  EXPECT_EQ(canonical_uri("/-._~az", PathEncoding::kNormalizeAndEncodeAgain), "/-._~az");
  EXPECT_EQ(canonical_uri("/a%20b/../c", PathEncoding::kAsSent), "/a%20b/../c");
  EXPECT_EQ(canonical_uri("", PathEncoding::kAsSent), "/");
}

TEST(CanonicalQueryString, SortsByKeyThenValueAndKeepsRepeatedKeys) {
  EXPECT_EQ(canonical_query_string("Param2=value2&Param1=value1"), "Param1=value1&Param2=value2");
  EXPECT_EQ(canonical_query_string("b=2&a=z&a=y"), "a=y&a=z&b=2");
  EXPECT_EQ(canonical_query_string("Param-3=Value3&Param=Value2&%E1%88%B4=Value1"),
            "%E1%88%B4=Value1&Param=Value2&Param-3=Value3");
}

TEST(CanonicalQueryString, GivesEmptyValuesAnEqualsSign) {
  EXPECT_EQ(canonical_query_string("acl"), "acl=");
  EXPECT_EQ(canonical_query_string("b=&a"), "a=&b=");
  EXPECT_EQ(canonical_query_string(""), "");
  EXPECT_EQ(canonical_query_string("a=1&&b=2"), "a=1&b=2");
}

TEST(CanonicalQueryString, ReencodesWhateverEncodingTheUrlUsed) {
  EXPECT_EQ(canonical_query_string("k=a%2fb"), "k=a%2Fb");
  EXPECT_EQ(canonical_query_string("k=a/b*c"), "k=a%2Fb%2Ac");
  EXPECT_EQ(canonical_query_string("k=%7e"), "k=~");
  EXPECT_EQ(canonical_query_string("k=a+b"), "k=a%2Bb");
  EXPECT_EQ(canonical_query_string("k=\xc3\xa9"), "k=%C3%A9");
}

TEST(CanonicalHeaders, LowercasesTrimsFoldsSortsAndJoinsRepeats) {
  const CanonicalHeaders headers = canonical_headers({{"X-Amz-Date", "20150830T123600Z"},
                                                      {"My-Header1", "  a   b \t c  "},
                                                      {"host", "example.amazonaws.com"},
                                                      {"my-header1", "second"},
                                                      {"Empty", ""}});
  EXPECT_EQ(headers.block,
            "empty:\nhost:example.amazonaws.com\nmy-header1:a b c,second\n"
            "x-amz-date:20150830T123600Z\n");
  EXPECT_EQ(headers.signed_headers, "empty;host;my-header1;x-amz-date");
}

TEST(CanonicalHeaders, LeavesOutHeadersProxiesRewrite) {
  const CanonicalHeaders headers = canonical_headers(
      {{"User-Agent", "x"}, {"Expect", "100-continue"}, {"host", "h"}, {"X-Amzn-Trace-Id", "t"}});
  EXPECT_EQ(headers.signed_headers, "host");
  EXPECT_FALSE(is_signed_header("transfer-encoding"));
  EXPECT_TRUE(is_signed_header("content-type"));
}

TEST(CanonicalRequest, ReproducesTheIamListUsersDocumentationExample) {
  const Headers headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                           {"host", "iam.amazonaws.com"},
                           {"x-amz-date", "20150830T123600Z"}};
  EXPECT_EQ(
      canonical_request("GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
                        headers, kEmptyPayloadSha256, PathEncoding::kNormalizeAndEncodeAgain),
      "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
      "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
      "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
      "content-type;host;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(StringToSign, ReproducesTheIamListUsersDocumentationExample) {
  EXPECT_EQ(string_to_sign("20150830T123600Z", "20150830/us-east-1/iam/aws4_request",
                           "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
}

TEST(AuthorizationHeader, HasTheDocumentedLayout) {
  EXPECT_EQ(authorization_header("AKIDEXAMPLE", "20150830/us-east-1/iam/aws4_request",
                                 "content-type;host;x-amz-date", "5d67"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, Signature=5d67");
}

TEST(PresignRequest, PutsRequestParametersBeforeAuthenticationParameters) {
  const PresignRequest request = presign_request(
      "GET", "HTTPS://Kafka.example.com/path?Action=kafka-cluster%3aConnect&b", "AKID", "to/ken+",
      "20150830T123600Z", "20150830/us-east-1/kafka-cluster/aws4_request",
      std::chrono::seconds(900), PathEncoding::kNormalizeAndEncodeAgain);
  EXPECT_EQ(request.url_without_signature,
            "https://Kafka.example.com/path?Action=kafka-cluster%3AConnect&b="
            "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fkafka-cluster%2Faws4_request"
            "&X-Amz-Date=20150830T123600Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host"
            "&X-Amz-Security-Token=to%2Fken%2B");
  EXPECT_EQ(request.canonical_request,
            "GET\n/path\n"
            "Action=kafka-cluster%3AConnect"
            "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fkafka-cluster%2Faws4_request"
            "&X-Amz-Date=20150830T123600Z&X-Amz-Expires=900"
            "&X-Amz-Security-Token=to%2Fken%2B&X-Amz-SignedHeaders=host&b=\n"
            "host:kafka.example.com\n\nhost\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(PresignRequest, OmitsTheTokenWhenThereIsNone) {
  const PresignRequest request =
      presign_request("GET", "https://h/", "AKID", "", "20150830T123600Z", "s",
                      std::chrono::seconds(60), PathEncoding::kNormalizeAndEncodeAgain);
  EXPECT_EQ(request.url_without_signature.find("X-Amz-Security-Token"), std::string::npos);
  EXPECT_TRUE(request.url_without_signature.ends_with("&X-Amz-SignedHeaders=host"));
}

}  // namespace
}  // namespace dispatcher::core::sigv4
