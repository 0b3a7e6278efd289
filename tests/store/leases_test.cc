// The leases of running runs (store/leases.h), on both backends: claims are compare-and-set on
// the due time, one lease per connector, a limit over all leases, renewal by the owner only,
// cancel requests carried to the owner, and expired leases reaped once.
#include "store/leases.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store.h"
#include "test_util.h"

namespace s3u::store {
namespace {

using ::s3u::testing::SampleAwsAccount;
using ::s3u::testing::SampleDomoAccount;
using ::s3u::testing::SampleRun;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class LeasesTest : public ::s3u::testing::StoreWithSecretsTest {
 protected:
  void SetUp() override {
    StoreWithSecretsTest::SetUp();
    domo_ = Create(SampleDomoAccount());
    aws_ = Create(SampleAwsAccount());
    a_ = OpenAs("boot/1/1");
    b_ = OpenAs("boot/2/2");
  }

  // Another process's Store on the same database, owning its runs as `owner`.
  std::unique_ptr<Store> OpenAs(const std::string& owner, bool owner_here = true) {
    StoreOptions options;
    options.owner = owner;
    options.owner_alive = [](std::string_view) { return false; };
    options.owner_here = [owner_here](std::string_view) { return owner_here; };
    auto opened = Store::Open(url_, clock_, options);
    EXPECT_TRUE(opened.has_value()) << opened.error().ToString();
    return opened ? std::move(*opened) : nullptr;
  }

  std::string Connector(const std::string& name, std::optional<int64_t> next_run_ms) {
    const std::string id = CreateConnector(name, domo_, aws_);
    EXPECT_TRUE(store_->SetNextRun(id, next_run_ms).has_value());
    return id;
  }

  static ClaimRequest Scheduled(const std::string& connector_id, const std::string& run_id,
                                int64_t due_ms, std::optional<int64_t> next_ms) {
    ClaimRequest claim;
    claim.kind = ClaimKind::kScheduled;
    claim.connector_id = connector_id;
    claim.run_id = run_id;
    claim.due_ms = due_ms;
    claim.next_run_ms = next_ms;
    claim.max_running = 4;
    claim.lease_ms = 30'000;
    return claim;
  }
  static ClaimRequest Manual(const std::string& connector_id, const std::string& run_id,
                             int max_running = 4) {
    ClaimRequest claim;
    claim.connector_id = connector_id;
    claim.run_id = run_id;
    claim.max_running = max_running;
    claim.lease_ms = 30'000;
    return claim;
  }
  ClaimOutcome Claim(Store& store, const ClaimRequest& request) {
    auto claimed = store.ClaimRun(request);
    EXPECT_TRUE(claimed.has_value()) << claimed.error().ToString();
    return claimed ? claimed->outcome : ClaimOutcome::kTaken;
  }
  void Begin(Store& store, const std::string& run_id, const std::string& connector_id) {
    RunRecord run = SampleRun(run_id, kStartMs);
    run.connector_id = connector_id;
    ASSERT_TRUE(store.BeginRun(run).has_value());
  }

  Account domo_, aws_;
  std::unique_ptr<Store> a_, b_;
};

TEST_F(LeasesTest, ADueTimeIsClaimedByOneProcessOnly) {
  const int64_t due = kStartMs;
  const std::string id = Connector("c", due);
  EXPECT_EQ(Claim(*a_, Scheduled(id, "run-a", due, due + 900'000)), ClaimOutcome::kClaimed);
  EXPECT_EQ(Claim(*b_, Scheduled(id, "run-b", due, due + 900'000)), ClaimOutcome::kTaken);
  EXPECT_EQ(store_->GetConnector(id)->next_run_ms, due + 900'000);
  auto lease = b_->GetLease(id);
  ASSERT_TRUE(lease.has_value() && lease->has_value());
  EXPECT_EQ((*lease)->run_id, "run-a");
  EXPECT_EQ((*lease)->owner, "boot/1/1");
  EXPECT_EQ((*lease)->expires_ms, kStartMs + 30'000);
}

TEST_F(LeasesTest, OneLeasePerConnectorAndAScheduledTimeDuringARunIsSkippedOnce) {
  const std::string id = Connector("c", std::nullopt);
  EXPECT_EQ(Claim(*a_, Manual(id, "run-1")), ClaimOutcome::kClaimed);
  auto again = b_->ClaimRun(Manual(id, "run-2"));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->outcome, ClaimOutcome::kConnectorRunning);
  EXPECT_EQ(again->running_run_id, "run-1");
  ASSERT_TRUE(store_->SetNextRun(id, kStartMs).has_value());
  EXPECT_EQ(Claim(*b_, Scheduled(id, "run-3", kStartMs, kStartMs + 60'000)),
            ClaimOutcome::kConnectorRunning);
  EXPECT_EQ(store_->GetConnector(id)->next_run_ms, kStartMs + 60'000) << "skipped, not queued";
  EXPECT_EQ(Claim(*a_, Scheduled(id, "run-4", kStartMs, kStartMs + 60'000)), ClaimOutcome::kTaken);
  ASSERT_TRUE(a_->ReleaseLease(id, "run-1").has_value());
  EXPECT_EQ(Claim(*b_, Manual(id, "run-5")), ClaimOutcome::kClaimed);
}

TEST_F(LeasesTest, TheLimitCountsEveryProcesssLeasesAndADueRunStaysDue) {
  const std::string one = Connector("one", std::nullopt);
  const std::string two = Connector("two", kStartMs);
  EXPECT_EQ(Claim(*a_, Manual(one, "run-1", 1)), ClaimOutcome::kClaimed);
  ClaimRequest scheduled = Scheduled(two, "run-2", kStartMs, kStartMs + 60'000);
  scheduled.max_running = 1;
  auto limited = b_->ClaimRun(scheduled);
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->outcome, ClaimOutcome::kLimitReached);
  EXPECT_EQ(limited->running, 1);
  EXPECT_EQ(store_->GetConnector(two)->next_run_ms, kStartMs);
  scheduled.max_running = 2;
  EXPECT_EQ(Claim(*b_, scheduled), ClaimOutcome::kClaimed);
}

TEST_F(LeasesTest, ARetryClaimConsumesThePendingRetryAndABackfillDayLeavesIt) {
  const std::string id = Connector("c", std::nullopt);
  ASSERT_TRUE(store_->SetPendingRetry(id, kStartMs, 2, "run-0").has_value());
  EXPECT_EQ(Claim(*a_, Manual(id, "run-1")), ClaimOutcome::kClaimed);  // a backfill's day
  EXPECT_EQ(store_->GetConnector(id)->retry_due_ms, kStartMs);
  ASSERT_TRUE(a_->ReleaseLease(id, "run-1").has_value());
  ClaimRequest retry = Manual(id, "run-2");
  retry.kind = ClaimKind::kRetry;
  retry.due_ms = kStartMs - 1;
  EXPECT_EQ(Claim(*b_, retry), ClaimOutcome::kTaken) << "not the due time it read";
  retry.due_ms = kStartMs;
  EXPECT_EQ(Claim(*b_, retry), ClaimOutcome::kClaimed);
  EXPECT_FALSE(store_->GetConnector(id)->retry_due_ms.has_value());
  EXPECT_EQ(Claim(*a_, retry), ClaimOutcome::kTaken) << "claimed once";
}

TEST_F(LeasesTest, RenewalExtendsOnlyTheOwnersLeasesAndCarriesACancelRequest) {
  const std::string one = Connector("one", std::nullopt);
  const std::string two = Connector("two", std::nullopt);
  EXPECT_EQ(Claim(*a_, Manual(one, "run-a")), ClaimOutcome::kClaimed);
  EXPECT_EQ(Claim(*b_, Manual(two, "run-b")), ClaimOutcome::kClaimed);
  clock_.Advance(std::chrono::seconds(20));
  auto cancel = b_->RequestCancel(one);
  ASSERT_TRUE(cancel.has_value()) << cancel.error().ToString();
  EXPECT_EQ(cancel->run_id, "run-a");
  auto renewed = a_->RenewLeases(30'000);
  ASSERT_TRUE(renewed.has_value()) << renewed.error().ToString();
  ASSERT_EQ(renewed->size(), 1u);
  EXPECT_EQ((*renewed)[0].run_id, "run-a");
  EXPECT_EQ((*renewed)[0].expires_ms, kStartMs + 50'000);
  EXPECT_TRUE((*renewed)[0].cancel_requested);
  EXPECT_EQ((*b_->GetLease(two))->expires_ms, kStartMs + 30'000) << "b's lease is b's to renew";
  ASSERT_TRUE(b_->ReleaseLease(two, "run-b").has_value());
  auto nothing = a_->RequestCancel(two);
  ASSERT_FALSE(nothing.has_value());
  EXPECT_EQ(nothing.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(LeasesTest, AnExpiredLeaseIsReapedOnceAndItsRunMarkedFailed) {
  const std::string id = Connector("c", std::nullopt);
  EXPECT_EQ(Claim(*a_, Manual(id, "20250314T100000000Z-0000aaaa")), ClaimOutcome::kClaimed);
  Begin(*a_, "20250314T100000000Z-0000aaaa", id);
  clock_.Advance(std::chrono::seconds(30));
  auto early = b_->ReapExpiredLeases();
  ASSERT_TRUE(early.has_value()) << early.error().ToString();
  EXPECT_THAT(*early, IsEmpty()) << "expires at, not before";
  clock_.Advance(std::chrono::milliseconds(1));
  auto reaped = b_->ReapExpiredLeases();
  ASSERT_TRUE(reaped.has_value()) << reaped.error().ToString();
  EXPECT_THAT(*reaped, ElementsAre("20250314T100000000Z-0000aaaa"));
  auto run = store_->GetRun("20250314T100000000Z-0000aaaa");
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->status, RunStatus::kFailed);
  EXPECT_EQ(run->result.error_code, "aborted");
  EXPECT_THAT(run->result.error_message, HasSubstr("lease"));
  EXPECT_FALSE(store_->GetLease(id)->has_value());
  EXPECT_THAT(*a_->ReapExpiredLeases(), IsEmpty()) << "reaped once";
  EXPECT_THAT(*a_->RenewLeases(30'000), IsEmpty()) << "the owner learns it lost it";
}

TEST_F(LeasesTest, AStartLeavesALeasedRunOfAnotherMachineToItsLease) {
  const std::string id = Connector("c", std::nullopt);
  EXPECT_EQ(Claim(*a_, Manual(id, "20250314T100000000Z-0000bbbb")), ClaimOutcome::kClaimed);
  Begin(*a_, "20250314T100000000Z-0000bbbb", id);
  auto elsewhere = OpenAs("boot/3/3", /*owner_here=*/false);
  EXPECT_THAT(*elsewhere->MarkInterruptedRuns(), IsEmpty());
  auto here = OpenAs("boot/4/4", /*owner_here=*/true);  // the owner's machine: it is dead
  EXPECT_THAT(*here->MarkInterruptedRuns(), ElementsAre("20250314T100000000Z-0000bbbb"));
  EXPECT_FALSE(store_->GetLease(id)->has_value()) << "the lease goes with the run";
}

TEST_F(LeasesTest, AClaimWithoutARunOrALimitIsRefusedByField) {
  ClaimRequest bad;
  bad.connector_id = Connector("c", std::nullopt);
  bad.max_running = 0;
  auto refused = a_->ClaimRun(bad);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(refused.error().ToString(), HasSubstr("run_id"));
  EXPECT_THAT(refused.error().ToString(), HasSubstr("max_running"));
  EXPECT_THAT(refused.error().ToString(), HasSubstr("lease_ms"));
  auto unknown = a_->ClaimRun(Manual("con_0000000000000000", "run"));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace s3u::store
