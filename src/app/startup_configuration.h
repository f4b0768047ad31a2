#pragma once

#include <memory>

#include "app/aws_environment.h"
#include "core/clock.h"
#include "core/config/settings.h"
#include "core/dispatch/dispatcher.h"
#include "core/result.h"

namespace dispatcher::app {

/// What every command reads before it builds anything: the AWS context (region, credentials, CA
/// bundle) and the validated settings, with SSM / Secrets Manager ARN values resolved.
struct StartupConfiguration {
  std::unique_ptr<AwsContext> aws;
  core::config::Settings settings;
};

/// Creates the AWS context from `environment`, resolves ARN-valued settings through it (before
/// `deadline`) and parses the settings. Errors: AwsContext::create's, resolve_references' and
/// parse_settings', each naming the variable at fault.
[[nodiscard]] core::Result<StartupConfiguration> load_startup_configuration(
    const core::config::Environment& environment, std::shared_ptr<const core::Clock> clock,
    core::Deadline deadline);

/// The dispatch core's options for `settings`: what the Lambda dispatches with, and what the
/// operator commands judge holds with, so both decide alike.
[[nodiscard]] core::dispatch::DispatcherOptions dispatcher_options(
    const core::config::Settings& settings);

}  // namespace dispatcher::app
