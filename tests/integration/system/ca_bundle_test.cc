#include "adapters/system/ca_bundle.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace dispatcher::adapters::system {
namespace {

using ::testing::HasSubstr;

FileReadable only(std::set<std::string> present) {
  return [present = std::move(present)](const std::string& path) { return present.contains(path); };
}

TEST(CaBundle, AmazonLinuxLocationWinsOverDebian) {
  const auto found = locate_ca_bundle(
      "", only({"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"}));
  ASSERT_TRUE(found.has_value()) << found.error().describe();
  EXPECT_EQ(*found, "/etc/pki/tls/certs/ca-bundle.crt");
}

TEST(CaBundle, FallsBackToDebianLocation) {
  const auto found = locate_ca_bundle("", only({"/etc/ssl/certs/ca-certificates.crt"}));
  ASSERT_TRUE(found.has_value()) << found.error().describe();
  EXPECT_EQ(*found, "/etc/ssl/certs/ca-certificates.crt");
}

TEST(CaBundle, ExplicitPathIsUsedOrNamedWhenUnreadable) {
  const auto chosen = locate_ca_bundle("/opt/ca.pem", only({"/opt/ca.pem"}));
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(*chosen, "/opt/ca.pem");

  const auto missing =
      locate_ca_bundle("/opt/missing.pem", only({"/etc/ssl/certs/ca-certificates.crt"}));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, "CaBundleNotFound");
  EXPECT_THAT(missing.error().message, HasSubstr("DISPATCHER_CA_BUNDLE names /opt/missing.pem"));
}

TEST(CaBundle, NoneFoundListsEveryLocationTried) {
  const auto found = locate_ca_bundle("", only({}));
  ASSERT_FALSE(found.has_value());
  EXPECT_FALSE(found.error().retryable());
  for (const auto location : kCaBundleLocations) {
    EXPECT_THAT(found.error().message, HasSubstr(std::string(location)));
  }
  EXPECT_THAT(found.error().message, HasSubstr("DISPATCHER_CA_BUNDLE"));
}

TEST(CaBundle, ReadableFileCheckUsesTheRealFileSystem) {
  const auto path = std::filesystem::temp_directory_path() / "ca_bundle_test.pem";
  { std::ofstream(path) << "-----BEGIN CERTIFICATE-----\n"; }
  EXPECT_TRUE(is_readable_file(path.string()));
  EXPECT_FALSE(is_readable_file(std::filesystem::temp_directory_path().string()));
  std::filesystem::remove(path);
  EXPECT_FALSE(is_readable_file(path.string()));
}

}  // namespace
}  // namespace dispatcher::adapters::system
