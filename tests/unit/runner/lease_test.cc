#include "core/runner/lease.h"

#include <gtest/gtest.h>

#include "stream_model.h"

namespace dispatcher::core::runner {
namespace {

using namespace std::chrono_literals;
using runner_model::LeaseTable;
using runner_model::ManualClock;

constexpr Deadline kNoDeadline = Deadline::max();

TEST(Lease, FirstRunnerAcquiresAndSecondWaitsAsStandby) {
  LeaseTable table;
  ManualClock clock;
  Lease first(table, clock, "first", 9s);
  Lease second(table, clock, "second", 9s);
  EXPECT_EQ(first.refresh(kNoDeadline), true);
  EXPECT_TRUE(first.held());
  EXPECT_EQ(second.refresh(kNoDeadline), false);
  EXPECT_FALSE(second.held());
  EXPECT_EQ(table.item_->owner, "first");
}

TEST(Lease, RenewsOnlyOnceAThirdOfTheLeaseTimeHasPassed) {
  LeaseTable table;
  ManualClock clock;
  Lease lease(table, clock, "me", 9s);
  ASSERT_EQ(lease.refresh(kNoDeadline), true);
  clock.advance(2900ms);
  ASSERT_EQ(lease.refresh(kNoDeadline), true);
  EXPECT_EQ(table.writes_, 1);  // not due yet: no write
  clock.advance(100ms);
  ASSERT_EQ(lease.refresh(kNoDeadline), true);
  EXPECT_EQ(table.writes_, 2);
  EXPECT_EQ(table.item_->expires_at, clock.wall_now() + 9s);
}

TEST(Lease, StopsTrustingItselfAtTwoThirdsWhenRenewalsFail) {
  LeaseTable table;
  ManualClock clock;
  Lease lease(table, clock, "me", 9s);
  ASSERT_EQ(lease.refresh(kNoDeadline), true);
  table.unreachable_ = true;
  clock.advance(3s);
  EXPECT_FALSE(lease.refresh(kNoDeadline).has_value());
  EXPECT_TRUE(lease.held());  // still inside the trusted window
  clock.advance(2999ms);
  EXPECT_TRUE(lease.held());
  clock.advance(1ms);
  // Six seconds after the write: the item still has three seconds to run elsewhere, so no other
  // runner can have taken over yet while this one stops.
  EXPECT_FALSE(lease.held());
}

TEST(Lease, StandbyTakesOverOnceTheDeadOwnersItemExpired) {
  LeaseTable table;
  ManualClock clock;
  Lease first(table, clock, "first", 9s);
  Lease standby(table, clock, "standby", 9s);
  ASSERT_EQ(first.refresh(kNoDeadline), true);
  // `first` dies now. The standby asks every standby_interval().
  EXPECT_EQ(standby.standby_interval(), 900ms);
  std::chrono::milliseconds waited{0};
  while (standby.refresh(kNoDeadline) != true) {
    clock.advance(standby.standby_interval());
    waited += standby.standby_interval();
    ASSERT_LT(waited, 20s);
  }
  EXPECT_GT(waited, 9s - standby.standby_interval());
  EXPECT_LE(waited, 9s + standby.standby_interval());
  EXPECT_EQ(table.item_->owner, "standby");
  // The old owner, were it only paused, learns it lost the lease at its next renewal.
  clock.advance(3s);
  EXPECT_EQ(first.refresh(kNoDeadline), false);
  EXPECT_FALSE(first.held());
}

TEST(Lease, ReleaseLetsTheStandbyTakeOverAtOnce) {
  LeaseTable table;
  ManualClock clock;
  Lease first(table, clock, "first", 9s);
  Lease standby(table, clock, "standby", 9s);
  ASSERT_EQ(first.refresh(kNoDeadline), true);
  ASSERT_EQ(standby.refresh(kNoDeadline), false);
  ASSERT_TRUE(first.release(kNoDeadline).has_value());
  EXPECT_FALSE(first.held());
  EXPECT_EQ(standby.refresh(kNoDeadline), true);
}

TEST(Lease, ReleaseByANonOwnerLeavesTheItem) {
  LeaseTable table;
  ManualClock clock;
  Lease owner(table, clock, "owner", 9s);
  Lease other(table, clock, "other", 9s);
  ASSERT_EQ(owner.refresh(kNoDeadline), true);
  ASSERT_TRUE(other.release(kNoDeadline).has_value());
  EXPECT_EQ(table.item_->owner, "owner");
}

}  // namespace
}  // namespace dispatcher::core::runner
