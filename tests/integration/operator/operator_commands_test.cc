// The operator commands against DynamoDB Local (STACK_DYNAMODB_ENDPOINT), run in-process exactly as
// `bootstrap status|replay|release|sweep` runs them: asserted output, exit codes and table effects.

#include "app/operator/operator_commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/dynamodb/dynamodb_client.h"
#include "integration/http/aws_test_support.h"

namespace dispatcher::app::operator_tools {
namespace {

using core::dynamodb::binary_value;
using core::dynamodb::integer_attribute;
using core::dynamodb::integer_value;
using core::dynamodb::Item;
using core::dynamodb::string_attribute;
using core::dynamodb::string_value;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;

core::Deadline soon() { return testing::deadline_in(milliseconds(60000)); }

struct CommandOutcome {
  int exit_code = 0;
  std::string out;
  std::string err;

  [[nodiscard]] nlohmann::json json() const { return nlohmann::json::parse(out); }
};

class OperatorCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = testing::stack_variable("STACK_DYNAMODB_ENDPOINT");
    client_ = std::make_shared<adapters::dynamodb::DynamoDbClient>(
        rig_.json_client(adapters::aws::kDynamoDbService, endpoint_, {}, true));
    events_table_ = testing::unique_name("operator-events-");
    offsets_table_ = testing::unique_name("operator-offsets-");
    ASSERT_TRUE(
        client_
            ->create_table(
                adapters::dynamodb::CreateTableRequest{
                    .table_name = events_table_,
                    .partition_key = {.name = "id", .type = "S"},
                    .sort_key = adapters::dynamodb::KeyAttribute{.name = "version", .type = "N"},
                    .stream_view_type = "KEYS_ONLY"},
                soon())
            .has_value());
    ASSERT_TRUE(
        client_
            ->create_table(
                adapters::dynamodb::CreateTableRequest{
                    .table_name = offsets_table_, .partition_key = {.name = "id", .type = "S"}},
                soon())
            .has_value());
    ASSERT_TRUE(client_->wait_for_table_active(events_table_, soon()).has_value());
    ASSERT_TRUE(client_->wait_for_table_active(offsets_table_, soon()).has_value());
    environment_ = {{"AWS_REGION", "us-east-1"},
                    {"AWS_ACCESS_KEY_ID", "local"},
                    {"AWS_SECRET_ACCESS_KEY", "local"},
                    {"AWS_ENDPOINT_URL_DYNAMODB", endpoint_},
                    {"EVENTS_TABLE_NAME", events_table_},
                    {"OFFSETS_TABLE_NAME", offsets_table_},
                    {"USER", "operator-test"}};
  }

  void TearDown() override {
    (void)client_->delete_table(events_table_, soon());
    (void)client_->delete_table(offsets_table_, soon());
  }

  void put_event(const std::string& id, std::int64_t version, bool poison = false) {
    Item item{{"id", string_value(id)},
              {"version", integer_value(version)},
              {"streamType", string_value("Order")},
              {"streamId", string_value(id)},
              {"eventId", string_value(id + "-" + std::to_string(version))},
              {"timestamp", integer_value(1700000000000)},
              {"eventType", string_value("Placed")}};
    if (!poison) {
      item["data"] = binary_value("{}");
    }
    ASSERT_TRUE(client_
                    ->put_item(adapters::dynamodb::PutItemRequest{.table_name = events_table_,
                                                                  .item = std::move(item)},
                               soon())
                    .has_value());
  }

  void put_offset(const std::string& id, std::int64_t version) {
    ASSERT_TRUE(client_
                    ->put_item(
                        adapters::dynamodb::PutItemRequest{
                            .table_name = offsets_table_,
                            .item = Item{{"id", string_value(id)},
                                         {"version", integer_value(version)},
                                         {"dispatched_at", integer_value(1700000000000)}}},
                        soon())
                    .has_value());
  }

  std::optional<std::int64_t> offset(const std::string& id) {
    auto item = client_->get_item(offsets_table_, Item{{"id", string_value(id)}}, true, soon());
    EXPECT_TRUE(item.has_value());
    return item && *item ? integer_attribute(**item, "version") : std::nullopt;
  }

  std::string marker_trigger(const std::string& id) {
    auto item = client_->get_item(events_table_,
                                  Item{{"id", string_value(id)}, {"version", integer_value(-1001)}},
                                  true, soon());
    EXPECT_TRUE(item.has_value());
    if (!item || !*item) {
      return "";
    }
    const std::string* trigger = string_attribute(**item, "trigger");
    return trigger != nullptr ? *trigger : "";
  }

  /// Up to date, behind (never dispatched), held at a gap, held at a poison event.
  void seed_four_aggregates() {
    for (std::int64_t version = 0; version < 3; ++version) {
      put_event("Order:done", version);
    }
    put_offset("Order:done", 2);
    for (std::int64_t version = 0; version < 4; ++version) {
      put_event("Order:behind", version);
    }
    for (const std::int64_t version : {0, 1, 3, 4}) {
      put_event("Order:gap", version);
    }
    put_offset("Order:gap", 1);
    put_event("Order:poison", 0);
    put_event("Order:poison", 1, true);
    put_offset("Order:poison", 0);
  }

  CommandOutcome run(std::string_view command, std::vector<std::string_view> arguments,
                     std::string input = "", bool interactive = false) {
    std::ostringstream out;
    std::ostringstream err;
    std::istringstream in(std::move(input));
    Console console{.out = out, .err = err, .in = in, .interactive = interactive};
    const int code = run_operator_command(command, arguments, environment_, console);
    return CommandOutcome{.exit_code = code, .out = out.str(), .err = err.str()};
  }

  testing::AwsTestRig rig_;
  std::string endpoint_;
  std::shared_ptr<adapters::dynamodb::DynamoDbClient> client_;
  std::string events_table_;
  std::string offsets_table_;
  core::config::Environment environment_;
};

TEST_F(OperatorCommandsTest, StatusReportsLagHoldsAndASummaryAndExitsThreeWhenHeld) {
  seed_four_aggregates();
  const auto outcome = run("status", {"--json", "--segments", "3"});
  ASSERT_EQ(outcome.exit_code, kExitAttention) << outcome.err;
  const auto document = outcome.json();
  const auto& summary = document["summary"];
  EXPECT_EQ(summary["aggregates"], 4);
  EXPECT_EQ(summary["up_to_date"], 1);
  EXPECT_EQ(summary["behind"], 1);
  EXPECT_EQ(summary["held_gap"], 1);
  EXPECT_EQ(summary["held_poison"], 1);
  EXPECT_EQ(summary["total_lag"], 0 + 4 + 3 + 1);
  std::map<std::string, nlohmann::json> by_id;
  for (const auto& aggregate : document["aggregates"]) {
    by_id[aggregate["id"].get<std::string>()] = aggregate;
  }
  EXPECT_EQ(by_id["Order:gap"]["hold"]["version"], 2);
  EXPECT_EQ(by_id["Order:gap"]["hold"]["reason"], "gap");
  EXPECT_EQ(by_id["Order:gap"]["head_version"], 4);
  EXPECT_EQ(by_id["Order:gap"]["last_dispatched_at"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(by_id["Order:poison"]["hold"]["version"], 1);
  EXPECT_EQ(by_id["Order:poison"]["hold"]["reason"], "poison");
  EXPECT_EQ(by_id["Order:behind"]["state"], "behind");
  EXPECT_TRUE(by_id["Order:behind"]["offset"].is_null());
  EXPECT_EQ(by_id["Order:behind"]["lag"], 4);
  EXPECT_EQ(by_id["Order:done"]["state"], "up-to-date");
}

TEST_F(OperatorCommandsTest, StatusTopShowsHeldAggregatesFirstAndTheTextSummary) {
  seed_four_aggregates();
  const auto outcome = run("status", {"--top", "2"});
  ASSERT_EQ(outcome.exit_code, kExitAttention) << outcome.err;
  EXPECT_THAT(outcome.out, StartsWith("AGGREGATE"));
  EXPECT_THAT(outcome.out, HasSubstr("Order:gap: held at version 2 (gap)"));
  EXPECT_THAT(outcome.out, HasSubstr("Order:poison: held at version 1 (poison)"));
  EXPECT_THAT(outcome.out, ::testing::Not(HasSubstr("Order:done")));
  EXPECT_THAT(outcome.out,
              HasSubstr("aggregates 4: 1 up to date, 1 behind, 2 held (1 gap, 1 poison)"));
}

TEST_F(OperatorCommandsTest, StatusOfOneAggregateExitsZeroWhenNothingIsHeld) {
  seed_four_aggregates();
  const auto outcome = run("status", {"--aggregate", "Order:behind", "--json"});
  ASSERT_EQ(outcome.exit_code, kExitOk) << outcome.err;
  const auto document = outcome.json();
  ASSERT_EQ(document["aggregates"].size(), 1U);
  EXPECT_EQ(document["aggregates"][0]["head_version"], 3);
}

TEST_F(OperatorCommandsTest, UsageErrorsExitTwoAndHelpExitsZero) {
  EXPECT_EQ(run("status", {"--top", "zero"}).exit_code, kExitUsage);
  EXPECT_EQ(run("replay", {}).exit_code, kExitUsage);
  EXPECT_EQ(run("sweep", {"--rate", "-3"}).exit_code, kExitUsage);
  const auto help = run("release", {"--help"});
  EXPECT_EQ(help.exit_code, kExitOk);
  EXPECT_THAT(help.out, HasSubstr("Usage: bootstrap release"));
}

TEST_F(OperatorCommandsTest, ReplayMovesTheOffsetBackAuditsAndRingsTheDoorbell) {
  seed_four_aggregates();
  const auto outcome = run("replay", {"--aggregate", "Order:done", "--from-version", "1"});
  ASSERT_EQ(outcome.exit_code, kExitOk) << outcome.err;
  EXPECT_EQ(offset("Order:done"), 0);
  EXPECT_THAT(marker_trigger("Order:done"), StartsWith("replay:"));
  EXPECT_THAT(outcome.err, HasSubstr(R"("action":"replay")"));
  EXPECT_THAT(outcome.err, HasSubstr(R"("from_offset":2)"));
  EXPECT_THAT(outcome.err, HasSubstr(R"("to_offset":0)"));
  EXPECT_THAT(outcome.err, HasSubstr(R"("by":"operator-test@)"));
}

TEST_F(OperatorCommandsTest, ReplayWithoutAVersionStartsFromTheFirstEvent) {
  seed_four_aggregates();
  ASSERT_EQ(run("replay", {"--aggregate", "Order:done"}).exit_code, kExitOk);
  EXPECT_EQ(offset("Order:done"), -1);
}

TEST_F(OperatorCommandsTest, ReplayRefusesToMoveTheOffsetForward) {
  seed_four_aggregates();
  const auto outcome = run("replay", {"--aggregate", "Order:gap", "--from-version", "4"});
  EXPECT_EQ(outcome.exit_code, kExitError);
  EXPECT_THAT(outcome.err, HasSubstr("use release"));
  EXPECT_EQ(offset("Order:gap"), 1);
  EXPECT_EQ(marker_trigger("Order:gap"), "");
}

TEST_F(OperatorCommandsTest, ReplayRefusesAnAggregateWithoutEvents) {
  const auto outcome = run("replay", {"--aggregate", "Order:nobody"});
  EXPECT_EQ(outcome.exit_code, kExitError);
  EXPECT_THAT(outcome.err, HasSubstr("has no events"));
  EXPECT_FALSE(offset("Order:nobody").has_value());
}

TEST_F(OperatorCommandsTest, ReleaseRefusesAVersionTheAggregateIsNotHeldAt) {
  seed_four_aggregates();
  const auto outcome = run("release", {"--aggregate", "Order:gap", "--version", "3", "--yes"});
  EXPECT_EQ(outcome.exit_code, kExitError);
  EXPECT_THAT(outcome.err, HasSubstr("held at version 2"));
  EXPECT_EQ(offset("Order:gap"), 1);
  EXPECT_EQ(run("release", {"--aggregate", "Order:behind", "--version", "0", "--yes"}).exit_code,
            kExitError);
  EXPECT_FALSE(offset("Order:behind").has_value());
}

TEST_F(OperatorCommandsTest, ReleaseSkipsTheGapAfterConfirmationAndRingsTheDoorbell) {
  seed_four_aggregates();
  const auto declined =
      run("release", {"--aggregate", "Order:gap", "--version", "2"}, "no\n", true);
  EXPECT_EQ(declined.exit_code, kExitError);
  EXPECT_EQ(offset("Order:gap"), 1);

  const auto confirmed =
      run("release", {"--aggregate", "Order:gap", "--version", "2"}, "yes\n", true);
  ASSERT_EQ(confirmed.exit_code, kExitOk) << confirmed.err;
  EXPECT_THAT(confirmed.err, HasSubstr("will never be published"));
  EXPECT_THAT(confirmed.err, HasSubstr(R"("action":"release")"));
  EXPECT_EQ(offset("Order:gap"), 2);
  EXPECT_THAT(marker_trigger("Order:gap"), StartsWith("release:"));
  // Now the dispatcher can go on: status no longer sees it held.
  const auto status = run("status", {"--aggregate", "Order:gap", "--json"});
  EXPECT_EQ(status.json()["aggregates"][0]["state"], "behind");
}

TEST_F(OperatorCommandsTest, ReleaseOfAPoisonEventNeedsYesWithoutATerminal) {
  seed_four_aggregates();
  EXPECT_EQ(run("release", {"--aggregate", "Order:poison", "--version", "1"}).exit_code,
            kExitUsage);
  EXPECT_EQ(offset("Order:poison"), 0);
  const auto outcome =
      run("release", {"--aggregate", "Order:poison", "--version", "1", "--yes", "--json"});
  ASSERT_EQ(outcome.exit_code, kExitOk) << outcome.err;
  EXPECT_EQ(outcome.json()["reason"], "poison");
  EXPECT_EQ(offset("Order:poison"), 1);
}

TEST_F(OperatorCommandsTest, SweepRingsAggregatesLeftBehindAndReportsHeldOnes) {
  seed_four_aggregates();
  const auto dry = run("sweep", {"--dry-run", "--json"});
  ASSERT_EQ(dry.exit_code, kExitAttention) << dry.err;
  EXPECT_EQ(dry.json()["rang"], nlohmann::json::array({"Order:behind"}));
  EXPECT_EQ(marker_trigger("Order:behind"), "");

  const auto token = std::filesystem::temp_directory_path() / testing::unique_name("sweep-token-");
  const std::string token_path = token.string();
  const auto swept =
      run("sweep", {"--json", "--rate", "20", "--segments", "2", "--resume-token", token_path});
  ASSERT_EQ(swept.exit_code, kExitAttention) << swept.err;
  const auto document = swept.json();
  EXPECT_EQ(document["rang"], nlohmann::json::array({"Order:behind"}));
  EXPECT_EQ(document["summary"]["held"], 2);
  EXPECT_THAT(marker_trigger("Order:behind"), StartsWith("sweep:"));
  EXPECT_EQ(marker_trigger("Order:gap"), "");
  EXPECT_EQ(marker_trigger("Order:done"), "");
  EXPECT_FALSE(std::filesystem::exists(token)) << "a finished sweep leaves no token";

  // A second sweep rings again with a new trigger: a new stream record, so a lost doorbell is
  // always recovered.
  const std::string first_trigger = marker_trigger("Order:behind");
  ASSERT_EQ(run("sweep", {}).exit_code, kExitAttention);
  EXPECT_NE(marker_trigger("Order:behind"), first_trigger);
}

TEST_F(OperatorCommandsTest, SweepResumesFromItsTokenAndRefusesATokenOfAnotherTable) {
  seed_four_aggregates();
  const auto token = std::filesystem::temp_directory_path() / testing::unique_name("sweep-token-");
  {
    // A token saying the scan is done except for nothing: resuming rings nobody and finishes.
    std::ofstream file(token);
    file << R"({"table": ")" << events_table_
         << R"(", "segments": [{"done": true, "exclusive_start_key": null, "pending": null}]})";
  }
  const auto resumed = run("sweep", {"--json", "--resume-token", token.string()});
  ASSERT_EQ(resumed.exit_code, kExitOk) << resumed.err;
  EXPECT_THAT(resumed.err, HasSubstr("resuming"));
  EXPECT_TRUE(resumed.json()["rang"].empty());
  EXPECT_EQ(marker_trigger("Order:behind"), "");

  {
    std::ofstream file(token);
    file << R"({"table": "some-other-table", "segments": [{"done": false}]})";
  }
  const auto refused = run("sweep", {"--resume-token", token.string()});
  EXPECT_EQ(refused.exit_code, kExitError);
  EXPECT_THAT(refused.err, HasSubstr("some-other-table"));
  std::filesystem::remove(token);
}

TEST_F(OperatorCommandsTest, StatusFoldsAggregatesSplitAcrossSmallScanPages) {
  for (int aggregate = 0; aggregate < 6; ++aggregate) {
    const std::string id = "Order:paged-" + std::to_string(aggregate);
    for (std::int64_t version = 0; version < 5; ++version) {
      put_event(id, version);
    }
    if (aggregate % 2 == 0) {
      put_offset(id, 4);
    }
  }
  for (const std::string_view segments : {"1", "3"}) {
    const auto outcome = run("status", {"--json", "--page-size", "2", "--segments", segments});
    ASSERT_EQ(outcome.exit_code, kExitOk) << outcome.err;
    const auto document = outcome.json();
    EXPECT_EQ(document["summary"]["aggregates"], 6) << "segments " << segments;
    EXPECT_EQ(document["summary"]["up_to_date"], 3);
    EXPECT_EQ(document["summary"]["behind"], 3);
    for (const auto& aggregate : document["aggregates"]) {
      EXPECT_EQ(aggregate["head_version"], 4) << aggregate["id"];
    }
  }
}

TEST_F(OperatorCommandsTest, SweepResumesAfterTheSavedKeyAndFinishesTheKeptBackAggregate) {
  for (int aggregate = 0; aggregate < 4; ++aggregate) {
    for (std::int64_t version = 0; version < 3; ++version) {
      put_event("Order:resume-" + std::to_string(aggregate), version);
    }
  }
  // The order a one-segment Scan returns the aggregates in (hash order, fixed for a table).
  auto json = rig_.json_client(adapters::aws::kDynamoDbService, endpoint_, {}, true);
  auto scanned =
      json->call("Scan", {{"TableName", events_table_}, {"ConsistentRead", true}}, soon());
  ASSERT_TRUE(scanned.has_value()) << scanned.error().describe();
  std::vector<std::string> order;
  for (const auto& item : scanned->output["Items"]) {
    const std::string id = item["id"]["S"].get<std::string>();
    if (order.empty() || order.back() != id) {
      order.push_back(id);
    }
  }
  ASSERT_EQ(order.size(), 4U);
  // Interrupted after version 1 of the second aggregate: it is kept back with head 1.
  const std::string& middle = order[1];
  const auto token = std::filesystem::temp_directory_path() / testing::unique_name("sweep-token-");
  {
    std::ofstream file(token);
    file << nlohmann::json{{"table", events_table_},
                           {"segments",
                            {{{"done", false},
                              {"exclusive_start_key",
                               {{"id", {{"S", middle}}}, {"version", {{"N", "1"}}}}},
                              {"pending", {{"id", middle}, {"head_version", 1}}}}}}}
                .dump();
  }
  const auto outcome = run("sweep", {"--json", "--resume-token", token.string()});
  ASSERT_EQ(outcome.exit_code, kExitOk) << outcome.err;
  EXPECT_EQ(outcome.json()["rang"], nlohmann::json({order[1], order[2], order[3]}));
  EXPECT_EQ(marker_trigger(order[0]), "") << "before the saved key: not swept again";
  const auto status = run("status", {"--aggregate", middle, "--json"});
  EXPECT_EQ(status.json()["aggregates"][0]["head_version"], 2);
  EXPECT_FALSE(std::filesystem::exists(token));
}

}  // namespace
}  // namespace dispatcher::app::operator_tools
