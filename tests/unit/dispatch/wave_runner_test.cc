#include "core/dispatch/wave_runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "fakes/fake_clock.h"

namespace dispatcher::core::dispatch {
namespace {

using namespace std::chrono_literals;

struct Target {
  int request = 0;
  std::vector<Status> results;  ///< what take received
  std::optional<Error> refusal;
};

/// A wave over `targets` whose port call answers the first `answered` requests and advances the
/// clock by 3 ms.
void run_wave(WaveRunner& waves, fakes::FakeClock& clock, std::vector<Target>& targets,
              std::size_t answered, std::vector<int>& requests_seen) {
  waves.run(
      Phase::kReadOffsets, "read_offsets", std::span(targets),
      WaveSteps{.request = [](const Target& target) { return target.request; },
                .call =
                    [&](std::span<const int> requests) {
                      requests_seen.assign(requests.begin(), requests.end());
                      clock.advance(3ms);
                      return std::vector<Status>(std::min(answered, requests.size()));
                    },
                .take = [](Target& target, const int&,
                           Status status) { target.results.push_back(std::move(status)); },
                .refuse = [](Target& target, const Error& refusal) { target.refusal = refusal; }});
}

TEST(WaveRunner, SendsOneRequestPerTargetInOneCallAndTimesTheWave) {
  fakes::FakeClock clock;
  WaveRunner::Durations durations{};
  WaveRunner waves(clock, TimeBudget(clock.now() + 10s, 1s), durations);
  std::vector<Target> targets{{.request = 1}, {.request = 2}};
  std::vector<int> requests;
  run_wave(waves, clock, targets, 2, requests);
  EXPECT_EQ(requests, (std::vector<int>{1, 2}));
  ASSERT_EQ(targets[0].results.size(), 1U);
  EXPECT_TRUE(targets[1].results.at(0).has_value());
  EXPECT_EQ(durations[static_cast<std::size_t>(Phase::kReadOffsets)], 3ms);
}

TEST(WaveRunner, ATargetThePortDidNotAnswerGetsARetryableContractError) {
  fakes::FakeClock clock;
  WaveRunner::Durations durations{};
  WaveRunner waves(clock, TimeBudget(clock.now() + 10s, 1s), durations);
  std::vector<Target> targets{{.request = 1}, {.request = 2}};
  std::vector<int> requests;
  run_wave(waves, clock, targets, 1, requests);
  EXPECT_TRUE(targets[0].results.at(0).has_value());
  const Status& missing = targets[1].results.at(0);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, "PortContractViolation");
  EXPECT_TRUE(missing.error().retryable());
}

TEST(WaveRunner, RefusesEveryTargetWithoutACallWhenTheBudgetIsSpent) {
  fakes::FakeClock clock;
  WaveRunner::Durations durations{};
  WaveRunner waves(clock, TimeBudget(clock.now() + 1s, 1s), durations);
  std::vector<Target> targets{{.request = 1}, {.request = 2}};
  std::vector<int> requests;
  run_wave(waves, clock, targets, 2, requests);
  EXPECT_TRUE(requests.empty());
  for (const Target& target : targets) {
    EXPECT_TRUE(target.results.empty());
    ASSERT_TRUE(target.refusal.has_value());
    EXPECT_EQ(target.refusal->code, "DeadlineExceeded");
  }
  EXPECT_EQ(durations[static_cast<std::size_t>(Phase::kReadOffsets)], 0ms);
}

TEST(WaveRunner, NoTargetsMeansNoCall) {
  fakes::FakeClock clock;
  WaveRunner::Durations durations{};
  WaveRunner waves(clock, TimeBudget(clock.now() + 10s, 1s), durations);
  std::vector<Target> targets;
  std::vector<int> requests{7};
  run_wave(waves, clock, targets, 0, requests);
  EXPECT_EQ(requests, (std::vector<int>{7}));
}

}  // namespace
}  // namespace dispatcher::core::dispatch
