#pragma once

#include <librdkafka/rdkafka.h>

#include <string_view>

#include "core/result.h"

namespace dispatcher::adapters::kafka {

/// Whether publishing the same message again later can succeed. The one place a librdkafka error
/// code is classified; codes not named in it are retryable, so an unforeseen error holds the batch
/// for a retry instead of sending a good event to the dead-letter path.
[[nodiscard]] core::ErrorKind kafka_error_kind(rd_kafka_resp_err_t code) noexcept;

/// A core::Error for a librdkafka error: service "kafka", code = librdkafka's name of the error
/// ("MSG_SIZE_TOO_LARGE", "_MSG_TIMED_OUT"), message = `context` and librdkafka's description.
[[nodiscard]] core::Error kafka_error(rd_kafka_resp_err_t code, std::string_view context);

/// A message purged from the queue or from a request in flight (deadline or broken producer).
[[nodiscard]] bool is_purged(rd_kafka_resp_err_t code) noexcept;

/// Errors a message gets because the producer's idempotence state broke, not because of it.
[[nodiscard]] bool is_producer_state_error(rd_kafka_resp_err_t code) noexcept;

}  // namespace dispatcher::adapters::kafka
