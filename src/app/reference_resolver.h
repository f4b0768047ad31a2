#pragma once

#include "app/aws_environment.h"
#include "core/clock.h"
#include "core/config/settings.h"
#include "core/result.h"

namespace dispatcher::app {

/// Replaces each resolvable setting (core::config::resolvable_setting_names) whose value is an SSM
/// parameter ARN or a Secrets Manager secret ARN by the parameter's (decrypted) value or the
/// secret's string. Clients are created only when a reference is present. Error (permanent,
/// service "config"): names the variable and the service's error; never a resolved value.
[[nodiscard]] core::Result<core::config::Environment> resolve_references(
    core::config::Environment environment, const AwsContext& aws, core::Deadline deadline);

}  // namespace dispatcher::app
