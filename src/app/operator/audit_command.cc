#include "app/operator/audit_command.h"

#include <array>
#include <chrono>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/kafka/topic_reader.h"
#include "app/kafka_security.h"
#include "app/operator/operator_context.h"
#include "core/dispatch/topic_template.h"
#include "core/dynamodb/json_codec.h"
#include "core/operator/audit.h"
#include "core/runner/state_keys.h"

namespace dispatcher::app::operator_tools {
namespace {

namespace ops = core::operator_tools;
using core::dynamodb::Item;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::string_view kAuditHelp =
    R"(Usage: bootstrap audit [--aggregate ID] [--since TIME] [--topic NAMES] [--allow-pending]
                       [--all] [--segments N] [--page-size N] [--stall-seconds N] [--json]
Reads the output topic(s) back with a Kafka consumer (from the beginning, or since TIME, up to
the end the topic had when the audit began) and compares them, aggregate by aggregate, with the
events and offsets tables: the versions in the store and the committed offset; the versions in
Kafka; versions lost (committed, not in Kafka), not yet in Kafka (after the committed offset),
out of order, re-sent suffixes (the allowed duplicates) and re-sends that are not a suffix;
messages the store does not have; whether each message's key is its streamId and each
aggregate stays on one partition. Then a summary. Progress on standard error. It reads only:
nothing is committed, no consumer group is joined. Needs KAFKA_BOOTSTRAP_SERVERS and the
function's Kafka security settings besides the table settings.
  --aggregate ID     only this aggregate (the topic is still read whole; the store is queried)
  --since TIME       only messages from TIME on (2026-11-24T02:00:00Z or epoch milliseconds);
                     each aggregate is then judged from its first version in that window
  --topic NAMES      topics to read, comma-separated (default KAFKA_TOPIC_OUTPUT, which must
                     then be a fixed name, not a template)
  --allow-pending    versions after the committed offset not yet in Kafka are not a problem
  --all              list every aggregate, not only those with a problem
  --segments N       parallel Scan segments of the tables (default 4)
  --page-size N      items per Scan page (default 10000, which bounds the memory a page takes)
  --stall-seconds N  fail when no message arrives for N seconds (default 30)
  --json             machine output: {"aggregates": [...], "summary": {...}}
Exit codes: 0 complete and in order; 1 error; 2 usage; 3 something lost, not yet in Kafka, out
of order, re-sent other than as a suffix, unknown to the store, on the wrong key or partition,
or not a dispatcher message.
)";

constexpr std::array<ops::OptionSpec, 10> kAuditOptions{
    ops::OptionSpec{"--aggregate", true}, ops::OptionSpec{"--since", true},
    ops::OptionSpec{"--topic", true},     ops::OptionSpec{"--allow-pending", false},
    ops::OptionSpec{"--all", false},      ops::OptionSpec{"--segments", true},
    ops::OptionSpec{"--page-size", true}, ops::OptionSpec{"--stall-seconds", true},
    ops::OptionSpec{"--json", false},     ops::OptionSpec{"--help", false}};

constexpr std::int64_t kDefaultSegments = 4;
// A 1 MB page of keys-only items holds ~30,000 of them (tens of MB decoded); 10,000 keeps the
// pages in flight to a few MB each at little cost in requests (docs/benchmarks.md).
constexpr std::int64_t kDefaultPageSize = 10'000;
constexpr std::int64_t kDefaultStallSeconds = 30;
constexpr auto kCallTime = seconds(60);
constexpr auto kMetadataTimeout = milliseconds(15'000);
constexpr auto kProgressInterval = seconds(1);

/// Standard error is written by the command's thread and by librdkafka's (its error lines).
std::mutex& err_mutex() {
  static std::mutex mutex;
  return mutex;
}

void say(Console& console, const std::string& line) {
  const std::scoped_lock lock(err_mutex());
  console.err << line << "\n";
  console.err.flush();
}

int fail_with(Console& console, const core::Error& error) {
  say(console, "bootstrap audit: " + error.describe());
  return kExitError;
}

/// Prints "<what>" at most once per interval.
class Progress {
 public:
  explicit Progress(Console& console) : console_(console) {}
  template <typename Text>
  void maybe(Text&& text) {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_) {
      return;
    }
    next_ = now + kProgressInterval;
    say(console_, text());
  }

 private:
  Console& console_;
  std::chrono::steady_clock::time_point next_ =
      std::chrono::steady_clock::now() + kProgressInterval;
};

/// Reads every item of `table` (parallel Scan, consistent, `projection` over `names`), handing
/// each to `on_item`; pages are decoded and dropped one wave at a time.
core::Status scan_table(OperatorContext& context, const std::string& table,
                        const std::string& projection, const nlohmann::json& names,
                        std::size_t segments, std::optional<std::int64_t> page_size,
                        const std::function<void(const Item&)>& on_item) {
  std::vector<std::optional<nlohmann::json>> start_keys(segments);
  std::vector<bool> done(segments, false);
  while (std::ranges::find(done, false) != done.end()) {
    std::vector<adapters::aws::JsonCall> calls;
    std::vector<std::size_t> asked;
    for (std::size_t segment = 0; segment < segments; ++segment) {
      if (done[segment]) {
        continue;
      }
      nlohmann::json input = {{"TableName", table}, {"ConsistentRead", true}};
      if (!projection.empty()) {
        input["ProjectionExpression"] = projection;
        input["ExpressionAttributeNames"] = names;
      }
      if (segments > 1) {
        input["Segment"] = segment;
        input["TotalSegments"] = segments;
      }
      if (page_size) {
        input["Limit"] = *page_size;
      }
      if (start_keys[segment]) {
        input["ExclusiveStartKey"] = *start_keys[segment];
      }
      calls.push_back(adapters::aws::JsonCall{.operation = "Scan", .input = std::move(input)});
      asked.push_back(segment);
    }
    auto responses = context.dynamodb_json().call_all(calls, context.deadline_in(kCallTime));
    for (std::size_t i = 0; i < responses.size(); ++i) {
      if (!responses[i]) {
        return core::fail(std::move(responses[i].error()));
      }
      auto& output = responses[i]->output;
      if (output.contains("Items") && output["Items"].is_array()) {
        for (const auto& entry : output["Items"]) {
          auto item = core::dynamodb::item_from_json(entry);
          if (!item) {
            return core::fail(std::move(item.error()));
          }
          on_item(*item);
        }
      }
      if (output.contains("LastEvaluatedKey") && output["LastEvaluatedKey"].is_object()) {
        start_keys[asked[i]] = std::move(output["LastEvaluatedKey"]);
      } else {
        done[asked[i]] = true;
      }
    }
  }
  return {};
}

/// Offsets: one aggregate's item, or every item of the offsets table.
core::Status read_offsets(OperatorContext& context, const std::optional<std::string>& only,
                          std::size_t segments, std::optional<std::int64_t> page_size,
                          ops::AuditLedger& ledger) {
  const auto record = [&ledger](const std::string& id, const std::optional<Item>& item) {
    const auto offset = ops::read_offset_record(item);
    if (offset.problem) {
      ledger.record_offset(id, std::nullopt);
    } else if (offset.state.version) {
      ledger.record_offset(id, offset.state.version);
    }
  };
  if (only) {
    auto item = context.offset_item(*only, context.deadline_in(kCallTime));
    if (!item) {
      return core::fail(std::move(item.error()));
    }
    if (*item) {
      record(*only, *item);
    }
    return {};
  }
  return scan_table(context, context.settings().offsets_table_name, "", nullptr, segments,
                    page_size, [&record](const Item& item) {
                      const std::string* id = core::dynamodb::string_attribute(item, "id");
                      if (id != nullptr && !core::runner::is_reserved_id(*id)) {
                        record(*id, item);
                      }
                    });
}

/// Events: one aggregate's versions (Query), or every item's (Scan, keys only).
core::Status read_store(OperatorContext& context, const std::optional<std::string>& only,
                        std::size_t segments, std::optional<std::int64_t> page_size,
                        ops::AuditLedger& ledger, Progress& progress) {
  std::uint64_t items = 0;
  const auto record = [&](const Item& item) {
    const std::string* id = core::dynamodb::string_attribute(item, "id");
    const auto version = core::dynamodb::integer_attribute(item, "version");
    ++items;
    if (id != nullptr && version && !core::runner::is_reserved_id(*id)) {
      ledger.record_store_version(*id, *version);
    }
    progress.maybe(
        [&items] { return "audit: events table: scanned " + std::to_string(items) + " items"; });
  };
  if (!only) {
    return scan_table(context, context.settings().events_table_name, "#id, #version",
                      {{"#id", "id"}, {"#version", "version"}}, segments, page_size, record);
  }
  adapters::dynamodb::QueryRequest request{
      .table_name = context.settings().events_table_name,
      .key_condition_expression = "#id = :id",
      .expression_attribute_names = {{"#id", "id"}, {"#version", "version"}},
      .expression_attribute_values = {{":id", core::dynamodb::string_value(*only)}},
      .projection_expression = "#id, #version",
      .consistent_read = true};
  while (true) {
    auto page = context.dynamodb().query(request, context.deadline_in(kCallTime));
    if (!page) {
      return core::fail(std::move(page.error()));
    }
    for (const auto& item : page->items) {
      record(item);
    }
    if (!page->last_evaluated_key) {
      return {};
    }
    request.exclusive_start_key = std::move(page->last_evaluated_key);
  }
}

/// The consumer gets the producer's connection and security properties only.
adapters::kafka::ConsumerSettings consumer_settings(adapters::kafka::ProducerSettings producer) {
  adapters::kafka::ConsumerSettings consumer{
      .bootstrap_servers = std::move(producer.bootstrap_servers),
      .client_id = producer.client_id.empty() ? std::string() : producer.client_id + "-audit",
      .properties = {},
      .oauthbearer_token_provider = std::move(producer.oauthbearer_token_provider)};
  for (auto& [name, value] : producer.extra_properties) {
    if (name.starts_with("security.") || name.starts_with("sasl.") || name.starts_with("ssl.") ||
        name.starts_with("enable.ssl.") || name == "socket.keepalive.enable" ||
        name == "broker.address.family") {
      consumer.properties.emplace_back(std::move(name), std::move(value));
    }
  }
  return consumer;
}

std::vector<std::string> split_topics(std::string_view text) {
  std::vector<std::string> topics;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    if (!part.empty()) {
      topics.emplace_back(part);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    text.remove_prefix(comma + 1);
  }
  return topics;
}

}  // namespace

std::string_view audit_help() noexcept { return kAuditHelp; }

std::span<const ops::OptionSpec> audit_options() noexcept { return kAuditOptions; }

int run_audit(const ops::CommandArguments& arguments, const core::config::Environment& environment,
              Console& console) {
  const auto usage = [&console](const core::Error& error) {
    console.err << "bootstrap audit: " << error.message << "\n" << kAuditHelp;
    return kExitUsage;
  };
  auto segments = arguments.integer("--segments", 1);
  auto page_size = arguments.integer("--page-size", 1);
  auto stall = arguments.integer("--stall-seconds", 1);
  for (const auto* parsed : {&segments, &page_size, &stall}) {
    if (!*parsed) {
      return usage(parsed->error());
    }
  }
  std::optional<std::chrono::system_clock::time_point> since;
  if (const auto text = arguments.value("--since")) {
    auto parsed = ops::parse_audit_time(*text);
    if (!parsed) {
      return usage(parsed.error());
    }
    since = *parsed;
  }
  std::optional<std::string> only;
  if (const auto id = arguments.value("--aggregate")) {
    only = std::string(*id);
  }
  if (const auto servers = environment.find("KAFKA_BOOTSTRAP_SERVERS");
      servers == environment.end() || servers->second.empty()) {
    say(console,
        "bootstrap audit: KAFKA_BOOTSTRAP_SERVERS is required but not set: the audit reads the "
        "output topic (set it and the Kafka security settings as the function has them)");
    return kExitError;
  }
  auto opened = OperatorContext::create(environment);
  if (!opened) {
    return fail_with(console, opened.error());
  }
  OperatorContext& context = **opened;
  const auto& settings = context.settings();
  std::vector<std::string> topics;
  if (const auto named = arguments.value("--topic")) {
    topics = split_topics(*named);
    for (const auto& topic : topics) {
      if (!core::dispatch::is_legal_topic_name(topic)) {
        return usage(core::permanent_error(
            "UsageError", "--topic: '" + topic + "' is not a legal Kafka topic name"));
      }
    }
    if (topics.empty()) {
      return usage(core::permanent_error("UsageError", "--topic names no topic"));
    }
  } else {
    auto parsed = core::dispatch::TopicTemplate::parse(settings.kafka_topic_output);
    if (!parsed || !parsed->is_fixed()) {
      say(console, "bootstrap audit: KAFKA_TOPIC_OUTPUT '" + settings.kafka_topic_output +
                       "' is a template; name the topics to read with --topic");
      return kExitError;
    }
    topics.push_back(settings.kafka_topic_output);
  }
  const auto segment_count = static_cast<std::size_t>(segments->value_or(kDefaultSegments));
  if (!*page_size) {
    *page_size = kDefaultPageSize;
  }

  auto producer = kafka_producer_settings(settings, context.aws(), context.deadline_in(kCallTime));
  if (!producer) {
    return fail_with(console, producer.error());
  }
  auto reader = adapters::kafka::TopicReader::create(
      consumer_settings(std::move(*producer)),
      [&console](const adapters::kafka::KafkaLogLine& line) {
        constexpr int kWarningLevel = 4;
        if (line.level <= kWarningLevel) {
          say(console,
              "audit: kafka: " + std::string(line.facility) + ": " + std::string(line.message));
        }
      });
  if (!reader) {
    return fail_with(console, reader.error());
  }

  // Offsets first, the topic's end next: a version committed before the end was taken is in
  // Kafka before it. The store last: every message read was made from an event already stored.
  ops::AuditLedger ledger(ops::AuditOptions{.allow_pending = arguments.has("--allow-pending")});
  Progress progress(console);
  if (auto read = read_offsets(context, only, segment_count, *page_size, ledger); !read) {
    return fail_with(console, read.error());
  }
  std::vector<adapters::kafka::PartitionWindow> windows;
  bool whole_topic = !since.has_value();
  std::int64_t total = 0;
  for (const auto& topic : topics) {
    auto topic_windows = (*reader)->windows(topic, since, kMetadataTimeout);
    if (!topic_windows) {
      return fail_with(console, topic_windows.error());
    }
    for (auto& window : *topic_windows) {
      whole_topic = whole_topic && window.low_watermark == 0;
      total += window.end - window.start;
      windows.push_back(std::move(window));
    }
  }
  ledger.set_whole_topic(whole_topic);
  std::string topic_list;
  for (const auto& topic : topics) {
    topic_list += (topic_list.empty() ? "" : ", ") + topic;
  }
  say(console, "audit: reading " + std::to_string(total) + " messages of " + topic_list + " (" +
                   std::to_string(windows.size()) + " partitions" +
                   (whole_topic ? ", from the beginning"
                                : (since ? ", since the given time"
                                         : ", from the first offset retention kept")) +
                   ")");
  std::int64_t read_count = 0;
  const auto started = std::chrono::steady_clock::now();
  auto consumed = (*reader)->read(
      windows,
      [&](const adapters::kafka::ConsumedRecord& record) {
        ++read_count;
        auto message =
            ops::read_audited_message(record.partition, record.offset, record.key, record.headers);
        if (!message) {
          ledger.record_unreadable_message(record.partition, record.offset,
                                           message.error().message);
        } else if (!only ||
                   (only->size() == message->stream_type.size() + 1 + message->stream_id.size() &&
                    only->starts_with(message->stream_type) &&
                    (*only)[message->stream_type.size()] == ':' &&
                    only->ends_with(message->stream_id))) {
          ledger.record_message(*message);
        }
        progress.maybe([&] {
          return "audit: kafka: read " + std::to_string(read_count) + " of " +
                 std::to_string(total) + " messages (" +
                 std::to_string(total > 0 ? read_count * 100 / total : 100) + "%)";
        });
      },
      seconds(stall->value_or(kDefaultStallSeconds)));
  if (!consumed) {
    return fail_with(console, consumed.error());
  }
  const auto kafka_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  say(console, "audit: kafka: read " + std::to_string(read_count) + " messages in " +
                   std::to_string(static_cast<std::int64_t>(kafka_seconds * 1000)) + " ms");
  if (auto read = read_store(context, only, segment_count, *page_size, ledger, progress); !read) {
    return fail_with(console, read.error());
  }

  const bool allow_pending = arguments.has("--allow-pending");
  const bool all = arguments.has("--all") || only.has_value();
  std::vector<ops::AggregateFindings> shown;
  const auto summary = ledger.judge([&](const ops::AggregateFindings& findings) {
    if (all || findings.has_problem(allow_pending)) {
      shown.push_back(findings);
    }
  });
  if (arguments.has("--json")) {
    nlohmann::json aggregates = nlohmann::json::array();
    for (const auto& findings : shown) {
      aggregates.push_back(ops::findings_json(findings, allow_pending));
    }
    auto summary_document = ops::summary_json(summary);
    summary_document["topics"] = topics;
    summary_document["unreadable_examples"] = ledger.unreadable_examples();
    console.out << nlohmann::json{{"aggregates", std::move(aggregates)},
                                  {"summary", std::move(summary_document)}}
                       .dump(2)
                << "\n";
  } else {
    if (!shown.empty()) {
      console.out << ops::audit_table(shown, allow_pending);
    }
    for (const auto& findings : shown) {
      for (const auto& line : findings.problem_lines(allow_pending)) {
        console.out << findings.id << ": " << line << "\n";
      }
    }
    for (const auto& example : ledger.unreadable_examples()) {
      console.out << "not a dispatcher message: " << example << "\n";
    }
    console.out << ops::audit_summary_line(summary) << "\n";
  }
  return summary.complete_and_in_order() ? kExitOk : kExitAttention;
}

}  // namespace dispatcher::app::operator_tools
