#include "core/aws/endpoints.h"

#include <algorithm>
#include <array>
#include <optional>

#include "core/encoding/url.h"

namespace dispatcher::core::aws {
namespace {

struct ServiceInfo {
  std::string_view id;
  std::string_view signing_service;
  std::string_view endpoint_variable;
};

constexpr std::array<ServiceInfo, 5> kServices = {{
    {.id = "dynamodb",
     .signing_service = "dynamodb",
     .endpoint_variable = "AWS_ENDPOINT_URL_DYNAMODB"},
    {.id = "streams.dynamodb",
     .signing_service = "dynamodb",
     .endpoint_variable = "AWS_ENDPOINT_URL_DYNAMODB_STREAMS"},
    {.id = "secretsmanager",
     .signing_service = "secretsmanager",
     .endpoint_variable = "AWS_ENDPOINT_URL_SECRETS_MANAGER"},
    {.id = "ssm", .signing_service = "ssm", .endpoint_variable = "AWS_ENDPOINT_URL_SSM"},
    {.id = "sts", .signing_service = "sts", .endpoint_variable = "AWS_ENDPOINT_URL_STS"},
}};

bool is_valid_region(std::string_view region) {
  return !region.empty() && region.front() != '-' && region.back() != '-' &&
         std::ranges::all_of(region, [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
         });
}

Status check_region(std::string_view region, std::string_view source) {
  if (!is_valid_region(region)) {
    return fail(permanent_error("InvalidRegion", std::string(source) + " '" + std::string(region) +
                                                     "' is not a region name like eu-west-1"));
  }
  return {};
}

bool equals_ignoring_case(std::string_view left, std::string_view right) {
  return std::ranges::equal(left, right, [](char a, char b) {
    const auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    return lower(a) == lower(b);
  });
}

Result<std::string> override_url(std::string_view variable, const std::string& text) {
  Result<encoding::HttpUrl> url = encoding::parse_http_url(text);
  if (!url) {
    return fail(
        permanent_error("InvalidEndpoint", std::string(variable) + ": " + url.error().message));
  }
  if (!url->query.empty()) {
    return fail(permanent_error("InvalidEndpoint",
                                std::string(variable) + ": an endpoint URL takes no query"));
  }
  std::string out = url->scheme + "://" + url->host;
  if (const std::optional<unsigned short>& port = url->port) {
    out += ":" + std::to_string(*port);
  }
  std::string_view path = url->path;
  while (!path.empty() && path.back() == '/') {
    path.remove_suffix(1);
  }
  out += path;
  return out;
}

}  // namespace

Result<std::string> region_from_environment(const EnvironmentLookup& environment) {
  for (const std::string_view variable : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (std::optional<std::string> region = non_empty_variable(environment, variable)) {
      if (Status valid = check_region(*region, variable); !valid) {
        return fail(std::move(valid.error()));
      }
      return std::move(*region);
    }
  }
  return fail(
      permanent_error("MissingRegion", "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION)"));
}

Result<ServiceEndpoint> resolve_endpoint(std::string_view service_id, std::string_view region,
                                         const EnvironmentLookup& environment) {
  const auto* const service = std::ranges::find(kServices, service_id, &ServiceInfo::id);
  if (service == kServices.end()) {
    return fail(permanent_error("UnknownService",
                                "no endpoint rules for service '" + std::string(service_id) +
                                    "' (known: dynamodb, streams.dynamodb, secretsmanager, ssm, "
                                    "sts)"));
  }
  if (Status valid = check_region(region, "region"); !valid) {
    return fail(std::move(valid.error()));
  }
  ServiceEndpoint endpoint{.signing_region = std::string(region),
                           .signing_service = std::string(service->signing_service)};
  const std::optional<std::string> ignore =
      non_empty_variable(environment, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  if (!ignore || !equals_ignoring_case(*ignore, "true")) {
    for (const std::string_view variable :
         {service->endpoint_variable, std::string_view("AWS_ENDPOINT_URL")}) {
      if (const std::optional<std::string> text = non_empty_variable(environment, variable)) {
        Result<std::string> url = override_url(variable, *text);
        if (!url) {
          return fail(std::move(url.error()));
        }
        endpoint.url = std::move(*url);
        return endpoint;
      }
    }
  }
  const std::string_view suffix = region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  endpoint.url =
      "https://" + std::string(service->id) + "." + std::string(region) + "." + std::string(suffix);
  return endpoint;
}

}  // namespace dispatcher::core::aws
