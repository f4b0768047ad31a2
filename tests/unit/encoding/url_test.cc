#include "core/encoding/url.h"

#include <gtest/gtest.h>

#include <string>

namespace dispatcher::core::encoding {
namespace {

TEST(UriEncode, KeepsOnlyUnreservedCharactersAndUsesUppercaseHex) {
  EXPECT_EQ(uri_encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(uri_encode("a b/c+d=e&f*g"), "a%20b%2Fc%2Bd%3De%26f%2Ag");
  EXPECT_EQ(uri_encode("\xc3\xa9"), "%C3%A9");
  EXPECT_EQ(uri_encode("%"), "%25");
}

TEST(UriEncode, KeepsTheExtraCharactersAskedFor) { EXPECT_EQ(uri_encode("/a b/", "/"), "/a%20b/"); }

TEST(UriDecode, DecodesPercentSequencesInEitherCase) {
  EXPECT_EQ(uri_decode("a%20b%2fc%2F"), "a b/c/");
  EXPECT_EQ(uri_decode("%C3%A9"), "\xc3\xa9");
}

TEST(UriDecode, KeepsPlusAndMalformedPercentLiterally) {
  EXPECT_EQ(uri_decode("a+b"), "a+b");
  EXPECT_EQ(uri_decode("100%"), "100%");
  EXPECT_EQ(uri_decode("%zz%4"), "%zz%4");
}

TEST(SplitUrl, SplitsAllFiveParts) {
  const UrlParts parts = split_url("https://user@Host:8443/a/b?x=1&y#frag");
  EXPECT_EQ(parts.scheme, "https");
  EXPECT_EQ(parts.authority, "user@Host:8443");
  EXPECT_EQ(parts.path, "/a/b");
  EXPECT_EQ(parts.query, "x=1&y");
  EXPECT_TRUE(parts.has_query);
  EXPECT_EQ(parts.fragment, "frag");
}

TEST(SplitUrl, AllowsMissingPathAndQuery) {
  const UrlParts parts = split_url("http://localhost:8000");
  EXPECT_EQ(parts.authority, "localhost:8000");
  EXPECT_EQ(parts.path, "");
  EXPECT_FALSE(parts.has_query);
  const UrlParts with_query = split_url("http://h?a=b");
  EXPECT_EQ(with_query.path, "");
  EXPECT_EQ(with_query.query, "a=b");
}

TEST(HostHeaderValue, DropsUserinfoDefaultPortAndLowercases) {
  EXPECT_EQ(host_header_value("https", "me@Example.COM:443"), "example.com");
  EXPECT_EQ(host_header_value("http", "example.com:80"), "example.com");
  EXPECT_EQ(host_header_value("http", "example.com:443"), "example.com:443");
  EXPECT_EQ(host_header_value("https", "localhost:8000"), "localhost:8000");
  EXPECT_EQ(host_header_value("http", "[::1]:8000"), "[::1]:8000");
}

TEST(ParseHttpUrl, AcceptsHostPortAndPath) {
  const auto url = parse_http_url("HTTP://LocalHost:8000");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->scheme, "http");
  EXPECT_EQ(url->host, "localhost");
  EXPECT_EQ(url->port, 8000);
  EXPECT_EQ(url->path, "/");
  const auto with_path = parse_http_url("https://[::1]/v1/creds?x=1");
  ASSERT_TRUE(with_path);
  EXPECT_EQ(with_path->host, "[::1]");
  EXPECT_FALSE(with_path->port.has_value());
  EXPECT_EQ(with_path->path, "/v1/creds");
  EXPECT_EQ(with_path->query, "x=1");
}

TEST(ParseHttpUrl, RejectsWhatAnHttpClientCannotUse) {
  for (const char* text :
       {"localhost:8000", "ftp://host", "http://", "http://:80", "http://host:port",
        "http://host:70000", "http://host:", "http://host/a b", "http://host/#x"}) {
    const auto url = parse_http_url(text);
    EXPECT_FALSE(url) << text;
    if (!url) {
      EXPECT_EQ(url.error().code, "InvalidUrl");
    }
  }
}

}  // namespace
}  // namespace dispatcher::core::encoding
