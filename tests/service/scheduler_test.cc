// The scheduler's rules with a fake clock, a real store in a temporary directory and a
// launcher that only records what it was asked to run: the test decides how each run ends.
#include "service/scheduler.h"

#include <gtest/gtest.h>

#include "service/scheduler_fixture.h"

namespace s3u::service {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::minutes;

TEST_F(SchedulerTest, ADailyConnectorRunsWhenItsTimeComesAndSchedulesTheNextDay) {
  const std::string id = Connector("daily", {{"kind", "daily"}, {"time", "11:30"}});
  EXPECT_EQ(Get(id).next_run_ms, Ms(kStart + minutes(90)));
  scheduler_->Tick();
  EXPECT_TRUE(launcher_->launched.empty());  // not yet

  clock_.Advance(minutes(90));
  scheduler_->Tick();
  ASSERT_EQ(launcher_->launched.size(), 1u);
  EXPECT_EQ(launcher_->launched[0].request.trigger, "scheduled");
  EXPECT_EQ(launcher_->launched[0].request.attempt, 1);
  EXPECT_EQ(Get(id).next_run_ms, Ms(kStart + minutes(90) + std::chrono::hours(24)));
  EXPECT_EQ(scheduler_->RunningRun(id), launcher_->launched[0].request.run_id);

  scheduler_->Tick();  // the same time is never run twice
  EXPECT_EQ(launcher_->launched.size(), 1u);
  launcher_->End(0, store::RunStatus::kSucceeded);
  EXPECT_FALSE(scheduler_->RunningRun(id).has_value());
  EXPECT_FALSE(Get(id).retry_due_ms.has_value());
}

TEST_F(SchedulerTest, AManualConnectorOnlyRunsWhenAsked) {
  const std::string id = Connector("manual", {{"kind", "manual"}});
  EXPECT_FALSE(Get(id).next_run_ms.has_value());
  clock_.Advance(std::chrono::hours(24 * 40));
  scheduler_->Tick();
  EXPECT_TRUE(launcher_->launched.empty());
  auto run = scheduler_->RunNow(id, 3);
  ASSERT_TRUE(run.has_value()) << run.error().ToString();
  ASSERT_EQ(launcher_->launched.size(), 1u);
  EXPECT_EQ(launcher_->launched[0].request.trigger, "manual");
  EXPECT_EQ(launcher_->launched[0].request.specific_day, 3);
  EXPECT_EQ(launcher_->launched[0].request.run_id, *run);
}

TEST_F(SchedulerTest, AFailedRunIsRetriedEveryNMinutesUpToMTimesEachAttemptItsOwnRun) {
  const std::string id = Connector("r", {{"kind", "manual"}});
  ASSERT_TRUE(scheduler_->RunNow(id, std::nullopt).has_value());
  launcher_->End(0, store::RunStatus::kFailed);
  store::ConnectorRecord c = Get(id);
  ASSERT_TRUE(c.retry_due_ms.has_value());
  EXPECT_EQ(*c.retry_due_ms, Ms(kStart + minutes(10)));
  EXPECT_EQ(c.retry_attempt, 2);
  EXPECT_EQ(c.retry_of_run_id, launcher_->launched[0].request.run_id);

  clock_.Advance(minutes(9));
  scheduler_->Tick();
  EXPECT_EQ(launcher_->launched.size(), 1u);  // not before its time
  clock_.Advance(minutes(1));
  scheduler_->Tick();
  ASSERT_EQ(launcher_->launched.size(), 2u);
  EXPECT_EQ(launcher_->launched[1].request.trigger, "retry");
  EXPECT_EQ(launcher_->launched[1].request.attempt, 2);
  EXPECT_FALSE(Get(id).retry_due_ms.has_value());  // taken

  launcher_->End(1, store::RunStatus::kFailed);
  EXPECT_EQ(Get(id).retry_attempt, 3);
  clock_.Advance(minutes(10));
  scheduler_->Tick();
  ASSERT_EQ(launcher_->launched.size(), 3u);
  launcher_->End(2, store::RunStatus::kFailed);
  EXPECT_FALSE(Get(id).retry_due_ms.has_value()) << "max_retries = 2: attempts 1, 2 and 3 only";
  clock_.Advance(std::chrono::hours(5));
  scheduler_->Tick();
  EXPECT_EQ(launcher_->launched.size(), 3u);

  store::RunFilter filter;
  filter.connector_id = id;
  auto runs = store_->ListRuns(filter);
  ASSERT_TRUE(runs.has_value());
  ASSERT_EQ(runs->size(), 3u);
  EXPECT_EQ((*runs)[0].attempt, 3);
  EXPECT_EQ((*runs)[2].attempt, 1);
}

// The notifications' hook hears of every end, after the retry decision.
TEST_F(SchedulerTest, RunEndedHearsWhetherARetryWasScheduled) {
  const std::string id =
      Connector("n", {{"kind", "manual"}}, {{"every_minutes", 10}, {"max_retries", 1}});
  ASSERT_TRUE(scheduler_->RunNow(id, std::nullopt).has_value());
  launcher_->End(0, store::RunStatus::kFailed);
  clock_.Advance(minutes(10));
  scheduler_->Tick();
  ASSERT_EQ(launcher_->launched.size(), 2u);
  launcher_->End(1, store::RunStatus::kFailed);  // retries exhausted
  ASSERT_TRUE(scheduler_->RunNow(id, std::nullopt).has_value());
  launcher_->End(2, store::RunStatus::kSucceeded);
  std::lock_guard lock(ended_mu_);
  EXPECT_EQ(ended_, (std::vector<std::pair<std::string, bool>>{
                        {launcher_->launched[0].request.run_id, true},
                        {launcher_->launched[1].request.run_id, false},
                        {launcher_->launched[2].request.run_id, false}}));
}

TEST_F(SchedulerTest, ACancelledRunIsNotRetried) {
  const std::string id = Connector("c", {{"kind", "manual"}});
  ASSERT_TRUE(scheduler_->RunNow(id, std::nullopt).has_value());
  auto cancelled = scheduler_->Cancel(id);
  ASSERT_TRUE(cancelled.has_value());
  EXPECT_TRUE(launcher_->launched[0].cancel->load());
  launcher_->End(0, store::RunStatus::kCancelled);
  EXPECT_FALSE(Get(id).retry_due_ms.has_value());
  auto nothing = scheduler_->Cancel(id);
  ASSERT_FALSE(nothing.has_value());
  EXPECT_EQ(nothing.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(SchedulerTest, AtMostOneRunOfAConnectorAtATime) {
  const std::string id = Connector("one", {{"kind", "every_minutes"}, {"minutes", 15}});
  clock_.Advance(minutes(15));
  scheduler_->Tick();
  ASSERT_EQ(launcher_->launched.size(), 1u);
  auto again = scheduler_->RunNow(id, std::nullopt);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(again.error().message.find("already running"), std::string::npos);

  // The next scheduled time comes while it still runs: skipped, not queued behind it.
  clock_.Advance(minutes(15));
  scheduler_->Tick();
  EXPECT_EQ(launcher_->launched.size(), 1u);
  EXPECT_EQ(Get(id).next_run_ms, Ms(clock_.Now() + minutes(15)));
  launcher_->End(0, store::RunStatus::kSucceeded);
  clock_.Advance(minutes(15));
  scheduler_->Tick();
  EXPECT_EQ(launcher_->launched.size(), 2u);
}

TEST_F(SchedulerTest, TheGlobalLimitHoldsDueRunsUntilASlotFrees) {
  const std::string a = Connector("a", {{"kind", "daily"}, {"time", "10:05"}});
  const std::string b = Connector("b", {{"kind", "daily"}, {"time", "10:10"}});
  const std::string c = Connector("c", {{"kind", "daily"}, {"time", "10:15"}});
  clock_.Advance(minutes(20));
  scheduler_->Tick();
  ASSERT_EQ(launcher_->launched.size(), 2u);  // the limit is 2, oldest due first
  EXPECT_EQ(launcher_->launched[0].connector_name, "a");
  EXPECT_EQ(launcher_->launched[1].connector_name, "b");
  EXPECT_EQ(Get(c).next_run_ms, Ms(kStart + minutes(15))) << "still due, waiting for a slot";
  auto refused = scheduler_->RunNow(c, std::nullopt);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("--max-concurrent-runs"), std::string::npos);

  EXPECT_FALSE(scheduler_->TakeSlotFreed());
  launcher_->End(0, store::RunStatus::kSucceeded);
  EXPECT_TRUE(scheduler_->TakeSlotFreed()) << "the service ticks at once";
  EXPECT_FALSE(scheduler_->TakeSlotFreed()) << "once";
  scheduler_->Tick();
  ASSERT_EQ(launcher_->launched.size(), 3u);
  EXPECT_EQ(launcher_->launched[2].connector_name, "c");
}

TEST_F(SchedulerTest, DisablingDropsTheNextRunAndAPendingRetry) {
  const std::string id = Connector("d", {{"kind", "every_hours"}, {"hours", 1}, {"minute", 0}});
  ASSERT_TRUE(scheduler_->RunNow(id, std::nullopt).has_value());
  launcher_->End(0, store::RunStatus::kFailed);
  ASSERT_TRUE(Get(id).retry_due_ms.has_value());
  store::ConnectorRecord c = Get(id);
  c.enabled = false;
  ASSERT_TRUE(store_->UpdateConnector(c).has_value());
  ASSERT_TRUE(scheduler_->Reschedule(id).has_value());
  EXPECT_FALSE(Get(id).next_run_ms.has_value());
  EXPECT_FALSE(Get(id).retry_due_ms.has_value());
  clock_.Advance(std::chrono::hours(3));
  scheduler_->Tick();
  EXPECT_EQ(launcher_->launched.size(), 1u);
}

TEST_F(SchedulerTest, PendingRetriesSurviveARestart) {
  const std::string id = Connector("p", {{"kind", "manual"}});
  ASSERT_TRUE(scheduler_->RunNow(id, std::nullopt).has_value());
  launcher_->End(0, store::RunStatus::kFailed);
  Open();  // restart
  auto report = scheduler_->Recover();
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->interrupted_runs.empty());
  clock_.Advance(minutes(10));
  scheduler_->Tick();
  ASSERT_EQ(launcher_->launched.size(), 1u);
  EXPECT_EQ(launcher_->launched[0].request.attempt, 2);
}

TEST_F(SchedulerTest, ARunKilledWithTheServiceIsMarkedFailedAndRetriedOnTime) {
  const std::string id = Connector("k", {{"kind", "manual"}});
  auto run = scheduler_->RunNow(id, std::nullopt);
  ASSERT_TRUE(run.has_value());
  // kill -9: the run stays RUNNING; the next start finds its owner dead.
  clock_.Advance(minutes(3));
  owner_ = "boot/2/2";
  Open(/*owners_alive=*/false);
  auto report = scheduler_->Recover();
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_EQ(report->interrupted_runs, std::vector<std::string>{*run});
  // Its uploads aborted and its metrics row written before anything else is launched.
  EXPECT_EQ(launcher_->cleaned_up, std::vector<std::string>{*run});
  EXPECT_TRUE(launcher_->launched.empty());
  EXPECT_EQ(report->retries_scheduled, std::vector<std::string>{id});
  auto stored = store_->GetRun(*run);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->status, store::RunStatus::kFailed);
  EXPECT_EQ(stored->result.error_code, "aborted");
  EXPECT_EQ(Get(id).retry_due_ms, Ms(clock_.Now() + minutes(10)));

  clock_.Advance(minutes(10) - milliseconds(1));
  scheduler_->Tick();
  EXPECT_TRUE(launcher_->launched.empty());
  clock_.Advance(milliseconds(1));
  scheduler_->Tick();
  ASSERT_EQ(launcher_->launched.size(), 1u);
  EXPECT_EQ(launcher_->launched[0].request.trigger, "retry");
  EXPECT_EQ(launcher_->launched[0].request.attempt, 2);
}

TEST_F(SchedulerTest, TimesMissedWhileDownGiveOneCatchUpRun) {
  const std::string id = Connector("m", {{"kind", "every_minutes"}, {"minutes", 15}});
  Open();                                 // the service stops ...
  clock_.Advance(std::chrono::hours(5));  // ... and misses 20 scheduled times
  auto report = scheduler_->Recover();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->catch_up, std::vector<std::string>{id});
  scheduler_->Tick();
  ASSERT_EQ(launcher_->launched.size(), 1u);
  EXPECT_EQ(launcher_->launched[0].request.trigger, "catch-up");
  EXPECT_GT(*Get(id).next_run_ms, Ms(clock_.Now()));
  launcher_->End(0, store::RunStatus::kSucceeded);
  scheduler_->Tick();
  EXPECT_EQ(launcher_->launched.size(), 1u);
}

TEST_F(SchedulerTest, RunNowForAnUnknownConnectorIsNotFound) {
  auto run = scheduler_->RunNow("con_nope", std::nullopt);
  ASSERT_FALSE(run.has_value());
  EXPECT_EQ(run.error().code, ErrorCode::kNotFound);
}

TEST_F(SchedulerTest, NothingStartsOnceStopping) {
  const std::string id = Connector("s", {{"kind", "every_minutes"}, {"minutes", 15}});
  scheduler_->StopStarting();
  clock_.Advance(minutes(15));
  scheduler_->Tick();
  EXPECT_TRUE(launcher_->launched.empty());
  auto run = scheduler_->RunNow(id, std::nullopt);
  ASSERT_FALSE(run.has_value());
  EXPECT_EQ(run.error().code, ErrorCode::kUnavailable);
}

// ---- Several processes on one store (store/leases.h).

TEST_F(SchedulerTest, ADueRunIsStartedOnceWhicheverProcessSeesItFirst) {
  const std::string id = Connector("fleet", {{"kind", "every_minutes"}, {"minutes", 15}});
  Peer b = OpenPeer("boot/2/2");
  clock_.Advance(minutes(15));
  b.scheduler->Tick();
  scheduler_->Tick();
  b.scheduler->Tick();
  ASSERT_EQ(b.launcher->launched.size(), 1u);
  EXPECT_TRUE(launcher_->launched.empty()) << "claimed by b: a must not run it too";
  EXPECT_EQ(Get(id).next_run_ms, Ms(clock_.Now() + minutes(15)));
  // Every process sees it running, and none can start it again.
  EXPECT_EQ(scheduler_->RunningRun(id), b.launcher->launched[0].request.run_id);
  auto again = scheduler_->RunNow(id, std::nullopt);
  ASSERT_FALSE(again.has_value());
  EXPECT_NE(again.error().message.find("already running"), std::string::npos);
  b.launcher->End(0, store::RunStatus::kSucceeded);
  EXPECT_FALSE(scheduler_->RunningRun(id).has_value());
  EXPECT_TRUE(scheduler_->RunNow(id, std::nullopt).has_value());
}

TEST_F(SchedulerTest, TheLimitCountsTheRunsOfEveryProcess) {
  const std::string a = Connector("a", {{"kind", "daily"}, {"time", "10:05"}});
  const std::string b = Connector("b", {{"kind", "daily"}, {"time", "10:10"}});
  const std::string c = Connector("c", {{"kind", "daily"}, {"time", "10:15"}});
  Peer peer = OpenPeer("boot/2/2");
  clock_.Advance(minutes(6));
  scheduler_->Tick();  // a
  clock_.Advance(minutes(5));
  peer.scheduler->Tick();  // b: the limit (2) is reached over the two processes
  clock_.Advance(minutes(5));
  scheduler_->Tick();
  peer.scheduler->Tick();
  ASSERT_EQ(launcher_->launched.size(), 1u);
  ASSERT_EQ(peer.launcher->launched.size(), 1u);
  EXPECT_EQ(Get(c).next_run_ms, Ms(kStart + minutes(15))) << "still due, waiting for a slot";
  auto refused = peer.scheduler->RunNow(c, std::nullopt);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("2 runs are already running"), std::string::npos)
      << refused.error().ToString();

  launcher_->End(0, store::RunStatus::kSucceeded);  // a's slot frees: either process takes c
  peer.scheduler->Tick();
  scheduler_->Tick();
  ASSERT_EQ(peer.launcher->launched.size(), 2u);
  EXPECT_EQ(peer.launcher->launched[1].connector_name, "c");
  EXPECT_EQ(launcher_->launched.size(), 1u);
}

TEST_F(SchedulerTest, CancelThroughAnotherProcessReachesTheOwnerAtItsNextTick) {
  const std::string id = Connector("c", {{"kind", "manual"}});
  Peer b = OpenPeer("boot/2/2");
  auto run = b.scheduler->RunNow(id, std::nullopt);
  ASSERT_TRUE(run.has_value()) << run.error().ToString();
  auto cancelled = scheduler_->Cancel(id);
  ASSERT_TRUE(cancelled.has_value()) << cancelled.error().ToString();
  EXPECT_EQ(*cancelled, *run);
  EXPECT_FALSE(b.launcher->launched[0].cancel->load()) << "b has not looked yet";
  b.scheduler->Tick();
  EXPECT_TRUE(b.launcher->launched[0].cancel->load());
  b.launcher->End(0, store::RunStatus::kCancelled);
  auto nothing = scheduler_->Cancel(id);
  ASSERT_FALSE(nothing.has_value());
  EXPECT_EQ(nothing.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(SchedulerTest, ADeadProcesssRunIsFailedAfterItsLeaseExpiresAndRetriedByAnother) {
  const std::string id =
      Connector("d", {{"kind", "manual"}}, {{"every_minutes", 5}, {"max_retries", 1}});
  Peer b = OpenPeer("boot/2/2");
  auto run = b.scheduler->RunNow(id, std::nullopt);
  ASSERT_TRUE(run.has_value());
  // b is killed: it never ticks again. Until its lease expires, its run is left alone.
  clock_.Advance(milliseconds(lease_ms_));
  scheduler_->Tick();
  EXPECT_EQ(store_->GetRun(*run)->status, store::RunStatus::kRunning);
  EXPECT_TRUE(launcher_->cleaned_up.empty());
  clock_.Advance(milliseconds(1));
  scheduler_->Tick();
  const auto failed = store_->GetRun(*run);
  EXPECT_EQ(failed->status, store::RunStatus::kFailed);
  EXPECT_EQ(failed->result.error_code, "aborted");
  EXPECT_NE(failed->result.error_message.find("lease"), std::string::npos);
  EXPECT_EQ(launcher_->cleaned_up, std::vector<std::string>{*run}) << "its uploads aborted";
  EXPECT_FALSE(scheduler_->RunningRun(id).has_value());
  EXPECT_EQ(Get(id).retry_due_ms, Ms(clock_.Now() + minutes(5)));
  clock_.Advance(minutes(5));
  scheduler_->Tick();
  ASSERT_EQ(launcher_->launched.size(), 1u);
  EXPECT_EQ(launcher_->launched[0].request.trigger, "retry");
  EXPECT_EQ(launcher_->launched[0].request.attempt, 2);
}

TEST_F(SchedulerTest, AProcessWhoseLeaseWasReapedCancelsItsRun) {
  const std::string id =
      Connector("r", {{"kind", "manual"}}, {{"every_minutes", 5}, {"max_retries", 0}});
  Peer b = OpenPeer("boot/2/2");
  ASSERT_TRUE(b.scheduler->RunNow(id, std::nullopt).has_value());
  clock_.Advance(milliseconds(lease_ms_ + 1));  // b stalls (a long pause, a cut network) ...
  scheduler_->Tick();                           // ... and a reaps its lease
  b.scheduler->Tick();                          // b comes back: it must not publish
  EXPECT_TRUE(b.launcher->launched[0].cancel->load());
}

TEST_F(SchedulerTest, ARestartLeavesAnotherMachinesLeasedRunToItsLease) {
  const std::string id = Connector("m", {{"kind", "manual"}});
  Peer far = OpenPeer("otherboot/7/7");
  auto run = far.scheduler->RunNow(id, std::nullopt);
  ASSERT_TRUE(run.has_value());
  // A process of this machine starts: it cannot see the other machine's processes.
  Peer near = OpenPeer("boot/3/3", /*here=*/false);
  auto report = near.scheduler->Recover();
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_TRUE(report->interrupted_runs.empty());
  EXPECT_EQ(store_->GetRun(*run)->status, store::RunStatus::kRunning);
  EXPECT_EQ(near.scheduler->RunningRun(id), *run);
}

}  // namespace
}  // namespace s3u::service
