#include "core/operator/audit_ledger.h"
#include "core/operator/audit_message.h"
#include "core/operator/audit_report.h"
#include "core/operator/audit_versions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace dispatcher::core::operator_tools {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// ---- VersionSet ------------------------------------------------------------------------------

TEST(VersionSet, KeepsAscendingVersionsAsOneRange) {
  VersionSet set;
  for (std::int64_t v = 0; v < 1000; ++v) {
    EXPECT_TRUE(set.add(v));
  }
  EXPECT_THAT(set.ranges(), ElementsAre(VersionRange{0, 999}));
  EXPECT_EQ(set.size(), 1000U);
  EXPECT_FALSE(set.add(500)) << "already there";
}

TEST(VersionSet, MergesRangesWhenAHoleIsFilledInAnyOrder) {
  VersionSet set;
  for (const std::int64_t v : {9, 1, 5, 3, 7}) {
    EXPECT_TRUE(set.add(v));
  }
  EXPECT_THAT(set.ranges(), ElementsAre(VersionRange{1, 1}, VersionRange{3, 3}, VersionRange{5, 5},
                                        VersionRange{7, 7}, VersionRange{9, 9}));
  EXPECT_TRUE(set.add(2));  // joins 1 and 3
  EXPECT_TRUE(set.add(8));  // joins 7 and 9
  EXPECT_TRUE(set.add(6));  // joins 5 and 7..9
  EXPECT_TRUE(set.add(0));  // extends 1..3 downwards
  EXPECT_THAT(set.ranges(), ElementsAre(VersionRange{0, 3}, VersionRange{5, 9}));
  EXPECT_TRUE(set.add(4));
  EXPECT_THAT(set.ranges(), ElementsAre(VersionRange{0, 9}));
  EXPECT_EQ(set.lowest(), 0);
  EXPECT_EQ(set.highest(), 9);
}

TEST(VersionSet, ContainsOnlyWhatWasAdded) {
  VersionSet set;
  for (const std::int64_t v : {2, 3, 4, 10}) {
    set.add(v);
  }
  for (std::int64_t v = -1; v < 12; ++v) {
    EXPECT_EQ(set.contains(v), v == 2 || v == 3 || v == 4 || v == 10) << v;
  }
}

TEST(VersionSet, MatchesAStdSetOnRandomInsertions) {
  std::mt19937 random(7);
  for (int round = 0; round < 50; ++round) {
    VersionSet set;
    std::set<std::int64_t> reference;
    for (int i = 0; i < 200; ++i) {
      const std::int64_t v = std::uniform_int_distribution<std::int64_t>(0, 120)(random);
      EXPECT_EQ(set.add(v), reference.insert(v).second);
    }
    EXPECT_EQ(set.size(), reference.size());
    for (std::int64_t v = 0; v <= 121; ++v) {
      ASSERT_EQ(set.contains(v), reference.contains(v)) << v;
    }
    const auto ranges = set.ranges();
    for (std::size_t i = 1; i < ranges.size(); ++i) {
      ASSERT_GT(ranges[i].first, ranges[i - 1].last + 1) << "disjoint and not adjacent";
    }
  }
}

VersionSet set_of(std::initializer_list<std::int64_t> versions) {
  VersionSet set;
  for (const auto v : versions) {
    set.add(v);
  }
  return set;
}

TEST(VersionsMissing, SubtractsWithinTheBounds) {
  const auto from = set_of({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 21});
  const auto without = set_of({0, 3, 4, 8, 20});
  EXPECT_THAT(versions_missing(from, without, 0, 100),
              ElementsAre(VersionRange{1, 2}, VersionRange{5, 7}, VersionRange{9, 9},
                          VersionRange{21, 21}));
  EXPECT_THAT(versions_missing(from, without, 6, 20),
              ElementsAre(VersionRange{6, 7}, VersionRange{9, 9}));
  EXPECT_TRUE(versions_missing(from, from, 0, 100).empty());
  EXPECT_THAT(versions_missing(from, VersionSet{}, 5, 6), ElementsAre(VersionRange{5, 6}));
  EXPECT_TRUE(versions_missing(VersionSet{}, from, 0, 100).empty());
}

TEST(RangesText, ShowsSingleVersionsRangesAndHowManyMore) {
  const std::vector<VersionRange> ranges{{2, 2}, {5, 7}, {9, 9}};
  EXPECT_EQ(ranges_text(ranges), "2, 5..7, 9");
  EXPECT_EQ(ranges_text(ranges, 1), "2, ... (2 more)");
  EXPECT_EQ(ranges_text({}), "-");
  EXPECT_EQ(version_count(ranges), 5U);
}

// ---- --since ---------------------------------------------------------------------------------

TEST(ParseAuditTime, ReadsUtcTimesAndEpochMilliseconds) {
  using std::chrono::milliseconds;
  const auto at = [](std::string_view text) {
    auto parsed = parse_audit_time(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return std::chrono::duration_cast<milliseconds>(
               parsed.value_or(std::chrono::system_clock::time_point{}).time_since_epoch())
        .count();
  };
  EXPECT_EQ(at("2023-11-14T22:13:20Z"), 1700000000000);
  EXPECT_EQ(at("2023-11-14T22:13:20.5Z"), 1700000000500);
  EXPECT_EQ(at("2023-11-14T22:13:20.123456Z"), 1700000000123);
  EXPECT_EQ(at("1700000000000"), 1700000000000);
  for (const std::string_view bad :
       {"", "yesterday", "2023-11-14", "2023-11-14T22:13:20", "2023-02-30T00:00:00Z",
        "2023-11-14T25:00:00Z", "2023-11-14T22:13:20.Z", "-5"}) {
    const auto parsed = parse_audit_time(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_THAT(parsed.error().message, HasSubstr("--since takes a UTC time")) << bad;
  }
}

// ---- messages --------------------------------------------------------------------------------

using Headers = std::vector<std::pair<std::string_view, std::string_view>>;

TEST(ReadAuditedMessage, ReadsTheDispatcherHeaders) {
  const Headers headers{{"traceparent", "x"},
                        {"messageId", "m"},
                        {"streamType", "Order"},
                        {"streamId", "42"},
                        {"version", "7"}};
  auto message = read_audited_message(2, 99, std::string_view("42"), headers);
  ASSERT_TRUE(message.has_value()) << message.error().describe();
  EXPECT_EQ(message->stream_type, "Order");
  EXPECT_EQ(message->stream_id, "42");
  EXPECT_EQ(message->version, 7);
  EXPECT_EQ(message->partition, 2);
  EXPECT_EQ(message->offset, 99);
}

TEST(ReadAuditedMessage, NamesTheMissingOrUnreadableHeader) {
  const auto error_of = [](const Headers& headers) {
    return read_audited_message(0, 0, std::nullopt, headers).error().message;
  };
  EXPECT_THAT(error_of({{"streamId", "1"}, {"version", "1"}}), HasSubstr("streamType"));
  EXPECT_THAT(error_of({{"streamType", "O"}, {"version", "1"}}), HasSubstr("streamId"));
  EXPECT_THAT(error_of({{"streamType", "O"}, {"streamId", "1"}}), HasSubstr("version"));
  for (const std::string_view bad : {"x", "1.5", "-1", "", "99999999999999999999"}) {
    EXPECT_THAT(error_of({{"streamType", "O"}, {"streamId", "1"}, {"version", bad}}),
                HasSubstr("not a whole number"))
        << bad;
  }
  EXPECT_EQ(read_audited_message(0, 0, std::nullopt, Headers{}).error().code,
            "NotADispatcherMessage");
}

// ---- the ledger ------------------------------------------------------------------------------

struct Sent {
  std::int64_t version;
  std::int32_t partition = 0;
  std::optional<std::string> key = std::string("a");
};

/// Aggregate "Order:a": the store holds `store`, the offset is `offset`, Kafka got `sent`.
struct Scenario {
  std::vector<std::int64_t> store;
  std::optional<std::int64_t> offset;
  std::vector<Sent> sent;
  AuditOptions options{};
};

struct Judged {
  AggregateFindings findings;
  AuditSummary summary;
};

Judged judge(const Scenario& scenario) {
  AuditLedger ledger(scenario.options);
  if (scenario.offset) {
    ledger.record_offset("Order:a", scenario.offset);
  }
  std::int64_t offset = 0;
  for (const auto& sent : scenario.sent) {
    std::optional<std::string_view> key;
    if (sent.key) {
      key = *sent.key;
    }
    ledger.record_message(AuditedMessage{.partition = sent.partition,
                                         .offset = offset++,
                                         .key = key,
                                         .stream_type = "Order",
                                         .stream_id = "a",
                                         .version = sent.version});
  }
  for (const auto v : scenario.store) {
    ledger.record_store_version("Order:a", v);
  }
  Judged judged;
  judged.summary = ledger.judge([&judged](const AggregateFindings& f) { judged.findings = f; });
  return judged;
}

std::vector<Sent> versions(std::initializer_list<std::int64_t> list) {
  std::vector<Sent> sent;
  for (const auto v : list) {
    sent.push_back(Sent{v});
  }
  return sent;
}

TEST(AuditLedger, PassesACompleteInOrderAggregate) {
  const auto judged = judge({.store = {0, 1, 2, 3}, .offset = 3, .sent = versions({0, 1, 2, 3})});
  EXPECT_FALSE(judged.findings.has_problem(false));
  EXPECT_TRUE(judged.summary.complete_and_in_order());
  EXPECT_EQ(judged.summary.complete, 1U);
  EXPECT_EQ(judged.findings.kafka_messages, 4U);
  EXPECT_EQ(judged.findings.partition, 0);
  EXPECT_TRUE(judged.findings.problem_lines(false).empty());
}

TEST(AuditLedger, ReportsADeletedMessageAsLost) {
  const auto judged = judge({.store = {0, 1, 2, 3}, .offset = 3, .sent = versions({0, 1, 3})});
  EXPECT_THAT(judged.findings.lost, ElementsAre(VersionRange{2, 2}));
  EXPECT_EQ(judged.findings.out_of_order, 0U) << "a jump alone is not disorder";
  EXPECT_FALSE(judged.summary.complete_and_in_order());
  EXPECT_EQ(judged.summary.lost, 1U);
  EXPECT_THAT(judged.findings.problem_lines(false).front(), HasSubstr("lost versions 2"));
}

TEST(AuditLedger, ReportsAReorderedTopicAsOutOfOrder) {
  const auto judged = judge({.store = {0, 1, 2, 3}, .offset = 3, .sent = versions({0, 2, 1, 3})});
  EXPECT_EQ(judged.findings.out_of_order, 1U);
  EXPECT_TRUE(judged.findings.lost.empty());
  EXPECT_EQ(judged.findings.non_suffix_duplicates, 0U) << "3 follows 2, the run it interrupted";
  EXPECT_FALSE(judged.summary.complete_and_in_order());
  EXPECT_THAT(judged.findings.examples.front(), HasSubstr("version 1 at partition 0 offset 2"));
}

TEST(AuditLedger, AcceptsReSentSuffixesAsDuplicates) {
  // Commit lost after 0..3, re-sent from 1; a re-send cut short and started again; a replay.
  const auto judged =
      judge({.store = {0, 1, 2, 3, 4, 5},
             .offset = 5,
             .sent = versions({0, 1, 2, 3, 1, 2, 3, 4, 3, 3, 4, 5, 0, 1, 2, 3, 4, 5})});
  EXPECT_FALSE(judged.findings.has_problem(false))
      << ::testing::PrintToString(judged.findings.problem_lines(false));
  EXPECT_EQ(judged.findings.resent, 12U);
  EXPECT_TRUE(judged.summary.complete_and_in_order());
}

TEST(AuditLedger, FlagsADuplicateThatIsNotASuffix) {
  // Version 1 sent again alone in the middle, then the run goes on with a new version.
  const auto middle =
      judge({.store = {0, 1, 2, 3}, .offset = 3, .sent = versions({0, 1, 2, 1, 3})});
  EXPECT_EQ(middle.findings.non_suffix_duplicates, 1U);
  EXPECT_FALSE(middle.summary.complete_and_in_order());
  // A re-send that skips a version inside the already-sent range.
  const auto skipping =
      judge({.store = {0, 1, 2, 3}, .offset = 3, .sent = versions({0, 1, 2, 3, 0, 2, 3})});
  EXPECT_EQ(skipping.findings.non_suffix_duplicates, 1U);
  EXPECT_THAT(skipping.findings.examples.front(), HasSubstr("skipping 1"));
  // At the end of the topic, while the offset says the dispatcher is done.
  const auto trailing =
      judge({.store = {0, 1, 2, 3}, .offset = 3, .sent = versions({0, 1, 2, 3, 1})});
  EXPECT_EQ(trailing.findings.non_suffix_duplicates, 1U);
  // ... but not while the offset is behind: the dispatcher re-sends from offset + 1 anyway.
  const auto in_progress =
      judge({.store = {0, 1, 2, 3}, .offset = 0, .sent = versions({0, 1, 2, 3, 1})});
  EXPECT_EQ(in_progress.findings.non_suffix_duplicates, 0U);
  EXPECT_EQ(in_progress.findings.uncommitted, 3U);
}

TEST(AuditLedger, FlagsAMessageWhoseKeyIsNotTheStreamId) {
  auto sent = versions({0, 1, 2});
  sent[1].key = "b";
  const auto wrong = judge({.store = {0, 1, 2}, .offset = 2, .sent = sent});
  EXPECT_EQ(wrong.findings.wrong_key, 1U);
  EXPECT_THAT(wrong.findings.examples.front(), HasSubstr("key \"b\""));
  EXPECT_FALSE(wrong.summary.complete_and_in_order());
  sent[1].key = std::nullopt;
  EXPECT_EQ(judge({.store = {0, 1, 2}, .offset = 2, .sent = sent}).findings.wrong_key, 1U);
}

TEST(AuditLedger, FlagsAnAggregateSpreadOverPartitionsAndJudgesOrderOnItsFirst) {
  auto sent = versions({0, 1, 2, 3});
  sent[2].partition = 1;
  const auto judged = judge({.store = {0, 1, 2, 3}, .offset = 3, .sent = sent});
  EXPECT_EQ(judged.findings.other_partition, 1U);
  EXPECT_EQ(judged.findings.out_of_order, 0U);
  EXPECT_TRUE(judged.findings.lost.empty()) << "the version is in Kafka, on the wrong partition";
  EXPECT_FALSE(judged.summary.complete_and_in_order());
}

TEST(AuditLedger, ReportsMessagesTheStoreDoesNotHave) {
  const auto judged = judge({.store = {0, 1}, .offset = 1, .sent = versions({0, 1, 2, 7})});
  EXPECT_THAT(judged.findings.unknown, ElementsAre(VersionRange{2, 2}, VersionRange{7, 7}));
  EXPECT_FALSE(judged.summary.complete_and_in_order());
  // An aggregate Kafka has and the store has not at all.
  const auto stranger = judge({.sent = versions({0})});
  EXPECT_THAT(stranger.findings.unknown, ElementsAre(VersionRange{0, 0}));
}

TEST(AuditLedger, TellsPendingVersionsFromLostOnes) {
  // 0..4 in the store, offset 2, Kafka has 0..2: 3 and 4 wait for their dispatch.
  const auto judged = judge({.store = {0, 1, 2, 3, 4}, .offset = 2, .sent = versions({0, 1, 2})});
  EXPECT_TRUE(judged.findings.lost.empty());
  EXPECT_THAT(judged.findings.pending, ElementsAre(VersionRange{3, 4}));
  EXPECT_FALSE(judged.summary.complete_and_in_order()) << "not complete yet";
  const auto allowed = judge({.store = {0, 1, 2, 3, 4},
                              .offset = 2,
                              .sent = versions({0, 1, 2}),
                              .options = {.allow_pending = true}});
  EXPECT_TRUE(allowed.summary.complete_and_in_order());
  // Never dispatched at all: no offset, nothing in Kafka.
  const auto never = judge({.store = {0, 1}});
  EXPECT_THAT(never.findings.pending, ElementsAre(VersionRange{0, 1}));
  EXPECT_TRUE(never.findings.lost.empty());
}

TEST(AuditLedger, ShowsHolesInTheStoreWithoutCallingThemLost) {
  // A released gap: version 2 never existed and Kafka jumps from 1 to 3.
  const auto judged = judge({.store = {0, 1, 3}, .offset = 3, .sent = versions({0, 1, 3})});
  EXPECT_THAT(judged.findings.store_holes, ElementsAre(VersionRange{2, 2}));
  EXPECT_FALSE(judged.findings.has_problem(false));
}

TEST(AuditLedger, JudgesAPartialWindowFromItsFirstVersion) {
  const AuditOptions window{.whole_topic = false};
  // Versions 0..2 were before the window: not judged. 4 is lost inside it.
  const auto judged = judge(
      {.store = {0, 1, 2, 3, 4, 5}, .offset = 5, .sent = versions({3, 5}), .options = window});
  EXPECT_THAT(judged.findings.lost, ElementsAre(VersionRange{4, 4}));
  // No message in the window: not judged, not a problem.
  const auto quiet = judge({.store = {0, 1}, .offset = 1, .options = window});
  EXPECT_FALSE(quiet.findings.judged);
  EXPECT_EQ(quiet.summary.not_judged, 1U);
  EXPECT_TRUE(quiet.summary.complete_and_in_order());
}

TEST(AuditLedger, CountsAnUnreadableOffsetsItemAsAProblem) {
  AuditLedger ledger(AuditOptions{});
  ledger.record_offset("Order:a", std::nullopt);
  ledger.record_store_version("Order:a", 0);
  AggregateFindings seen;
  const auto summary = ledger.judge([&seen](const AggregateFindings& f) { seen = f; });
  EXPECT_TRUE(seen.offset_unreadable);
  EXPECT_FALSE(summary.complete_and_in_order());
}

TEST(AuditLedger, CountsMessagesThatAreNotTheDispatchers) {
  AuditLedger ledger(AuditOptions{});
  ledger.record_unreadable_message(1, 5, "no version header");
  const auto summary = ledger.judge([](const AggregateFindings&) {});
  EXPECT_EQ(summary.unreadable_messages, 1U);
  EXPECT_FALSE(summary.complete_and_in_order());
  EXPECT_THAT(ledger.unreadable_examples(), ElementsAre("partition 1 offset 5: no version header"));
}

TEST(AuditLedger, IgnoresMarkersAndNegativeVersionsOfTheStore) {
  AuditLedger ledger(AuditOptions{});
  ledger.record_store_version("Order:a", -1001);
  ledger.record_store_version("Order:a", 0);
  AggregateFindings seen;
  (void)ledger.judge([&seen](const AggregateFindings& f) { seen = f; });
  EXPECT_EQ(seen.store_versions, 1U);
}

/// A dispatcher as the design allows it: publishes runs from offset + 1, a publish may stop
/// after any prefix, a commit may be lost; so only contiguous suffixes are ever sent again.
std::vector<Sent> lawful_dispatch(std::int64_t head, std::mt19937& random) {
  std::vector<Sent> sent;
  std::int64_t offset = -1;
  std::bernoulli_distribution cut(0.3);
  std::bernoulli_distribution commit_lost(0.3);
  while (offset < head) {
    const std::int64_t end =
        std::min(head, offset + std::uniform_int_distribution<std::int64_t>(1, 12)(random));
    std::int64_t delivered = offset;
    for (std::int64_t v = offset + 1; v <= end; ++v) {
      if (cut(random) && v > offset + 1) {
        break;
      }
      sent.push_back(Sent{v});
      delivered = v;
    }
    if (!commit_lost(random)) {
      offset = delivered;
    }
  }
  return sent;
}

TEST(AuditLedger, PassesEveryLawfulDispatchAndCatchesEachSingleDeletionOrSwap) {
  std::mt19937 random(11);
  for (int round = 0; round < 200; ++round) {
    const std::int64_t head = std::uniform_int_distribution<std::int64_t>(1, 40)(random);
    std::vector<std::int64_t> store;
    for (std::int64_t v = 0; v <= head; ++v) {
      store.push_back(v);
    }
    auto sent = lawful_dispatch(head, random);
    const auto clean = judge({.store = store, .offset = head, .sent = sent});
    ASSERT_TRUE(clean.summary.complete_and_in_order())
        << ::testing::PrintToString(clean.findings.problem_lines(false));

    // Delete every copy of one version: lost.
    const std::int64_t victim = std::uniform_int_distribution<std::int64_t>(0, head)(random);
    std::vector<Sent> deleted;
    std::ranges::copy_if(sent, std::back_inserter(deleted),
                         [victim](const Sent& s) { return s.version != victim; });
    const auto lost = judge({.store = store, .offset = head, .sent = deleted});
    ASSERT_FALSE(lost.summary.complete_and_in_order()) << "deleted " << victim;
    ASSERT_THAT(lost.findings.lost, ElementsAre(VersionRange{victim, victim}));

    // Swap the first deliveries of two consecutive versions: out of order.
    const std::int64_t swapped = std::uniform_int_distribution<std::int64_t>(0, head - 1)(random);
    auto reordered = sent;
    const auto first_of = [&reordered](std::int64_t v) {
      return std::ranges::find_if(reordered, [v](const Sent& s) { return s.version == v; });
    };
    std::iter_swap(first_of(swapped), first_of(swapped + 1));
    const auto disorder = judge({.store = store, .offset = head, .sent = reordered});
    ASSERT_FALSE(disorder.summary.complete_and_in_order()) << "swapped " << swapped;
    ASSERT_GT(disorder.findings.out_of_order, 0U);
  }
}

TEST(AuditLedger, MemoryDoesNotGrowWithTheNumberOfMessages) {
  AuditLedger ledger(AuditOptions{});
  const auto feed = [&ledger](std::int64_t from, std::int64_t to) {
    static std::int64_t offset = 0;
    for (std::int64_t v = from; v <= to; ++v) {
      for (int aggregate = 0; aggregate < 10; ++aggregate) {
        const std::string id = std::to_string(aggregate);
        ledger.record_message(AuditedMessage{.partition = aggregate % 3,
                                             .offset = offset++,
                                             .key = std::string_view(id),
                                             .stream_type = "Order",
                                             .stream_id = id,
                                             .version = v});
      }
    }
  };
  feed(0, 999);
  const std::size_t after_ten_thousand = ledger.approximate_bytes();
  // 1,000,000 more messages, with a re-sent suffix every 10,000 versions.
  for (std::int64_t block = 0; block < 10; ++block) {
    const std::int64_t start = 1000 + block * 10'000;
    feed(start, start + 9'999);
    feed(start + 9'990, start + 9'999);
  }
  EXPECT_EQ(ledger.aggregates(), 10U);
  EXPECT_LE(ledger.approximate_bytes(), after_ten_thousand + 10 * 64)
      << "a contiguous aggregate keeps one range however many messages it has";
  const auto summary = ledger.judge([](const AggregateFindings& f) {
    EXPECT_EQ(f.kafka_versions, 101'000U);
    EXPECT_EQ(f.resent, 100U);
  });
  EXPECT_EQ(summary.kafka_messages, 10U * (1000 + 10 * 10'010));
}

TEST(AuditReport, TableSummaryAndJsonSayWhatIsWrong) {
  const auto judged = judge({.store = {0, 1, 2, 3}, .offset = 3, .sent = versions({0, 1, 3})});
  const std::vector<AggregateFindings> shown{judged.findings};
  const std::string table = audit_table(shown, false);
  EXPECT_THAT(table, HasSubstr("AGGREGATE"));
  EXPECT_THAT(table, HasSubstr("Order:a"));
  EXPECT_THAT(table, HasSubstr("LOST"));
  const auto json = findings_json(judged.findings, false);
  EXPECT_EQ(json["lost"], nlohmann::json::parse("[[2, 2]]"));
  EXPECT_EQ(json["ok"], false);
  EXPECT_EQ(json["store"]["last"], 3);
  EXPECT_EQ(json["kafka"]["messages"], 3);
  EXPECT_EQ(summary_json(judged.summary)["complete_and_in_order"], false);
  EXPECT_THAT(audit_summary_line(judged.summary),
              HasSubstr("audited 1 aggregates (4 events in the store, 3 messages in Kafka): 0 "
                        "complete and in order, 1 with problems; lost 1"));
}

}  // namespace
}  // namespace dispatcher::core::operator_tools
