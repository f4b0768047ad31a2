#include "app/runner/run_command.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "adapters/dynamodb/dynamodb_client.h"
#include "adapters/streams/streams_client.h"
#include "app/application.h"
#include "app/aws_environment.h"
#include "app/runner/state_table.h"
#include "app/runner/stream_adapters.h"
#include "app/stream_logger.h"
#include "core/observability/logger.h"
#include "core/runner/backoff.h"
#include "core/runner/lease.h"
#include "core/runner/stream_runner.h"

namespace dispatcher::app::runner {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kRunUsage =
    R"(Usage: bootstrap run [--poll-interval-ms N] [--batch-size N] [--lease-seconds N]
                     [--state-table NAME] [--once]

Consumes the events table's DynamoDB stream (EVENTS_TABLE_NAME) and dispatches each batch with the
same handler the Lambda uses. One runner per events table is active (a lease item); others wait
as standbys and take over within the lease time when it dies.

  --poll-interval-ms N  first wait after a read found nothing; doubles up to 2 s (default 250)
  --batch-size N        records per GetRecords and per dispatched batch, 1..1000 (default 100)
  --lease-seconds N     lease time, renewed every third of it, at least 3 (default 30)
  --state-table NAME    table for the lease and shard checkpoints (default OFFSETS_TABLE_NAME);
                        its items have ids starting with "#dispatcher-runner#"
  --once                dispatch what the stream holds now, then exit once reads have found
                        nothing for 2 s (exit 3 when another runner holds the lease)

Configuration: the dispatcher's environment variables (docs/configuration.md).
Exit codes: 0 stopped by SIGTERM/SIGINT or --once done; 1 start-up error; 2 usage error;
3 --once and the lease is held by another runner.
)";

/// How long --once keeps reading after the stream last returned records.
constexpr std::chrono::seconds kOnceQuietTime{2};

// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): set by the signal handler
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "touched from a signal handler");

/// The first signal asks for a clean stop after the batch in flight; a second abandons it at once
/// (no checkpoint: the next runner reads the batch again; the lease expires on its own).
extern "C" void request_stop(int /*signal*/) {
  if (stop_requested.exchange(true)) {
    _exit(130);
  }
}

struct RunOptions {
  std::chrono::milliseconds poll_interval{250};
  int batch_size = 100;
  std::chrono::seconds lease{30};
  std::string state_table;
  bool once = false;
};

std::optional<long> whole_number(std::string_view text) {
  long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

/// nullopt after printing what is wrong.
std::optional<RunOptions> parse_options(const std::vector<std::string_view>& arguments) {
  RunOptions options;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string_view argument = arguments[i];
    const bool has_value = i + 1 < arguments.size();
    auto number = [&](long minimum, long maximum) -> std::optional<long> {
      if (!has_value) {
        return std::nullopt;
      }
      const auto value = whole_number(arguments[++i]);
      if (!value || *value < minimum || *value > maximum) {
        return std::nullopt;
      }
      return value;
    };
    if (argument == "--once") {
      options.once = true;
    } else if (argument == "--poll-interval-ms") {
      const auto value = number(1, 60'000);
      if (!value) {
        std::fputs("bootstrap run: --poll-interval-ms takes 1..60000\n", stderr);
        return std::nullopt;
      }
      options.poll_interval = std::chrono::milliseconds(*value);
    } else if (argument == "--batch-size") {
      const auto value = number(1, 1000);
      if (!value) {
        std::fputs("bootstrap run: --batch-size takes 1..1000\n", stderr);
        return std::nullopt;
      }
      options.batch_size = static_cast<int>(*value);
    } else if (argument == "--lease-seconds") {
      const auto value = number(3, 3600);
      if (!value) {
        std::fputs("bootstrap run: --lease-seconds takes 3..3600\n", stderr);
        return std::nullopt;
      }
      options.lease = std::chrono::seconds(*value);
    } else if (argument == "--state-table" && has_value && !arguments[i + 1].empty()) {
      options.state_table = std::string(arguments[++i]);
    } else {
      std::fprintf(stderr, "bootstrap run: unknown or incomplete argument '%.*s'\n",
                   static_cast<int>(argument.size()), argument.data());
      return std::nullopt;
    }
  }
  return options;
}

/// host:pid:random, so the lease item says which process holds it and a restarted process on the
/// same host with a recycled pid is still another owner.
std::string owner_id() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) {
    host[0] = '\0';
  }
  std::random_device random;
  std::array<char, 9> suffix{};
  std::snprintf(suffix.data(), suffix.size(), "%08x", random());
  return std::string(host.data()) + ":" + std::to_string(getpid()) + ":" + suffix.data();
}

/// Sleeps up to `duration`, waking early when a stop was requested.
void pause_for(std::chrono::milliseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (!stop_requested.load() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        50ms, until - std::chrono::steady_clock::now()));
  }
}

}  // namespace

int run_command(const std::vector<std::string_view>& arguments,
                const core::config::Environment& environment) {
  for (const auto argument : arguments) {
    if (argument == "--help" || argument == "-h") {
      std::fwrite(kRunUsage.data(), 1, kRunUsage.size(), stdout);
      return 0;
    }
  }
  auto options = parse_options(arguments);
  if (!options) {
    std::fwrite(kRunUsage.data(), 1, kRunUsage.size(), stderr);
    return 2;
  }
  // Logs are JSON lines on standard output, as under Lambda (container log drivers read it).
  core::observability::Logger logger =
      stream_logger(environment, core::config::LogLevel::kInfo, stdout);

  // Handlers first: a signal during start-up ends the process cleanly after start-up.
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  auto application = Application::create(environment, logger);
  if (!application) {
    logger.error("initialisation failed", {{"error", application.error().describe()}});
    return 1;
  }
  const auto clock = std::make_shared<core::SystemClock>();
  // The runner's own calls (stream, lease, checkpoints) share the handler's AWS context and
  // DynamoDB client: one credentials chain, one connection pool.
  const auto& dynamodb = (*application)->dynamodb();
  auto streams_json =
      (*application)->aws().json_client(adapters::aws::kDynamoDbStreamsService, "streams.dynamodb");
  if (!streams_json) {
    logger.error("initialisation failed", {{"error", streams_json.error().describe()}});
    return 1;
  }
  auto streams = std::make_shared<adapters::streams::StreamsClient>(std::move(*streams_json));

  const auto& settings = (*application)->settings();
  if (options->state_table.empty()) {
    options->state_table = settings.offsets_table_name;
  }
  auto table = dynamodb->describe_table(settings.events_table_name, clock->now() + 20s);
  if (!table) {
    logger.error("initialisation failed: cannot describe the events table",
                 {{"table", settings.events_table_name}, {"error", table.error().describe()}});
    return 1;
  }
  const std::optional<std::string>& stream_arn = table->latest_stream_arn;
  if (!stream_arn) {
    logger.error(
        "initialisation failed: the events table has no stream; enable one (KEYS_ONLY "
        "is enough)",
        {{"table", settings.events_table_name}});
    return 1;
  }

  const std::string owner = owner_id();
  DynamoDbStreamSource source(streams, *stream_arn);
  DynamoDbCheckpointStore checkpoints(dynamodb, options->state_table, owner, *clock);
  DynamoDbLeaseStore lease_store(dynamodb, options->state_table, settings.events_table_name);
  ApplicationBatchHandler handler(**application);
  core::runner::Lease lease(lease_store, *clock, owner, options->lease);
  core::runner::StreamRunner stream_runner(
      source, checkpoints, handler, *clock, logger,
      core::runner::StreamRunnerOptions{.batch_size = options->batch_size});
  core::runner::Backoff idle(options->poll_interval,
                             std::max(options->poll_interval, std::chrono::milliseconds(2000)));
  logger.info("runner started", {{"owner", owner},
                                 {"events_table", settings.events_table_name},
                                 {"stream_arn", *stream_arn},
                                 {"state_table", options->state_table},
                                 {"lease_seconds", options->lease.count()},
                                 {"batch_size", options->batch_size},
                                 {"poll_interval_ms", options->poll_interval.count()},
                                 {"once", options->once}});

  bool active = false;
  bool standby_logged = false;
  std::optional<std::chrono::steady_clock::time_point> quiet_since;
  int exit_code = 0;
  while (!stop_requested.load()) {
    auto refreshed = lease.refresh(clock->now() + 5s);
    if (!refreshed) {
      logger.error("lease not renewed",
                   {{"error", refreshed.error().describe()}, {"still_held", lease.held()}});
    }
    if (!lease.held()) {
      if (active) {
        logger.error("lease lost; dispatching stopped, waiting as standby", {{"owner", owner}});
        active = false;
        stream_runner.forget();
      }
      if (refreshed && !*refreshed) {
        if (options->once) {
          logger.error("another runner holds the lease", {{"owner", owner}});
          exit_code = 3;
          break;
        }
        if (!standby_logged) {
          nlohmann::json holder(nullptr);
          if (auto read = lease_store.read(clock->now() + 5s); read) {
            if (const std::optional<core::runner::LeaseRecord>& record = *read; record) {
              holder = record->owner;
            }
          }
          logger.info("standby: another runner holds the lease",
                      {{"owner", owner}, {"holder", std::move(holder)}});
          standby_logged = true;
        }
      }
      pause_for(lease.standby_interval());
      continue;
    }
    if (!active) {
      logger.info("lease acquired; this runner is active", {{"owner", owner}});
      active = true;
      standby_logged = false;
      stream_runner.forget();
    }
    auto report = stream_runner.step(lease.trusted_until(),
                                     [&lease] { return !stop_requested.load() && lease.held(); });
    if (!report) {
      logger.error("shard list not read", {{"error", report.error().describe()}});
      pause_for(idle.next());
      continue;
    }
    if (report->records > 0) {
      idle.reset();
      quiet_since.reset();
      continue;
    }
    // --once ends after a quiet spell, not the first empty read: the markers the handler just
    // wrote reach the stream a moment later and must be dispatched too.
    if (!quiet_since) {
      quiet_since = clock->now();
    } else if (options->once && clock->now() - *quiet_since >= kOnceQuietTime) {
      break;
    }
    pause_for(idle.next());
  }
  if (active) {
    if (auto released = lease.release(clock->now() + 5s); !released) {
      logger.error("lease not released; it expires on its own",
                   {{"error", released.error().describe()}});
    } else {
      logger.info("lease released", {{"owner", owner}});
    }
  }
  logger.info("runner stopped", {{"owner", owner}, {"signal", stop_requested.load()}});
  return exit_code;
}

}  // namespace dispatcher::app::runner
