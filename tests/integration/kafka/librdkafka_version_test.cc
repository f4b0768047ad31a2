// The librdkafka the product links is the pinned static build (tools/deps/build-librdkafka.sh), not
// a fallback to Debian's 2.0.2, which cannot log in with SCRAM to Kafka 4.x brokers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace {

using ::testing::Contains;

// Must match `version` in tools/deps/build-librdkafka.sh and DISPATCHER_RDKAFKA_ROOT's default.
constexpr const char* kPinnedVersion = "2.12.1";

// The comma-separated `builtin.features` of a default configuration, split into names.
std::vector<std::string> builtin_features() {
  const std::unique_ptr<rd_kafka_conf_t, decltype(&rd_kafka_conf_destroy)> conf(
      rd_kafka_conf_new(), &rd_kafka_conf_destroy);
  std::array<char, 512> buffer{};
  std::size_t size = buffer.size();
  EXPECT_EQ(rd_kafka_conf_get(conf.get(), "builtin.features", buffer.data(), &size),
            RD_KAFKA_CONF_OK);
  std::vector<std::string> features;
  std::string current;
  for (const char c : std::string(buffer.data())) {
    if (c == ',') {
      features.push_back(current);
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) {
    features.push_back(current);
  }
  return features;
}

TEST(Librdkafka, LinkedLibraryIsThePinnedRelease) {
  EXPECT_STREQ(rd_kafka_version_str(), kPinnedVersion)
      << "the build fell back to another librdkafka: run tools/deps/build-librdkafka.sh and "
         "reconfigure";
}

TEST(Librdkafka, HeadersMatchTheLinkedLibrary) { EXPECT_EQ(rd_kafka_version(), RD_KAFKA_VERSION); }

TEST(Librdkafka, IsBuiltWithTlsSaslAndCompression) {
  const auto features = builtin_features();
  for (const char* feature :
       {"ssl", "sasl_plain", "sasl_scram", "sasl_oauthbearer", "zstd", "gzip", "lz4", "snappy"}) {
    EXPECT_THAT(features, Contains(feature));
  }
}

}  // namespace
