#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/kafka/kafka_client_options.h"
#include "core/result.h"

namespace dispatcher::adapters::kafka {

/// How to reach the cluster. The publisher always sets enable.idempotence=true,
/// enable.gapless.guarantee=true, acks=all, max.in.flight.requests.per.connection=5 and
/// message.timeout.ms=0 (its deadline bounds each message); `extra_properties` (librdkafka names,
/// e.g. "security.protocol", "sasl.username", "compression.type") are applied after them and may
/// not weaken those guarantees.
struct ProducerSettings {
  std::string bootstrap_servers;
  std::string client_id;
  std::vector<std::pair<std::string, std::string>> extra_properties;
  /// Set with sasl.mechanisms=OAUTHBEARER: supplies the tokens (empty: none).
  OAuthBearerTokenProvider oauthbearer_token_provider;
  /// Written to the log sink as warnings when the publisher is created (for example that broker
  /// certificates are not verified), so an unsafe setting is visible at every start-up.
  std::vector<std::string> startup_warnings;
};

/// Refuses settings that would break per-key order, exactly-once enqueueing or the publisher's
/// ownership of the connection. Error: permanent "InvalidKafkaSettings" (service "config") naming
/// the property and why; the value is shown only for non-sensitive properties.
[[nodiscard]] core::Status check_producer_settings(const ProducerSettings& settings);

}  // namespace dispatcher::adapters::kafka
