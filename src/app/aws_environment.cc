#include "app/aws_environment.h"

#include <charconv>
#include <utility>

#include "adapters/aws/http_get.h"
#include "adapters/system/ca_bundle.h"
#include "core/aws/endpoints.h"

namespace dispatcher::app {
namespace {

constexpr int kMostMaxAttempts = 20;

core::Error config_error(std::string message) {
  core::Error error = core::permanent_error("InvalidConfiguration", std::move(message));
  error.service = "config";
  return error;
}

/// AWS_MAX_ATTEMPTS, or 0 when unset.
core::Result<int> max_attempts(const core::config::Environment& environment) {
  const auto found = environment.find("AWS_MAX_ATTEMPTS");
  if (found == environment.end() || found->second.empty()) {
    return 0;  // unset: each service keeps its SDK default
  }
  int attempts = 0;
  const std::string& text = found->second;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), attempts);
  if (error != std::errc{} || end != text.data() + text.size() || attempts < 1 ||
      attempts > kMostMaxAttempts) {
    return core::fail(config_error("AWS_MAX_ATTEMPTS must be a whole number from 1 to " +
                                   std::to_string(kMostMaxAttempts) + ", got \"" + text + "\""));
  }
  return attempts;
}

}  // namespace

AwsContext::AwsContext(core::config::Environment environment,
                       std::shared_ptr<const core::Clock> clock)
    : environment_(std::move(environment)), clock_(std::move(clock)) {}

core::Result<std::unique_ptr<AwsContext>> AwsContext::create(
    const core::config::Environment& environment, std::shared_ptr<const core::Clock> clock) {
  auto attempts = max_attempts(environment);
  if (!attempts) {
    return core::fail(std::move(attempts.error()));
  }
  std::unique_ptr<AwsContext> context(new AwsContext(environment, std::move(clock)));
  const core::aws::EnvironmentLookup lookup = context->lookup();

  auto region = core::aws::region_from_environment(lookup);
  if (!region) {
    return core::fail(std::move(region.error()));
  }
  context->region_ = std::move(*region);
  const auto explicit_bundle = environment.find("DISPATCHER_CA_BUNDLE");
  auto ca_bundle = adapters::system::locate_ca_bundle(
      explicit_bundle == environment.end() ? std::string_view{} : explicit_bundle->second);
  if (!ca_bundle) {
    return core::fail(std::move(ca_bundle.error()));
  }
  context->ca_bundle_ = std::move(*ca_bundle);
  auto in_flight = core::config::requests_in_flight_setting(environment);
  if (!in_flight) {
    return core::fail(std::move(in_flight.error()));
  }
  // One wave's requests in flight at once, each on a kept-alive connection (the pool is as big).
  context->http_ = std::make_shared<adapters::http::Client>(adapters::http::ClientOptions{
      .max_concurrent_requests = *in_flight, .ca_bundle_path = context->ca_bundle_});
  context->credentials_http_ = std::make_shared<adapters::http::Client>(
      adapters::http::ClientOptions{.ca_bundle_path = context->ca_bundle_});

  auto credentials =
      adapters::aws::default_credentials_provider(adapters::aws::DefaultCredentialsOptions{
          .environment = lookup,
          .http_get = adapters::aws::http_get_through(*context->credentials_http_),
          .clock = context->clock_.get(),
      });
  if (!credentials) {
    return core::fail(std::move(credentials.error()));
  }
  context->credentials_ = std::move(*credentials);

  // DynamoDB's SDK defaults (4 attempts, 25 ms base for non-throttling errors) differ from the
  // other services'; AWS_MAX_ATTEMPTS, when set, applies to all of them as in the SDKs.
  auto standard_options = core::retry::RetryOptions::standard();
  auto dynamodb_options = core::retry::RetryOptions::dynamodb();
  if (*attempts != 0) {
    standard_options.max_attempts = *attempts;
    dynamodb_options.max_attempts = *attempts;
  }
  context->retry_policy_ = std::make_shared<core::retry::RetryPolicy>(
      standard_options, core::retry::make_default_random_source());
  context->dynamodb_retry_policy_ = std::make_shared<core::retry::RetryPolicy>(
      dynamodb_options, core::retry::make_default_random_source());
  return context;
}

core::aws::EnvironmentLookup AwsContext::lookup() const {
  // The context never moves (see create), so pointing into it is safe for its lifetime.
  return [variables = &environment_](std::string_view name) -> std::optional<std::string> {
    const auto found = variables->find(name);
    if (found == variables->end()) {
      return std::nullopt;
    }
    return found->second;
  };
}

core::Result<std::shared_ptr<adapters::aws::JsonClient>> AwsContext::json_client(
    const adapters::aws::JsonService& service, std::string_view service_id) const {
  auto endpoint = core::aws::resolve_endpoint(service_id, region_, lookup());
  if (!endpoint) {
    return core::fail(std::move(endpoint.error()));
  }
  return std::make_shared<adapters::aws::JsonClient>(
      service, std::move(*endpoint), http_, credentials_,
      service.name == adapters::aws::kDynamoDbService.name ||
              service.name == adapters::aws::kDynamoDbStreamsService.name
          ? dynamodb_retry_policy_
          : retry_policy_,
      clock_);
}

}  // namespace dispatcher::app
