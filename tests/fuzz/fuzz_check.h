#pragma once

// The invariant checks of the fuzz targets. A broken invariant aborts, which libFuzzer reports as
// a crash and saves the input (crash-<sha1>) for a regression file under tests/fuzz/regressions.

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace dispatcher::fuzz {

[[noreturn]] inline void invariant_broken(const char* condition, std::string_view why,
                                          const char* file, int line) {
  std::fprintf(stderr, "%s:%d: fuzz invariant broken: %s (%.*s)\n", file, line, condition,
               static_cast<int>(why.size()), why.data());
  std::abort();
}

}  // namespace dispatcher::fuzz

/// FUZZ_CHECK(condition, why): abort with `why` when the invariant `condition` does not hold.
#define FUZZ_CHECK(condition, why)                                                 \
  do {                                                                             \
    if (!(condition)) {                                                            \
      ::dispatcher::fuzz::invariant_broken(#condition, (why), __FILE__, __LINE__); \
    }                                                                              \
  } while (false)
