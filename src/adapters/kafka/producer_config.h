#pragma once

// Internal to the Kafka adapter (it exposes librdkafka): the librdkafka configuration a producer
// is built from.

#include <string>

#include "adapters/kafka/kafka_handles.h"
#include "adapters/kafka/producer_settings.h"
#include "core/result.h"

namespace dispatcher::adapters::kafka {

/// A librdkafka configuration with the guarantees and `settings` applied (checked first with
/// check_producer_settings). Error: permanent "InvalidKafkaSettings" naming the property that
/// librdkafka rejected.
[[nodiscard]] core::Result<KafkaConfig> make_producer_config(const ProducerSettings& settings);

/// Sets one librdkafka property. Error: permanent "InvalidKafkaSettings" naming the property and
/// why librdkafka refused it (never a sensitive property's value).
[[nodiscard]] core::Status set_kafka_property(rd_kafka_conf_t& conf, const std::string& name,
                                              const std::string& value);

/// The error of settings a producer cannot be built with: permanent "InvalidKafkaSettings",
/// service "config".
[[nodiscard]] core::Error kafka_settings_error(std::string message);

}  // namespace dispatcher::adapters::kafka
