#pragma once

#include "app/aws_environment.h"
#include "core/clock.h"
#include "core/config/settings.h"
#include "core/result.h"

namespace dispatcher::app {

/// The environment with its references resolved, and which variables now hold secret values.
struct ResolvedEnvironment {
  core::config::Environment environment;
  /// The variables read from an SSM SecureString or a Secrets Manager secret: their values must
  /// never be formatted into an error or a log line (core::config::parse_settings honours it).
  core::config::SensitiveNames sensitive;
};

/// Replaces each resolvable setting (core::config::resolvable_setting_names) whose value is an SSM
/// parameter ARN or a Secrets Manager secret ARN by the parameter's (decrypted) value or the
/// secret's string. Clients are created only when a reference is present. SASL_SECRET_NAME is not
/// resolvable: its secret is read once, by kafka_producer_settings. Error (permanent, service
/// "config"): names the variable and the service's error; never a resolved value.
[[nodiscard]] core::Result<ResolvedEnvironment> resolve_references(
    core::config::Environment environment, const AwsContext& aws, core::Deadline deadline);

}  // namespace dispatcher::app
