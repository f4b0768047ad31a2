#include "core/retry/random_source.h"

#include <random>

namespace dispatcher::core::retry {
namespace {

class MersenneTwisterSource final : public RandomSource {
 public:
  MersenneTwisterSource() : engine_(std::random_device{}()) {}
  double unit() override { return distribution_(engine_); }

 private:
  std::mt19937_64 engine_;
  std::uniform_real_distribution<double> distribution_{0.0, 1.0};
};

}  // namespace

std::unique_ptr<RandomSource> make_default_random_source() {
  return std::make_unique<MersenneTwisterSource>();
}

}  // namespace dispatcher::core::retry
