// `bootstrap audit`: reads the output topic(s) back and compares them, aggregate by aggregate,
// with the events and offsets tables (docs/operations.md). The comparison itself is
// core/operator/audit_ledger.h, the table reads audit_store_reads.h; this is the command around
// them: its arguments, the topic read, the report.

#include <array>
#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/kafka/topic_reader.h"
#include "app/kafka_security.h"
#include "app/operator/audit_progress.h"
#include "app/operator/audit_store_reads.h"
#include "app/operator/command_support.h"
#include "app/operator/commands.h"
#include "app/operator/operator_context.h"
#include "core/dispatch/topic_template.h"
#include "core/operator/audit_ledger.h"
#include "core/operator/audit_message.h"
#include "core/operator/audit_report.h"
#include "core/operator/command_arguments.h"

namespace dispatcher::app::operator_tools {
namespace {

namespace ops = core::operator_tools;
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
    ops::OptionSpec{.name = "--aggregate", .takes_value = true},
    ops::OptionSpec{.name = "--since", .takes_value = true},
    ops::OptionSpec{.name = "--topic", .takes_value = true},
    ops::OptionSpec{.name = "--allow-pending", .takes_value = false},
    ops::OptionSpec{.name = "--all", .takes_value = false},
    ops::OptionSpec{.name = "--segments", .takes_value = true},
    ops::OptionSpec{.name = "--page-size", .takes_value = true},
    ops::OptionSpec{.name = "--stall-seconds", .takes_value = true},
    ops::OptionSpec{.name = "--json", .takes_value = false},
    ops::OptionSpec{.name = "--help", .takes_value = false}};

// A 1 MB page of keys-only items holds ~30,000 of them (tens of MB decoded); 10,000 keeps the
// pages in flight to a few MB each at little cost in requests (docs/benchmarks.md).
constexpr std::int64_t kDefaultPageSize = 10'000;
constexpr std::int64_t kDefaultStallSeconds = 30;
constexpr auto kMetadataTimeout = milliseconds(15'000);

int fail_with(Console& console, const core::Error& error) {
  say(console, "bootstrap audit: " + error.describe());
  return kExitError;
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

/// Whether the message is of aggregate `id` ("<streamType>:<streamId>").
bool is_of_aggregate(const std::string& id, const ops::AuditedMessage& message) {
  return id.size() == message.stream_type.size() + 1 + message.stream_id.size() &&
         id.starts_with(message.stream_type) && id[message.stream_type.size()] == ':' &&
         id.ends_with(message.stream_id);
}

/// Where the windows read begin, for the "audit: reading" line.
std::string_view window_start(bool whole_topic, bool since) {
  if (whole_topic) {
    return ", from the beginning";
  }
  return since ? ", since the given time" : ", from the first offset retention kept";
}

/// The topics' windows (up to the end each has now), read into `ledger`: every message of the
/// dispatcher's (of `only`, when given), and the count of the others. Error: the metadata's or the
/// read's (a stall of `stall`).
core::Status read_topics(adapters::kafka::TopicReader& reader,
                         const std::vector<std::string>& topics,
                         std::optional<std::chrono::system_clock::time_point> since,
                         const std::optional<std::string>& only, seconds stall,
                         ops::AuditLedger& ledger, AuditProgress& progress, Console& console) {
  std::vector<adapters::kafka::PartitionWindow> windows;
  bool whole_topic = !since.has_value();
  std::int64_t total = 0;
  for (const auto& topic : topics) {
    auto topic_windows = reader.windows(topic, since, kMetadataTimeout);
    if (!topic_windows) {
      return core::fail(std::move(topic_windows.error()));
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
                   std::string(window_start(whole_topic, since.has_value())) + ")");
  std::int64_t read_count = 0;
  const auto started = std::chrono::steady_clock::now();
  auto consumed = reader.read(
      windows,
      [&](const adapters::kafka::ConsumedRecord& record) {
        ++read_count;
        auto message =
            ops::read_audited_message(record.partition, record.offset, record.key, record.headers);
        if (!message) {
          ledger.record_unreadable_message(record.partition, record.offset,
                                           message.error().message);
        } else if (!only || is_of_aggregate(*only, *message)) {
          ledger.record_message(*message);
        }
        progress.maybe([&] {
          return "audit: kafka: read " + std::to_string(read_count) + " of " +
                 std::to_string(total) + " messages (" +
                 std::to_string(total > 0 ? read_count * 100 / total : 100) + "%)";
        });
      },
      stall);
  if (!consumed) {
    return consumed;
  }
  const auto kafka_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  say(console, "audit: kafka: read " + std::to_string(read_count) + " messages in " +
                   std::to_string(static_cast<std::int64_t>(kafka_seconds * 1000)) + " ms");
  return {};
}

/// Prints the aggregates shown and the summary: a table, problem lines and a summary line, or
/// JSON with --json.
void print_report(Console& console, bool json, const std::vector<std::string>& topics,
                  const ops::AuditLedger& ledger, std::span<const ops::AggregateFindings> shown,
                  const ops::AuditSummary& summary, bool allow_pending) {
  if (json) {
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
    return;
  }
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

int run_audit(const ops::CommandArguments& arguments, const core::config::Environment& environment,
              Console& console) {
  const auto usage = [&console](const core::Error& error) {
    return usage_error(console, "audit", error, kAuditHelp);
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

  auto producer =
      kafka_producer_settings(settings, context.aws(), context.deadline_in(kCommandTime));
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
  AuditProgress progress(console);
  if (auto read = read_offsets(context, only, segment_count, *page_size, ledger); !read) {
    return fail_with(console, read.error());
  }
  if (auto read =
          read_topics(**reader, topics, since, only, seconds(stall->value_or(kDefaultStallSeconds)),
                      ledger, progress, console);
      !read) {
    return fail_with(console, read.error());
  }
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
  print_report(console, arguments.has("--json"), topics, ledger, shown, summary, allow_pending);
  return summary.complete_and_in_order() ? kExitOk : kExitAttention;
}

}  // namespace

const OperatorCommand& audit_command() noexcept {
  static constexpr OperatorCommand kCommand{
      .name = "audit", .options = kAuditOptions, .help = kAuditHelp, .run = run_audit};
  return kCommand;
}

}  // namespace dispatcher::app::operator_tools
