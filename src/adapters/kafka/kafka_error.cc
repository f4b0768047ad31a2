#include "adapters/kafka/kafka_error.h"

#include <string>

namespace dispatcher::adapters::kafka {

core::ErrorKind kafka_error_kind(rd_kafka_resp_err_t code) noexcept {
  switch (code) {
    // The message itself can never be accepted: retrying it cannot help.
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__BAD_MSG:
      return core::ErrorKind::kPermanent;

    // The topic cannot take any message (missing where the cluster does not create topics, invalid
    // name, not writable by this principal): a deployment fault, not the event's. Retryable, so the
    // batch fails and Lambda retries it until the topic is fixed, instead of every aggregate being
    // held as if each event were poison.
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:

    // The cluster or the connection is unwell, or the deadline cut the wait short: the next wave
    // (or Lambda's retry of the batch) can succeed.
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR__DESTROY:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR__SSL:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    // The producer's idempotence state is broken, not the message: the publisher rebuilds the
    // producer (new producer id and epoch) before the next wave, where the message can succeed.
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR__FENCED:
    case RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
    case RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID:
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    // Not foreseen: holding the batch for a retry loses nothing; a dead letter would reorder.
    default:
      return core::ErrorKind::kRetryable;
  }
}

core::Error kafka_error(rd_kafka_resp_err_t code, std::string_view context) {
  std::string message(context);
  if (!message.empty()) {
    message += ": ";
  }
  message += rd_kafka_err2str(code);
  return core::Error{.kind = kafka_error_kind(code),
                     .code = rd_kafka_err2name(code),
                     .message = std::move(message),
                     .service = "kafka"};
}

bool is_purged(rd_kafka_resp_err_t code) noexcept {
  return code == RD_KAFKA_RESP_ERR__PURGE_QUEUE || code == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT;
}

bool is_producer_state_error(rd_kafka_resp_err_t code) noexcept {
  return is_purged(code) || code == RD_KAFKA_RESP_ERR__FATAL ||
         code == RD_KAFKA_RESP_ERR__GAPLESS_GUARANTEE ||
         code == RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER ||
         code == RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID ||
         code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
}

}  // namespace dispatcher::adapters::kafka
