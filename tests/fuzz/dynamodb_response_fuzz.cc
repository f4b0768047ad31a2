// DynamoDB JSON responses, through adapters::dynamodb::DynamoDbClient and the JsonClient under it
// exactly as shipped (only the socket is replaced, fake_http_transport.h): Query pages,
// BatchGetItem and BatchWriteItem answers with their Unprocessed parts, and error answers.
//
// Input: a first line naming the operation (Query, BatchGetItem or BatchWriteItem), then
// optionally a line of three digits, the HTTP status (200 without it), then the body. Every
// request of the call (retries, further batch rounds) gets that same answer.
//
// Invariants beyond not crashing:
//  - an error status is never taken as data: every result is then an error;
//  - every error has service "dynamodb", a code and a message;
//  - Query: a page has exactly as many items as the body's Items array, each decodes -> encodes ->
//    decodes the same, and LastEvaluatedKey is there exactly when the body has one;
//  - BatchGetItem: one result per key; an item answered for a key has that key's id and version;
//    duplicate keys get the same answer; a key the body lists as unprocessed is never reported as
//    "no such item" (DynamoDB never looked it up);
//  - BatchWriteItem: one status per request; a request the body lists as unprocessed (so every
//    round left it unwritten) is never reported written.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/dynamodb/dynamodb_client.h"
#include "core/dynamodb/attribute_value.h"
#include "core/dynamodb/json_codec.h"
#include "fuzz/aws_fixture.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_text.h"

namespace {

namespace ddb = dispatcher::core::dynamodb;
using dispatcher::adapters::dynamodb::BatchGetRequest;
using dispatcher::adapters::dynamodb::DynamoDbClient;
using dispatcher::adapters::dynamodb::PutRequest;
using dispatcher::adapters::dynamodb::QueryRequest;
using dispatcher::adapters::dynamodb::WriteRequest;
using nlohmann::json;

constexpr std::string_view kTable = "Events";

struct Harness {
  dispatcher::fuzz::AwsFixture aws{dispatcher::adapters::aws::kDynamoDbService};
  DynamoDbClient client{aws.json, {.max_batch_rounds = 2}};
};

Harness& harness() {
  static Harness instance;
  return instance;
}

ddb::Item key(std::string id, std::int64_t version) {
  return {{"id", ddb::string_value(std::move(id))}, {"version", ddb::integer_value(version)}};
}

void check_error(const dispatcher::core::Error& error) {
  FUZZ_CHECK(error.service == "dynamodb", error.service);
  FUZZ_CHECK(!error.code.empty(), "an error without a code");
  FUZZ_CHECK(!error.message.empty(), "an error without a message");
}

bool is_error_status(long status) { return status < 200 || status >= 300; }

/// The items the body lists under `path...` that decode (the oracle's view of unprocessed keys).
std::vector<ddb::Item> listed_items(const json& body, std::initializer_list<const char*> path,
                                    const char* wrapper, const char* member) {
  std::vector<ddb::Item> items;
  const json* at = &body;
  for (const char* step : path) {
    if (!at->is_object() || !at->contains(step)) {
      return items;
    }
    at = &(*at)[step];
  }
  if (!at->is_array()) {
    return items;
  }
  for (const json& entry : *at) {
    const json* value = &entry;
    if (wrapper != nullptr) {
      if (!entry.is_object() || !entry.contains(wrapper) || !entry[wrapper].is_object() ||
          !entry[wrapper].contains(member)) {
        continue;
      }
      value = &entry[wrapper][member];
    }
    if (auto item = ddb::item_from_json(*value)) {
      items.push_back(std::move(*item));
    }
  }
  return items;
}

bool listed(const std::vector<ddb::Item>& items, const ddb::Item& wanted) {
  for (const ddb::Item& item : items) {
    if (item == wanted) {
      return true;
    }
  }
  return false;
}

void fuzz_query(long status, const json& body) {
  QueryRequest request{.table_name = std::string(kTable),
                       .key_condition_expression = "#id = :id AND #v > :after",
                       .expression_attribute_names = {{"#id", "id"}, {"#v", "version"}},
                       .expression_attribute_values = {{":id", ddb::string_value("Order:1")},
                                                       {":after", ddb::integer_value(-1)}},
                       .consistent_read = true};
  auto page = harness().client.query(request, harness().aws.deadline());
  if (!page) {
    check_error(page.error());
    return;
  }
  FUZZ_CHECK(!is_error_status(status), "an error answer taken as a Query page");
  FUZZ_CHECK(body.is_object() && body.contains("Items") && body["Items"].is_array(),
             "a page accepted without an Items array");
  FUZZ_CHECK(page->items.size() == body["Items"].size(), "items lost or invented");
  for (const ddb::Item& item : page->items) {
    auto again = ddb::item_from_json(ddb::item_to_json(item));
    FUZZ_CHECK(again.has_value() && *again == item, "a page item does not round-trip");
  }
  const bool has_last_key =
      body.contains("LastEvaluatedKey") && !body["LastEvaluatedKey"].is_null();
  FUZZ_CHECK(page->last_evaluated_key.has_value() == has_last_key,
             "LastEvaluatedKey lost or invented: pagination would stop early or loop");
}

void fuzz_batch_get(long status, const json& body) {
  BatchGetRequest request{
      .table_name = std::string(kTable),
      .keys = {key("Order:1", 0), key("Order:2", 5), key("Order:1", 0), key("Order:3", 7)},
      .consistent_read = true};
  const auto results = harness().client.batch_get(request, harness().aws.deadline());
  FUZZ_CHECK(results.size() == request.keys.size(), "not one result per key");
  const auto unprocessed = listed_items(body, {"UnprocessedKeys", "Events", "Keys"}, nullptr, "");
  for (std::size_t i = 0; i < results.size(); ++i) {
    const ddb::Item& wanted = request.keys[i];
    if (!results[i]) {
      check_error(results[i].error());
      continue;
    }
    FUZZ_CHECK(!is_error_status(status), "an error answer taken as BatchGetItem data");
    if (results[i]->has_value()) {
      const ddb::Item& item = **results[i];
      FUZZ_CHECK(ddb::string_attribute(item, "id") != nullptr &&
                     *ddb::string_attribute(item, "id") == *ddb::string_attribute(wanted, "id"),
                 "an item answered for another key (id)");
      FUZZ_CHECK(
          ddb::integer_attribute(item, "version") == ddb::integer_attribute(wanted, "version"),
          "an item answered for another key (version)");
    } else {
      FUZZ_CHECK(!listed(unprocessed, wanted), "an unprocessed key reported as no such item");
    }
  }
  FUZZ_CHECK(results[0].has_value() == results[2].has_value(), "a duplicate key answered apart");
  if (results[0].has_value()) {
    FUZZ_CHECK(*results[0] == *results[2], "a duplicate key got another answer");
  }
}

void fuzz_batch_write(long status, const json& body) {
  std::vector<WriteRequest> requests;
  for (std::int64_t version = 0; version < 3; ++version) {
    ddb::Item item = key("Order:1", version);
    item.emplace("data", ddb::binary_value("payload"));
    requests.emplace_back(PutRequest{std::move(item)});
  }
  const auto statuses = harness().client.batch_write(kTable, requests, harness().aws.deadline());
  FUZZ_CHECK(statuses.size() == requests.size(), "not one status per request");
  const auto unprocessed = listed_items(body, {"UnprocessedItems", "Events"}, "PutRequest", "Item");
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    if (!statuses[i]) {
      check_error(statuses[i].error());
      continue;
    }
    FUZZ_CHECK(!is_error_status(status), "an error answer taken as BatchWriteItem success");
    FUZZ_CHECK(!listed(unprocessed, std::get<PutRequest>(requests[i]).item),
               "an item DynamoDB left unprocessed in every round reported written");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = dispatcher::fuzz::as_text(data, size);
  const auto newline = input.find('\n');
  if (newline == std::string_view::npos) {
    return 0;
  }
  const std::string_view operation = input.substr(0, newline);
  const auto [status, body_text] = dispatcher::fuzz::status_and_body(input.substr(newline + 1));
  dispatcher::fuzz::answer_with(status, std::string(body_text));
  const json body = json::parse(body_text, nullptr, /*allow_exceptions=*/false);
  if (operation == "Query") {
    fuzz_query(status, body);
  } else if (operation == "BatchGetItem") {
    fuzz_batch_get(status, body);
  } else if (operation == "BatchWriteItem") {
    fuzz_batch_write(status, body);
  }
  return 0;
}
