#include "core/dispatch/batch_response.h"

#include <nlohmann/json.hpp>

#include "core/dispatch/sequence_number.h"

namespace dispatcher::core::dispatch {

BatchResponse BatchResponse::from_failures(std::span<const std::string> failed_sequence_numbers) {
  BatchResponse response;
  for (const std::string& sequence_number : failed_sequence_numbers) {
    if (!response.retry_from.has_value() ||
        compare_sequence_numbers(sequence_number, *response.retry_from) < 0) {
      response.retry_from = sequence_number;
    }
  }
  return response;
}

std::string BatchResponse::to_json() const {
  nlohmann::json failures = nlohmann::json::array();
  if (retry_from.has_value()) {
    failures.push_back({{"itemIdentifier", *retry_from}});
  }
  return nlohmann::json{{"batchItemFailures", std::move(failures)}}.dump();
}

}  // namespace dispatcher::core::dispatch
