#pragma once

#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace dispatcher::core {

/// The values of `slots`, which a loop filled out of order (one result per request, answered in
/// any order). An empty slot is a broken invariant of that loop: std::logic_error.
template <class T>
std::vector<T> take_filled(std::vector<std::optional<T>>& slots) {
  std::vector<T> values;
  values.reserve(slots.size());
  for (std::optional<T>& slot : slots) {
    if (!slot) {
      throw std::logic_error("a result was never filled in");
    }
    values.push_back(std::move(*slot));
  }
  return values;
}

}  // namespace dispatcher::core
