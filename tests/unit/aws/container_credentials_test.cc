#include "core/aws/container_credentials.h"

#include <gtest/gtest.h>

#include "environment_fixture.h"

namespace dispatcher::core::aws {
namespace {

using testing::fake_environment;
using namespace std::chrono;

TEST(ContainerCredentialsEndpoint, IsAbsentWithoutEitherVariable) {
  const auto endpoint = container_credentials_endpoint(fake_environment({}));
  ASSERT_TRUE(endpoint);
  EXPECT_FALSE(endpoint->has_value());
}

TEST(ContainerCredentialsEndpoint, PrefixesTheRelativeUriWithTheEcsAgent) {
  const auto endpoint = container_credentials_endpoint(
      fake_environment({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"},
                        {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/ignored"}}));
  ASSERT_TRUE(endpoint && *endpoint);
  EXPECT_EQ((*endpoint)->url, "http://169.254.170.2/v2/credentials/abc");
}

TEST(ContainerCredentialsEndpoint, AcceptsFullUrisToLoopbackAgentsOrHttps) {
  for (const char* url :
       {"http://127.0.0.1:8080/creds", "http://127.5.6.7/creds", "http://localhost/x",
        "http://[::1]:80/x", "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/x",
        "https://credentials.example.com/x"}) {
    const auto endpoint = container_credentials_endpoint(
        fake_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", url}}));
    ASSERT_TRUE(endpoint) << url << ": " << endpoint.error().message;
    ASSERT_TRUE(*endpoint);
    EXPECT_EQ((*endpoint)->url, url);
  }
}

TEST(ContainerCredentialsEndpoint, RefusesClearTextToOtherHosts) {
  for (const char* url :
       {"http://example.com/creds", "http://128.0.0.1/x", "http://127.0.0/x", "not a url"}) {
    const auto endpoint = container_credentials_endpoint(
        fake_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", url}}));
    ASSERT_FALSE(endpoint) << url;
    EXPECT_EQ(endpoint.error().code, "InvalidContainerCredentialsUri");
    EXPECT_NE(endpoint.error().message.find("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
              std::string::npos);
  }
}

TEST(ContainerCredentialsEndpoint, TakesTheTokenFileOverTheToken) {
  const auto endpoint = container_credentials_endpoint(
      fake_environment({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds"},
                        {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "inline"},
                        {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/token"}}));
  ASSERT_TRUE(endpoint && *endpoint);
  EXPECT_EQ((*endpoint)->authorization_token_file, "/var/run/token");
  EXPECT_EQ((*endpoint)->authorization_token, "");

  const auto inline_token = container_credentials_endpoint(
      fake_environment({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds"},
                        {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "inline"}}));
  EXPECT_EQ((*inline_token)->authorization_token, "inline");
}

TEST(ContainerCredentialsEndpoint, RejectsATokenThatCannotBeAHeaderWithoutQuotingIt) {
  const auto endpoint = container_credentials_endpoint(
      fake_environment({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds"},
                        {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "s3cr3t\r\nX-Evil: 1"}}));
  ASSERT_FALSE(endpoint);
  EXPECT_EQ(endpoint.error().code, "InvalidContainerAuthorizationToken");
  EXPECT_EQ(endpoint.error().message.find("s3cr3t"), std::string::npos);
}

TEST(ParseContainerCredentials, ReadsTheAgentDocument) {
  const auto credentials = parse_container_credentials(R"({
      "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "secret", "Token": "token",
      "Expiration": "2024-05-01T12:34:56Z", "RoleArn": "arn:aws:iam::1:role/x"})");
  ASSERT_TRUE(credentials) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "ASIAEXAMPLE");
  EXPECT_EQ(credentials->secret_access_key, "secret");
  EXPECT_EQ(credentials->session_token, "token");
  EXPECT_EQ(credentials->expiration,
            sys_days{year{2024} / May / 1} + hours{12} + minutes{34} + seconds{56});
}

TEST(ParseContainerCredentials, NamesTheMissingFieldWithoutQuotingSecrets) {
  const auto credentials =
      parse_container_credentials(R"({"AccessKeyId": "A", "SecretAccessKey": "s3cr3t"})");
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.error().code, "InvalidCredentialsResponse");
  EXPECT_EQ(credentials.error().message, "container credentials response: missing Token");
  EXPECT_EQ(parse_container_credentials("not json").error().message,
            "container credentials response: not a JSON object");
  EXPECT_NE(parse_container_credentials(
                R"({"AccessKeyId":"A","SecretAccessKey":"s","Token":"t","Expiration":"soon"})")
                .error()
                .message.find("Expiration"),
            std::string::npos);
}

TEST(ParseContainerCredentials, ReportsTheAgentsErrorDocument) {
  const auto credentials =
      parse_container_credentials(R"({"code": "AccessDenied", "message": "no role"})");
  ASSERT_FALSE(credentials);
  EXPECT_NE(credentials.error().message.find("AccessDenied: no role"), std::string::npos);
}

TEST(ParseIso8601, ReadsZuluFractionsAndOffsets) {
  const auto base = sys_days{year{2024} / January / 1};
  EXPECT_EQ(parse_iso8601("2024-01-01T00:00:00Z").value(), base);
  EXPECT_EQ(parse_iso8601("2024-01-01T00:00:00.250Z").value(), base + milliseconds(250));
  EXPECT_EQ(parse_iso8601("2024-01-01T02:00:00+02:00").value(), base);
  EXPECT_EQ(parse_iso8601("2023-12-31T23:30:00-00:30").value(), base);
}

TEST(ParseIso8601, RejectsOtherShapes) {
  for (const char* text :
       {"", "2024-01-01", "2024-01-01T00:00:00", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z",
        "2024-01-01T24:00:00Z", "2024-01-01T00:00:00Zx", "2024-01-01T00:00:00.Z", "1704067200"}) {
    const auto parsed = parse_iso8601(text);
    EXPECT_FALSE(parsed) << text;
    if (!parsed) {
      EXPECT_EQ(parsed.error().code, "InvalidTimestamp");
    }
  }
}

// Found by tests/fuzz/credentials_fuzz: years outside system_clock's nanosecond range overflowed
// int64 while converting, which is undefined behaviour and gave an arbitrary instant: Go's zero
// time came out in 2185, an expiration that never comes.
TEST(ParseIso8601, ClampsYearsOutsideTheClocksRangeInsteadOfOverflowing) {
  const auto earliest = sys_days{year{1678} / January / 1};
  const auto latest = sys_days{year{2262} / January / 1};
  for (const char* text :
       {"0001-01-01T00:00:00Z", "1097-01-01T00:00:60.999999999-23:59", "1677-09-21T00:12:43Z"}) {
    const auto parsed = parse_iso8601(text);
    ASSERT_TRUE(parsed) << text;
    EXPECT_LT(*parsed, earliest) << text;
  }
  for (const char* text : {"2262-04-12T00:00:00Z", "9999-12-31T23:59:59Z"}) {
    const auto parsed = parse_iso8601(text);
    ASSERT_TRUE(parsed) << text;
    EXPECT_GT(*parsed, latest) << text;
  }
  EXPECT_LT(parse_iso8601("0001-01-01T00:00:00Z").value(),
            parse_iso8601("1970-01-01T00:00:00Z").value());
}

}  // namespace
}  // namespace dispatcher::core::aws
