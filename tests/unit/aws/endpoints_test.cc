#include "core/aws/endpoints.h"

#include <gtest/gtest.h>

#include "environment_fixture.h"

namespace dispatcher::core::aws {
namespace {

using testing::fake_environment;

TEST(RegionFromEnvironment, PrefersAwsRegionOverAwsDefaultRegion) {
  EXPECT_EQ(region_from_environment(fake_environment({{"AWS_REGION", "eu-west-1"},
                                                      {"AWS_DEFAULT_REGION", "us-east-1"}}))
                .value(),
            "eu-west-1");
  EXPECT_EQ(
      region_from_environment(fake_environment({{"AWS_DEFAULT_REGION", "us-east-1"}})).value(),
      "us-east-1");
  EXPECT_EQ(region_from_environment(
                fake_environment({{"AWS_REGION", ""}, {"AWS_DEFAULT_REGION", "us-east-1"}}))
                .value(),
            "us-east-1");
}

TEST(RegionFromEnvironment, NamesBothVariablesWhenNeitherIsSet) {
  const auto region = region_from_environment(fake_environment({}));
  ASSERT_FALSE(region);
  EXPECT_EQ(region.error().code, "MissingRegion");
  EXPECT_NE(region.error().message.find("AWS_REGION"), std::string::npos);
  EXPECT_NE(region.error().message.find("AWS_DEFAULT_REGION"), std::string::npos);
}

TEST(RegionFromEnvironment, RejectsTextThatCannotBeAHostLabel) {
  const auto region = region_from_environment(fake_environment({{"AWS_REGION", "eu-west-1/x"}}));
  ASSERT_FALSE(region);
  EXPECT_EQ(region.error().code, "InvalidRegion");
  EXPECT_NE(region.error().message.find("AWS_REGION"), std::string::npos);
}

TEST(ResolveEndpoint, BuildsDefaultHostsPerServiceAndPartition) {
  const auto environment = fake_environment({});
  const auto dynamodb = resolve_endpoint("dynamodb", "eu-west-1", environment);
  ASSERT_TRUE(dynamodb);
  EXPECT_EQ(dynamodb->url, "https://dynamodb.eu-west-1.amazonaws.com");
  EXPECT_EQ(dynamodb->signing_region, "eu-west-1");
  EXPECT_EQ(dynamodb->signing_service, "dynamodb");

  const auto streams = resolve_endpoint("streams.dynamodb", "us-east-1", environment);
  ASSERT_TRUE(streams);
  EXPECT_EQ(streams->url, "https://streams.dynamodb.us-east-1.amazonaws.com");
  EXPECT_EQ(streams->signing_service, "dynamodb");

  EXPECT_EQ(resolve_endpoint("secretsmanager", "cn-north-1", environment)->url,
            "https://secretsmanager.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(resolve_endpoint("ssm", "ap-southeast-2", environment)->url,
            "https://ssm.ap-southeast-2.amazonaws.com");
}

TEST(ResolveEndpoint, ServiceOverrideWinsOverGlobalOverride) {
  const auto environment =
      fake_environment({{"AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:8000/"},
                        {"AWS_ENDPOINT_URL", "http://127.0.0.1:5000"}});
  const auto dynamodb = resolve_endpoint("dynamodb", "eu-west-1", environment);
  ASSERT_TRUE(dynamodb);
  EXPECT_EQ(dynamodb->url, "http://localhost:8000");
  EXPECT_EQ(dynamodb->signing_region, "eu-west-1");
  EXPECT_EQ(resolve_endpoint("ssm", "eu-west-1", environment)->url, "http://127.0.0.1:5000");
}

TEST(ResolveEndpoint, EachServiceReadsItsOwnVariable) {
  const auto environment =
      fake_environment({{"AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "http://streams:1"},
                        {"AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://secrets:2"},
                        {"AWS_ENDPOINT_URL_SSM", "https://ssm.internal/prefix/"}});
  EXPECT_EQ(resolve_endpoint("streams.dynamodb", "eu-west-1", environment)->url,
            "http://streams:1");
  EXPECT_EQ(resolve_endpoint("secretsmanager", "eu-west-1", environment)->url, "http://secrets:2");
  EXPECT_EQ(resolve_endpoint("ssm", "eu-west-1", environment)->url, "https://ssm.internal/prefix");
  EXPECT_EQ(resolve_endpoint("dynamodb", "eu-west-1", environment)->url,
            "https://dynamodb.eu-west-1.amazonaws.com");
}

TEST(ResolveEndpoint, IgnoresOverridesWhenTold) {
  const auto environment = fake_environment({{"AWS_ENDPOINT_URL", "http://localhost:4566"},
                                             {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"}});
  EXPECT_EQ(resolve_endpoint("dynamodb", "eu-west-1", environment)->url,
            "https://dynamodb.eu-west-1.amazonaws.com");
  const auto not_ignored = fake_environment({{"AWS_ENDPOINT_URL", "http://localhost:4566"},
                                             {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false"}});
  EXPECT_EQ(resolve_endpoint("dynamodb", "eu-west-1", not_ignored)->url, "http://localhost:4566");
}

TEST(ResolveEndpoint, NamesTheVariableOfAMalformedOverride) {
  for (const char* text : {"localhost:8000", "ftp://x", "http://host:port", "http://h/?q=1"}) {
    const auto endpoint =
        resolve_endpoint("secretsmanager", "eu-west-1",
                         fake_environment({{"AWS_ENDPOINT_URL_SECRETS_MANAGER", text}}));
    ASSERT_FALSE(endpoint) << text;
    EXPECT_EQ(endpoint.error().code, "InvalidEndpoint");
    EXPECT_EQ(endpoint.error().message.rfind("AWS_ENDPOINT_URL_SECRETS_MANAGER: ", 0), 0U)
        << endpoint.error().message;
  }
}

TEST(ResolveEndpoint, RejectsUnknownServicesAndBadRegions) {
  EXPECT_EQ(resolve_endpoint("kafka", "eu-west-1", fake_environment({})).error().code,
            "UnknownService");
  EXPECT_EQ(resolve_endpoint("dynamodb", "", fake_environment({})).error().code, "InvalidRegion");
  EXPECT_EQ(resolve_endpoint("dynamodb", "Eu-West-1", fake_environment({})).error().code,
            "InvalidRegion");
}

}  // namespace
}  // namespace dispatcher::core::aws
