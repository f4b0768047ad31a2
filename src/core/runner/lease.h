#pragma once

#include <chrono>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "core/runner/ports.h"

namespace dispatcher::core::runner {

/// One runner's view of the lease that makes it the only active runner of an events table.
///
/// The item says "owner until expires_at" (wall clock, so other hosts can judge it). This runner
/// trusts its own lease for two thirds of the lease time after the write was sent (monotonic),
/// renews it every third, and stops dispatching when a renewal has not succeeded by then: the
/// last third is the margin for clock skew between hosts and for the in-flight batch.
class Lease {
 public:
  Lease(LeaseStore& store, const Clock& clock, std::string owner,
        std::chrono::milliseconds duration);

  /// Acquires the lease or renews it when a renewal is due (no I/O otherwise). true: held now.
  /// false: another runner holds it (this runner is a standby). Error: the store could not be
  /// reached; held() says whether the lease is still trustworthy.
  [[nodiscard]] Result<bool> refresh(Deadline deadline);

  /// Whether this runner may dispatch now.
  [[nodiscard]] bool held() const;
  /// The moment held() turns false unless a renewal succeeds; batch deadlines end there.
  [[nodiscard]] std::chrono::steady_clock::time_point trusted_until() const noexcept {
    return trusted_until_;
  }
  [[nodiscard]] bool renewal_due() const;

  /// Deletes the item when this runner holds it, so a standby takes over at once.
  [[nodiscard]] Status release(Deadline deadline);

  [[nodiscard]] const std::string& owner() const noexcept { return owner_; }
  [[nodiscard]] std::chrono::milliseconds duration() const noexcept { return duration_; }
  /// How often a standby asks: a tenth of the lease time (at least 100 ms), so it takes over
  /// soon after the item expires.
  [[nodiscard]] std::chrono::milliseconds standby_interval() const noexcept;

 private:
  LeaseStore& store_;
  const Clock& clock_;
  std::string owner_;
  std::chrono::milliseconds duration_;
  std::chrono::steady_clock::time_point trusted_until_;
  std::chrono::steady_clock::time_point renewed_at_;
  bool ever_held_ = false;
};

}  // namespace dispatcher::core::runner
