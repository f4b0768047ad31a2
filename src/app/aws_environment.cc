#include "app/aws_environment.h"

#include <charconv>
#include <utility>
#include <vector>

#include "adapters/aws/http_get.h"
#include "adapters/system/ca_bundle.h"
#include "core/aws/endpoints.h"

namespace dispatcher::app {
namespace {

constexpr int kMostMaxAttempts = 20;

core::Error config_error(std::string message) {
  return core::permanent_error("InvalidConfiguration", std::move(message), "config");
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

core::Error combined_startup_error(std::vector<core::Error> errors) {
  if (errors.size() == 1) {
    return std::move(errors.front());
  }
  core::Error combined = config_error("");
  for (const core::Error& error : errors) {
    combined.message += (combined.message.empty() ? "" : "; ") + error.code + ": " + error.message;
  }
  return combined;
}

AwsContext::AwsContext(core::config::Environment environment,
                       std::shared_ptr<const core::Clock> clock)
    : environment_(std::move(environment)), clock_(std::move(clock)) {}

core::Result<std::unique_ptr<AwsContext>> AwsContext::create(
    const core::config::Environment& environment, std::shared_ptr<const core::Clock> clock) {
  // Every problem is collected, so one start-up error names them all (a missing region does not
  // hide missing credentials).
  std::vector<core::Error> problems;
  auto attempts = max_attempts(environment);
  if (!attempts) {
    problems.push_back(std::move(attempts.error()));
  }
  auto in_flight = core::config::requests_in_flight_setting(environment);
  if (!in_flight) {
    problems.push_back(std::move(in_flight.error()));
  }
  std::unique_ptr<AwsContext> context(new AwsContext(environment, std::move(clock)));
  const core::aws::EnvironmentLookup lookup = context->lookup();

  auto region = core::aws::region_from_environment(lookup);
  if (region) {
    context->region_ = std::move(*region);
  } else {
    problems.push_back(std::move(region.error()));
  }
  const auto explicit_bundle = environment.find("DISPATCHER_CA_BUNDLE");
  auto ca_bundle = adapters::system::locate_ca_bundle(
      explicit_bundle == environment.end() ? std::string_view{} : explicit_bundle->second);
  if (ca_bundle) {
    context->ca_bundle_ = std::move(*ca_bundle);
    // One wave's requests in flight at once, each on a kept-alive connection (the pool is as big).
    context->http_ = std::make_shared<adapters::http::Client>(adapters::http::ClientOptions{
        .max_concurrent_requests = in_flight ? *in_flight : core::config::kDefaultRequestsInFlight,
        .ca_bundle_path = context->ca_bundle_});
    context->credentials_http_ = std::make_shared<adapters::http::Client>(
        adapters::http::ClientOptions{.ca_bundle_path = context->ca_bundle_});
  } else {
    problems.push_back(std::move(ca_bundle.error()));
  }

  auto credentials =
      adapters::aws::default_credentials_provider(adapters::aws::DefaultCredentialsOptions{
          .environment = lookup,
          .http_get = context->credentials_http_
                          ? adapters::aws::http_get_through(*context->credentials_http_)
                          : adapters::aws::HttpGet{},
          .clock = context->clock_.get(),
      });
  if (credentials) {
    context->credentials_ = std::move(*credentials);
  } else {
    problems.push_back(std::move(credentials.error()));
  }
  if (!problems.empty()) {
    return core::fail(combined_startup_error(std::move(problems)));
  }

  // DynamoDB's SDK defaults (4 attempts, 25 ms base for non-throttling errors) differ from the
  // other services'; AWS_MAX_ATTEMPTS, when set, applies to all of them as in the SDKs.
  auto standard_options = core::retry::RetryOptions::standard();
  auto dynamodb_options = core::retry::RetryOptions::dynamodb();
  if (attempts && *attempts != 0) {
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
