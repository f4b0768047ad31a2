#include "core/dispatch/failure_scope.h"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace dispatcher::core::dispatch {
namespace {

Error error_of(std::string service, std::string code, ErrorKind kind, int http_status = 0) {
  Error error = kind == ErrorKind::kRetryable ? retryable_error(std::move(code), "test")
                                              : permanent_error(std::move(code), "test");
  error.service = std::move(service);
  error.http_status = http_status;
  return error;
}

TEST(FailureScope, EveryAwsDeploymentCodeFailsTheInvocationWhateverItsKind) {
  for (const std::string_view code :
       {"ResourceNotFoundException", "AccessDeniedException", "AccessDenied",
        "UnrecognizedClientException", "InvalidSignatureException", "MissingAuthenticationToken",
        "MissingAuthenticationTokenException", "IncompleteSignature", "InvalidClientTokenId",
        "ExpiredTokenException", "ExpiredToken", "NoCredentials", "TableNotFoundException"}) {
    for (const ErrorKind kind : {ErrorKind::kPermanent, ErrorKind::kRetryable}) {
      EXPECT_EQ(failure_scope(error_of("dynamodb", std::string(code), kind)),
                FailureScope::kFailInvocation)
          << code;
    }
  }
}

TEST(FailureScope, EveryKafkaDeploymentCodeFailsTheInvocation) {
  for (const std::string_view code :
       {"_UNKNOWN_TOPIC", "UNKNOWN_TOPIC_OR_PART", "_UNKNOWN_PARTITION",
        "TOPIC_AUTHORIZATION_FAILED", "CLUSTER_AUTHORIZATION_FAILED", "_AUTHENTICATION",
        "SASL_AUTHENTICATION_FAILED", "_SSL"}) {
    for (const ErrorKind kind : {ErrorKind::kPermanent, ErrorKind::kRetryable}) {
      EXPECT_EQ(failure_scope(error_of("kafka", std::string(code), kind)),
                FailureScope::kFailInvocation)
          << code;
    }
  }
}

TEST(FailureScope, HttpEndpointAndCertificateErrorsFailTheInvocation) {
  for (const std::string_view code : {"HttpInvalidUrl", "HttpTlsVerificationFailed"}) {
    EXPECT_EQ(failure_scope(error_of("http", std::string(code), ErrorKind::kRetryable)),
              FailureScope::kFailInvocation)
        << code;
  }
}

TEST(FailureScope, ConfigurationErrorsFailTheInvocation) {
  EXPECT_EQ(failure_scope(error_of("config", "InvalidSetting", ErrorKind::kPermanent)),
            FailureScope::kFailInvocation);
  EXPECT_EQ(failure_scope(error_of("config", "Anything", ErrorKind::kRetryable)),
            FailureScope::kFailInvocation);
}

TEST(FailureScope, ForbiddenStatusFailsTheInvocationWhateverTheCode) {
  EXPECT_EQ(failure_scope(error_of("dynamodb", "SomethingNew", ErrorKind::kPermanent, 403)),
            FailureScope::kFailInvocation);
  EXPECT_EQ(failure_scope(error_of("secretsmanager", "", ErrorKind::kRetryable, 403)),
            FailureScope::kFailInvocation);
}

TEST(FailureScope, CodesAreOnlyDeploymentErrorsOfTheirOwnService) {
  // A Kafka name from DynamoDB, or an AWS code from Kafka, falls through to the kind.
  EXPECT_EQ(failure_scope(error_of("dynamodb", "UNKNOWN_TOPIC_OR_PART", ErrorKind::kPermanent)),
            FailureScope::kHoldAggregate);
  EXPECT_EQ(failure_scope(error_of("kafka", "ResourceNotFoundException", ErrorKind::kRetryable)),
            FailureScope::kRetry);
  EXPECT_EQ(failure_scope(error_of("kafka", "AccessDenied", ErrorKind::kPermanent, 403)),
            FailureScope::kHoldAggregate)
      << "the HTTP status is an AWS signal only";
  EXPECT_EQ(failure_scope(error_of("http", "AccessDenied", ErrorKind::kRetryable)),
            FailureScope::kRetry);
}

TEST(FailureScope, RetryableErrorsAreRetried) {
  for (const std::string_view code :
       {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestTimeout",
        "DeadlineExceeded", "InternalServerError", "PortContractViolation"}) {
    EXPECT_EQ(failure_scope(error_of("dynamodb", std::string(code), ErrorKind::kRetryable)),
              FailureScope::kRetry)
        << code;
  }
  EXPECT_EQ(failure_scope(error_of("kafka", "_TRANSPORT", ErrorKind::kRetryable)),
            FailureScope::kRetry);
  EXPECT_EQ(failure_scope(error_of("", "DeadlineExceeded", ErrorKind::kRetryable)),
            FailureScope::kRetry)
      << "the core's own errors have no service";
}

TEST(FailureScope, OtherPermanentErrorsHoldTheAggregate) {
  EXPECT_EQ(failure_scope(error_of("dynamodb", "InvalidOffsetItem", ErrorKind::kPermanent)),
            FailureScope::kHoldAggregate);
  EXPECT_EQ(failure_scope(error_of("dynamodb", "InvalidAttributeValue", ErrorKind::kPermanent)),
            FailureScope::kHoldAggregate);
  EXPECT_EQ(failure_scope(error_of("", "EventOrderViolation", ErrorKind::kPermanent)),
            FailureScope::kHoldAggregate);
  EXPECT_EQ(failure_scope(error_of("kafka", "MSG_SIZE_TOO_LARGE", ErrorKind::kPermanent)),
            FailureScope::kHoldAggregate);
  EXPECT_EQ(failure_scope(error_of("dynamodb", "ValidationException", ErrorKind::kPermanent, 400)),
            FailureScope::kHoldAggregate);
}

TEST(FailureScope, NamesEachScope) {
  EXPECT_STREQ(failure_scope_name(FailureScope::kRetry), "retry");
  EXPECT_STREQ(failure_scope_name(FailureScope::kHoldAggregate), "hold-aggregate");
  EXPECT_STREQ(failure_scope_name(FailureScope::kFailInvocation), "fail-invocation");
}

}  // namespace
}  // namespace dispatcher::core::dispatch
