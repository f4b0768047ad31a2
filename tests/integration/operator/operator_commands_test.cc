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
#include "adapters/dynamodb/table_admin.h"
#include "adapters/event_store/dynamodb_event_store.h"
#include "core/clock.h"
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
        adapters::dynamodb::create_table(
            *client_,
            adapters::dynamodb::CreateTableRequest{
                .table_name = events_table_,
                .partition_key = {.name = "id", .type = "S"},
                .sort_key = adapters::dynamodb::KeyAttribute{.name = "version", .type = "N"},
                .stream_view_type = "KEYS_ONLY"},
            soon())
            .has_value());
    ASSERT_TRUE(adapters::dynamodb::create_table(
                    *client_,
                    adapters::dynamodb::CreateTableRequest{
                        .table_name = offsets_table_, .partition_key = {.name = "id", .type = "S"}},
                    soon())
                    .has_value());
    ASSERT_TRUE(
        adapters::dynamodb::wait_for_table_active(*client_, events_table_, soon()).has_value());
    ASSERT_TRUE(
        adapters::dynamodb::wait_for_table_active(*client_, offsets_table_, soon()).has_value());
    environment_ = {{"AWS_REGION", "us-east-1"},
                    {"AWS_ACCESS_KEY_ID", "local"},
                    {"AWS_SECRET_ACCESS_KEY", "local"},
                    {"AWS_ENDPOINT_URL_DYNAMODB", endpoint_},
                    {"EVENTS_TABLE_NAME", events_table_},
                    {"OFFSETS_TABLE_NAME", offsets_table_},
                    {"USER", "operator-test"}};
  }

  void TearDown() override {
    (void)adapters::dynamodb::delete_table(*client_, events_table_, soon());
    (void)adapters::dynamodb::delete_table(*client_, offsets_table_, soon());
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

  /// Writes through the dispatcher's own adapter, exactly as an invocation commits or holds.
  core::dispatch::CommitOutcome dispatcher_commit(core::dispatch::OffsetCommit commit) {
    adapters::event_store::DynamoDbEventStore store(
        client_,
        adapters::event_store::EventStoreTables{.events_table = events_table_,
                                                .offsets_table = offsets_table_},
        std::make_shared<core::SystemClock>());
    const std::array<core::dispatch::OffsetCommit, 1> commits{std::move(commit)};
    auto outcomes = store.commit_offsets(commits, soon());
    EXPECT_TRUE(outcomes.front().has_value()) << outcomes.front().error().describe();
    return outcomes.front().value_or(core::dispatch::CommitOutcome::kLostRace);
  }

  /// Events 0..3 of `id`, offset 1, and the hold the dispatcher stores when the broker refuses
  /// version 2 for good. Re-planning alone sees nothing wrong with version 2.
  void seed_refused(const std::string& id) {
    for (std::int64_t version = 0; version < 4; ++version) {
      put_event(id, version);
    }
    put_offset(id, 1);
    ASSERT_EQ(
        dispatcher_commit(core::dispatch::OffsetCommit{
            .aggregate_id = id,
            .read_offset = 1,
            .hold =
                core::dispatch::StoredHold{
                    .hold = core::dispatch::Hold{.version = 2,
                                                 .reason = core::dispatch::HoldReason::kRefused,
                                                 .detail = "MSG_SIZE_TOO_LARGE"},
                    .since_milliseconds = 1700000000123}}),
        core::dispatch::CommitOutcome::kWritten);
  }

  std::optional<Item> offset_item(const std::string& id) {
    auto item = client_->get_item(offsets_table_, Item{{"id", string_value(id)}}, true, soon());
    EXPECT_TRUE(item.has_value());
    return item ? *item : std::nullopt;
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
  EXPECT_THAT(outcome.out, HasSubstr("Order:gap: would hold at version 2 (gap; derived"));
  EXPECT_THAT(outcome.out, HasSubstr("Order:poison: would hold at version 1 (poison; derived"));
  EXPECT_THAT(outcome.out, ::testing::Not(HasSubstr("Order:done")));
  EXPECT_THAT(outcome.out, HasSubstr("aggregates 4: 1 up to date, 1 behind, 2 held (1 gap, "
                                     "1 poison, 0 refused, 0 corrupt; 0 stored, 2 derived)"));
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
  // Holds only re-planning finds are rung too, so that the dispatcher stores its verdict.
  EXPECT_THAT(dry.json()["rang"].get<std::vector<std::string>>(),
              ::testing::UnorderedElementsAre("Order:behind", "Order:gap", "Order:poison"));
  EXPECT_EQ(dry.json()["summary"]["rang_derived_holds"], 2);
  EXPECT_EQ(marker_trigger("Order:behind"), "");

  const auto token = std::filesystem::temp_directory_path() / testing::unique_name("sweep-token-");
  const std::string token_path = token.string();
  const auto swept =
      run("sweep", {"--json", "--rate", "20", "--segments", "2", "--resume-token", token_path});
  ASSERT_EQ(swept.exit_code, kExitAttention) << swept.err;
  const auto document = swept.json();
  EXPECT_EQ(document["rang"].size(), 3U);
  EXPECT_EQ(document["summary"]["held"], 0) << "no stored hold to skip";
  EXPECT_THAT(marker_trigger("Order:behind"), StartsWith("sweep:"));
  EXPECT_THAT(marker_trigger("Order:gap"), StartsWith("sweep:"));
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

TEST_F(OperatorCommandsTest, StatusShowsAStoredRefusedHoldAsStoredWithItsStart) {
  seed_refused("Order:refused");
  const auto json = run("status", {"--aggregate", "Order:refused", "--json"});
  ASSERT_EQ(json.exit_code, kExitAttention) << json.err;
  const auto aggregate = json.json()["aggregates"][0];
  EXPECT_EQ(aggregate["state"], "held");
  EXPECT_EQ(aggregate["offset"], 1);
  EXPECT_EQ(aggregate["hold"]["reason"], "refused");
  EXPECT_EQ(aggregate["hold"]["version"], 2);
  EXPECT_EQ(aggregate["hold"]["detail"], "MSG_SIZE_TOO_LARGE");
  EXPECT_EQ(aggregate["hold"]["source"], "stored");
  EXPECT_EQ(aggregate["hold"]["held_since"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(json.json()["summary"]["held_refused"], 1);

  const auto text = run("status", {});
  ASSERT_EQ(text.exit_code, kExitAttention) << text.err;
  EXPECT_THAT(text.out, HasSubstr("Order:refused: held at version 2 (refused; stored by the "
                                  "dispatcher, held since 2023-11-14T22:13:20.123Z): "
                                  "MSG_SIZE_TOO_LARGE"));
}

TEST_F(OperatorCommandsTest, StatusShowsAnUnreadableOffsetItemAsHeldCorruptNotAsAFailure) {
  seed_four_aggregates();
  put_event("Order:corrupt", 0);
  ASSERT_TRUE(
      client_
          ->put_item(
              adapters::dynamodb::PutItemRequest{.table_name = offsets_table_,
                                                 .item = Item{{"id", string_value("Order:corrupt")},
                                                              {"version", string_value("three")}}},
              soon())
          .has_value());
  const auto outcome = run("status", {"--json"});
  ASSERT_EQ(outcome.exit_code, kExitAttention) << outcome.err;
  const auto document = outcome.json();
  EXPECT_EQ(document["summary"]["aggregates"], 5) << "the others are still shown";
  EXPECT_EQ(document["summary"]["held_corrupt"], 1);
  for (const auto& aggregate : document["aggregates"]) {
    if (aggregate["id"] == "Order:corrupt") {
      EXPECT_EQ(aggregate["state"], "held");
      EXPECT_EQ(aggregate["hold"]["reason"], "corrupt");
      EXPECT_THAT(aggregate["offset_problem"].get<std::string>(), HasSubstr("'version'"));
      EXPECT_THAT(aggregate.dump(), ::testing::Not(HasSubstr("three"))) << "never the value";
    }
  }
}

TEST_F(OperatorCommandsTest, ReleaseOfARefusedHoldMovesTheOffsetAndClearsTheHold) {
  seed_refused("Order:refused");
  const auto outcome =
      run("release", {"--aggregate", "Order:refused", "--version", "2", "--yes", "--json"});
  ASSERT_EQ(outcome.exit_code, kExitOk) << outcome.err;
  EXPECT_EQ(outcome.json()["reason"], "refused");
  EXPECT_EQ(outcome.json()["source"], "stored");
  const auto item = offset_item("Order:refused");
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(integer_attribute(*item, "version"), 2);
  for (const char* attribute : {"hold_version", "hold_reason", "hold_detail", "held_since"}) {
    EXPECT_EQ(core::dynamodb::attribute(*item, attribute), nullptr) << attribute;
  }
  ASSERT_NE(string_attribute(*item, "released_by"), nullptr);
  EXPECT_THAT(*string_attribute(*item, "released_by"), StartsWith("operator-test@"));
  ASSERT_NE(string_attribute(*item, "release_id"), nullptr);
  EXPECT_EQ(outcome.json()["release_id"], *string_attribute(*item, "release_id"));
  EXPECT_THAT(marker_trigger("Order:refused"), StartsWith("release:"));
  EXPECT_THAT(outcome.err, HasSubstr(R"("reason":"refused")"));
  const auto status = run("status", {"--aggregate", "Order:refused", "--json"});
  EXPECT_EQ(status.exit_code, kExitOk);
  EXPECT_EQ(status.json()["aggregates"][0]["state"], "behind");
}

TEST_F(OperatorCommandsTest, AReleaseRetriedAfterItsAnswerWasLostReportsDone) {
  seed_refused("Order:refused");
  // The first attempt's UpdateItem landed, its answer did not: the item is as release leaves it.
  ASSERT_TRUE(
      client_
          ->update_item(
              adapters::dynamodb::UpdateItemRequest{
                  .table_name = offsets_table_,
                  .key = Item{{"id", string_value("Order:refused")}},
                  .update_expression = "SET #version = :version, #released_at = :at, "
                                       "#released_by = :by, #release_id = :release_id REMOVE "
                                       "#hold_version, #hold_reason, #hold_detail, #held_since",
                  .condition_expression = "#version = :read",
                  .expression_attribute_names = {{"#version", "version"},
                                                 {"#released_at", "released_at"},
                                                 {"#released_by", "released_by"},
                                                 {"#release_id", "release_id"},
                                                 {"#hold_version", "hold_version"},
                                                 {"#hold_reason", "hold_reason"},
                                                 {"#hold_detail", "hold_detail"},
                                                 {"#held_since", "held_since"}},
                  .expression_attribute_values = {{":version", integer_value(2)},
                                                  {":read", integer_value(1)},
                                                  {":at", string_value("2026-12-01T00:00:00Z")},
                                                  {":by", string_value("operator-test@here")},
                                                  {":release_id", string_value("release-r1")}}},
              soon())
          .has_value());
  const auto retried = run("release", {"--aggregate", "Order:refused", "--version", "2", "--yes",
                                       "--release-id", "release-r1"});
  ASSERT_EQ(retried.exit_code, kExitOk) << retried.err;
  EXPECT_THAT(retried.out, HasSubstr("already released by release-r1"));
  EXPECT_EQ(offset("Order:refused"), 2);
  EXPECT_THAT(marker_trigger("Order:refused"), StartsWith("release:"));

  // Another release of the same version is not this one: the real reason is given.
  const auto other = run("release", {"--aggregate", "Order:refused", "--version", "2", "--yes",
                                     "--release-id", "release-r2"});
  EXPECT_EQ(other.exit_code, kExitError);
  EXPECT_THAT(other.err, HasSubstr("not held at version 2"));
}

TEST_F(OperatorCommandsTest, ReleaseToVersionReplacesAnUnreadableOffsetItem) {
  put_event("Order:corrupt", 0);
  put_event("Order:corrupt", 1);
  ASSERT_TRUE(
      client_
          ->put_item(
              adapters::dynamodb::PutItemRequest{.table_name = offsets_table_,
                                                 .item = Item{{"id", string_value("Order:corrupt")},
                                                              {"version", string_value("three")}}},
              soon())
          .has_value());
  const auto needs_to_version =
      run("release", {"--aggregate", "Order:corrupt", "--version", "1", "--yes"});
  EXPECT_EQ(needs_to_version.exit_code, kExitError);
  EXPECT_THAT(needs_to_version.err, HasSubstr("--to-version"));
  EXPECT_EQ(run("replay", {"--aggregate", "Order:corrupt"}).exit_code, kExitError);

  const auto released =
      run("release", {"--aggregate", "Order:corrupt", "--to-version", "0", "--yes"});
  ASSERT_EQ(released.exit_code, kExitOk) << released.err;
  EXPECT_EQ(offset("Order:corrupt"), 0);
  EXPECT_THAT(marker_trigger("Order:corrupt"), StartsWith("release:"));
  const auto status = run("status", {"--aggregate", "Order:corrupt", "--json"});
  EXPECT_EQ(status.json()["aggregates"][0]["state"], "behind");
}

TEST_F(OperatorCommandsTest, ReplayThatLosesToAConcurrentCommitSaysSoAndChangesNothing) {
  seed_four_aggregates();
  // The operator saw offset 2 in status; meanwhile the dispatcher committed versions 3..4.
  put_event("Order:done", 3);
  put_event("Order:done", 4);
  ASSERT_EQ(dispatcher_commit(core::dispatch::OffsetCommit{
                .aggregate_id = "Order:done", .version = 4, .read_offset = 2}),
            core::dispatch::CommitOutcome::kWritten);
  const auto outcome =
      run("replay", {"--aggregate", "Order:done", "--from-version", "1", "--expect-offset", "2"});
  EXPECT_EQ(outcome.exit_code, kExitError);
  EXPECT_THAT(outcome.err, HasSubstr("lost to a concurrent dispatcher commit"));
  EXPECT_THAT(outcome.err, HasSubstr("is now 4"));
  EXPECT_THAT(outcome.err, ::testing::Not(HasSubstr(R"("action":"replay")"))) << "no audit line";
  EXPECT_EQ(offset("Order:done"), 4) << "the commit stands";
  EXPECT_EQ(marker_trigger("Order:done"), "");

  // With what it reads itself, the replay moves back from the committed offset.
  const auto replayed = run("replay", {"--aggregate", "Order:done", "--from-version", "1"});
  ASSERT_EQ(replayed.exit_code, kExitOk) << replayed.err;
  EXPECT_EQ(offset("Order:done"), 0);
}

TEST_F(OperatorCommandsTest, ReplayClearsAStoredHoldSoTheDispatcherDecidesAgain) {
  seed_refused("Order:refused");
  const auto outcome = run("replay", {"--aggregate", "Order:refused", "--from-version", "1"});
  ASSERT_EQ(outcome.exit_code, kExitOk) << outcome.err;
  const auto item = offset_item("Order:refused");
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(integer_attribute(*item, "version"), 0);
  EXPECT_EQ(core::dynamodb::attribute(*item, "hold_reason"), nullptr);
  EXPECT_THAT(outcome.err, HasSubstr(R"("cleared_hold":{)"));
}

TEST_F(OperatorCommandsTest, SweepSkipsAggregatesWithAStoredHoldAndSaysWhy) {
  for (std::int64_t version = 0; version < 4; ++version) {
    put_event("Order:behind", version);
  }
  seed_refused("Order:refused");
  const auto swept = run("sweep", {"--json"});
  ASSERT_EQ(swept.exit_code, kExitAttention) << swept.err;
  const auto document = swept.json();
  EXPECT_EQ(document["rang"], nlohmann::json::array({"Order:behind"}));
  EXPECT_EQ(document["summary"]["skipped_held"], 1);
  EXPECT_EQ(document["summary"]["skipped_by_reason"]["refused"], 1);
  ASSERT_EQ(document["held"].size(), 1U);
  EXPECT_EQ(document["held"][0]["hold"]["source"], "stored");
  EXPECT_EQ(marker_trigger("Order:refused"), "") << "a doorbell changes nothing for a stored hold";
  EXPECT_THAT(marker_trigger("Order:behind"), StartsWith("sweep:"));

  const auto text = run("sweep", {});
  EXPECT_THAT(text.out, HasSubstr("skip  Order:refused: held at version 2 (refused; stored"));
  EXPECT_THAT(text.out, HasSubstr("skipped 1 held (1 refused; stored holds"));
}

}  // namespace
}  // namespace dispatcher::app::operator_tools
