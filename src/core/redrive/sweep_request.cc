#include "core/redrive/sweep_request.h"

#include <cmath>

#include <nlohmann/json.hpp>

namespace dispatcher::core::redrive {
namespace {

using nlohmann::json;

Error invalid_request(const std::string& what) {
  return permanent_error("InvalidSweepRequest", "sweep payload: " + what);
}

Error invalid_state(const std::string& what) {
  return permanent_error("InvalidSweepState", "sweep state item: " + what);
}

Result<std::optional<std::int64_t>> bounded_integer(const json& object, const char* name,
                                                    std::int64_t low, std::int64_t high) {
  const auto found = object.find(name);
  if (found == object.end() || found->is_null()) {
    return std::optional<std::int64_t>();
  }
  if (!found->is_number_integer()) {
    return fail(invalid_request(std::string(name) + " is not a whole number"));
  }
  const auto value = found->get<std::int64_t>();
  if (value < low || value > high) {
    return fail(invalid_request(std::string(name) + " is " + std::to_string(value) + ", expected " +
                                std::to_string(low) + ".." + std::to_string(high)));
  }
  return std::optional<std::int64_t>(value);
}

}  // namespace

Result<SweepRequest> parse_sweep_request(std::string_view payload) {
  const json document = json::parse(payload, nullptr, false);
  if (document.is_discarded()) {
    return fail(invalid_request("not JSON"));
  }
  if (!document.is_object() || !document.contains("sweep") || !document["sweep"].is_object()) {
    return fail(invalid_request("expected {\"sweep\": {...}}"));
  }
  const json& sweep = document["sweep"];
  SweepRequest request;
  if (const auto rate = sweep.find("rate"); rate != sweep.end() && !rate->is_null()) {
    if (!rate->is_number() || !std::isfinite(rate->get<double>()) || rate->get<double>() <= 0) {
      return fail(invalid_request("rate must be a positive number of doorbells per second"));
    }
    request.rate = rate->get<double>();
  }
  auto page_size = bounded_integer(sweep, "pageSize", 1, 10'000);
  auto segments = bounded_integer(sweep, "segments", 1, 64);
  auto max_waves = bounded_integer(sweep, "maxWaves", 1, 1'000'000);
  for (auto* part : {&page_size, &segments, &max_waves}) {
    if (!*part) {
      return fail(std::move(part->error()));
    }
  }
  request.page_size = page_size->value_or(request.page_size);
  request.segments = segments->value_or(request.segments);
  request.max_waves = *max_waves;
  return request;
}

Result<SweepState> sweep_state_from_item(const std::optional<dynamodb::Item>& item) {
  SweepState state;
  if (!item) {
    return state;
  }
  const auto revision = dynamodb::integer_attribute(*item, "revision");
  if (!revision || *revision < 1) {
    return fail(invalid_state("revision is missing or not a positive whole number"));
  }
  state.revision = *revision;
  state.pass_started_ms = dynamodb::integer_attribute(*item, "pass_started_ms");
  state.completed_pass_started_ms = dynamodb::integer_attribute(*item, "completed_pass_started_ms");
  if (const std::string* token = dynamodb::string_attribute(*item, "sweep_token")) {
    const json parsed = json::parse(*token, nullptr, false);
    if (parsed.is_discarded()) {
      return fail(invalid_state("sweep_token is not JSON"));
    }
    auto progress = operator_tools::scan_progress_from_json(parsed);
    if (!progress) {
      return fail(invalid_state(progress.error().message));
    }
    if (!state.pass_started_ms) {
      return fail(invalid_state("sweep_token without pass_started_ms"));
    }
    state.progress = std::move(*progress);
  }
  return state;
}

dynamodb::Item sweep_state_attributes(const SweepState& state) {
  dynamodb::Item item{{"revision", dynamodb::integer_value(state.revision)}};
  if (state.progress) {
    item.emplace("sweep_token", dynamodb::string_value(
                                    operator_tools::scan_progress_to_json(*state.progress).dump()));
  }
  if (state.pass_started_ms) {
    item.emplace("pass_started_ms", dynamodb::integer_value(*state.pass_started_ms));
  }
  if (state.completed_pass_started_ms) {
    item.emplace("completed_pass_started_ms",
                 dynamodb::integer_value(*state.completed_pass_started_ms));
  }
  return item;
}

bool pass_covers(const SweepState& state, std::int64_t given_up_ms) noexcept {
  return state.completed_pass_started_ms.has_value() &&
         *state.completed_pass_started_ms >= given_up_ms;
}

}  // namespace dispatcher::core::redrive
