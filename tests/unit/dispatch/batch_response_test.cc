#include "core/dispatch/batch_response.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace dispatcher::core::dispatch {
namespace {

TEST(BatchResponse, EmptyListWhenEverythingSucceeded) {
  const BatchResponse response = BatchResponse::from_failures({});
  EXPECT_EQ(response.retry_from, std::nullopt);
  EXPECT_EQ(nlohmann::json::parse(response.to_json()),
            nlohmann::json::parse(R"({"batchItemFailures":[]})"));
}

TEST(BatchResponse, NamesOnlyTheNumericallyLowestFailedSequenceNumber) {
  const std::vector<std::string> failed = {"1000", "999", "1001", "999"};
  const BatchResponse response = BatchResponse::from_failures(failed);
  EXPECT_EQ(response.retry_from, "999");
  EXPECT_EQ(nlohmann::json::parse(response.to_json()),
            nlohmann::json::parse(R"({"batchItemFailures":[{"itemIdentifier":"999"}]})"));
}

}  // namespace
}  // namespace dispatcher::core::dispatch
