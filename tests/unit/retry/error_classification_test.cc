#include "core/retry/error_classification.h"

#include <gtest/gtest.h>

#include <string>

namespace dispatcher::core::retry {
namespace {

class ThrottlingCode : public testing::TestWithParam<std::string> {};

TEST_P(ThrottlingCode, IsRetryableEvenWithHttp400) {
  EXPECT_TRUE(is_throttling_code(GetParam()));
  EXPECT_FALSE(is_transient_code(GetParam()));
  EXPECT_EQ(classify_service_error(GetParam(), 400), ErrorKind::kRetryable);
}

INSTANTIATE_TEST_SUITE_P(StandardMode, ThrottlingCode,
                         testing::Values("ThrottlingException", "Throttling", "ThrottledException",
                                         "RequestThrottledException", "TooManyRequestsException",
                                         "ProvisionedThroughputExceededException",
                                         "TransactionInProgressException", "RequestLimitExceeded",
                                         "BandwidthLimitExceeded", "LimitExceededException",
                                         "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
                                         "EC2ThrottledException"));

class TransientCode : public testing::TestWithParam<std::string> {};

TEST_P(TransientCode, IsRetryableButNotThrottling) {
  EXPECT_TRUE(is_transient_code(GetParam()));
  EXPECT_FALSE(is_throttling_code(GetParam()));
  EXPECT_EQ(classify_service_error(GetParam(), 400), ErrorKind::kRetryable);
}

INSTANTIATE_TEST_SUITE_P(StandardMode, TransientCode,
                         testing::Values("RequestTimeout", "RequestTimeoutException",
                                         "InternalError", "InternalServerError",
                                         "ServiceUnavailable"));

class ClientFaultCode : public testing::TestWithParam<std::string> {};

TEST_P(ClientFaultCode, IsPermanent) {
  EXPECT_EQ(classify_service_error(GetParam(), 400), ErrorKind::kPermanent);
}

INSTANTIATE_TEST_SUITE_P(StandardMode, ClientFaultCode,
                         testing::Values("ValidationException", "ConditionalCheckFailedException",
                                         "ResourceNotFoundException", "AccessDeniedException",
                                         "AccessDenied", "UnrecognizedClientException",
                                         "SerializationException", "throttlingexception", ""));

TEST(ErrorClassification, ServerErrorStatusesAreRetryableWhateverTheCode) {
  for (const int status : {500, 502, 503, 504}) {
    EXPECT_TRUE(is_retryable_http_status(status)) << status;
    EXPECT_EQ(classify_service_error("SomethingUnmodelled", status), ErrorKind::kRetryable)
        << status;
  }
}

TEST(ErrorClassification, OtherStatusesAreNotRetryableByThemselves) {
  for (const int status : {200, 400, 403, 404, 413, 501, 505}) {
    EXPECT_FALSE(is_retryable_http_status(status)) << status;
    EXPECT_EQ(classify_service_error("SomethingUnmodelled", status), ErrorKind::kPermanent)
        << status;
  }
}

}  // namespace
}  // namespace dispatcher::core::retry
