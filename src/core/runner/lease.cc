#include "core/runner/lease.h"

#include <algorithm>
#include <utility>

namespace dispatcher::core::runner {

Lease::Lease(LeaseStore& store, const Clock& clock, std::string owner,
             std::chrono::milliseconds duration)
    : store_(store), clock_(clock), owner_(std::move(owner)), duration_(duration) {}

bool Lease::held() const { return ever_held_ && clock_.now() < trusted_until_; }

bool Lease::renewal_due() const { return !held() || clock_.now() >= renewed_at_ + duration_ / 3; }

std::chrono::milliseconds Lease::standby_interval() const noexcept {
  return std::max(std::chrono::milliseconds(100), duration_ / 10);
}

Result<bool> Lease::refresh(Deadline deadline) {
  if (!renewal_due()) {
    return true;
  }
  // Trust starts when the write was sent: the item may have been written at any moment after.
  const auto sent = clock_.now();
  const auto wall = clock_.wall_now();
  auto written = store_.try_acquire(owner_, wall + duration_, wall, deadline);
  if (!written) {
    return fail(std::move(written.error()));
  }
  if (!*written) {
    ever_held_ = false;
    trusted_until_ = {};
    return false;
  }
  ever_held_ = true;
  renewed_at_ = sent;
  trusted_until_ = sent + (duration_ * 2) / 3;
  return true;
}

Status Lease::release(Deadline deadline) {
  ever_held_ = false;
  trusted_until_ = {};
  return store_.release(owner_, deadline);
}

}  // namespace dispatcher::core::runner
