#pragma once

#include <memory>

namespace dispatcher::core::retry {

/// Uniform random numbers for backoff jitter, injected so tests can fix them.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  /// A number in [0, 1).
  [[nodiscard]] virtual double unit() = 0;
};

/// A Mersenne Twister seeded once from std::random_device. Not thread-safe.
[[nodiscard]] std::unique_ptr<RandomSource> make_default_random_source();

}  // namespace dispatcher::core::retry
