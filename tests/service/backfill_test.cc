// Backfills over the scheduler, with the scheduler's fixture: a fake clock, a real store and the
// fake launcher, so the test decides how and when each day's run ends.
#include "service/backfill.h"

#include <gtest/gtest.h>

#include "service/scheduler_fixture.h"
#include "table/day_window.h"

namespace s3u::service {
namespace {

using nlohmann::json;
using store::RunStatus;

std::vector<table::Days> Dates(std::initializer_list<const char*> texts) {
  std::vector<table::Days> days;
  for (const char* t : texts) days.push_back(*table::ParseDate(t));
  return days;
}

class BackfillTest : public SchedulerTest {
 protected:
  void SetUp() override {
    SchedulerTest::SetUp();
    backfills_ = std::make_unique<Backfills>(*scheduler_, clock_, log_);
    id_ = Connector("orders", {{"kind", "manual"}});
  }

  // kStart is 2026-03-10 (UTC): the 7th is 3 days ago.
  BackfillProgress Start(std::initializer_list<const char*> days) {
    auto started = backfills_->Start(Get(id_), Dates(days));
    EXPECT_TRUE(started.has_value()) << started.error().ToString();
    return started ? *started : BackfillProgress{};
  }

  BackfillProgress Progress(const std::string& id) { return *backfills_->Get(id); }

  std::unique_ptr<Backfills> backfills_;
  std::string id_;
};

TEST_F(BackfillTest, RunsOneDayAtATimeOldestFirstEachItsOwnRun) {
  const BackfillProgress b = Start({"2026-03-07", "2026-03-08", "2026-03-09"});
  EXPECT_EQ(b.State(), "running");
  ASSERT_EQ(launcher_->launched.size(), 1u);
  EXPECT_EQ(launcher_->launched[0].request.specific_day, 3);
  EXPECT_EQ(launcher_->launched[0].request.trigger, "backfill");
  EXPECT_EQ(Progress(b.id).days[0].state, DayState::kRunning);

  launcher_->End(0, RunStatus::kSucceeded);
  ASSERT_EQ(launcher_->launched.size(), 2u);  // the next day starts when one ends
  EXPECT_EQ(launcher_->launched[1].request.specific_day, 2);
  launcher_->End(1, RunStatus::kSucceeded);
  ASSERT_EQ(launcher_->launched.size(), 3u);
  EXPECT_EQ(launcher_->launched[2].request.specific_day, 1);
  EXPECT_EQ(Progress(b.id).DaysLeft(), 1);
  launcher_->End(2, RunStatus::kSucceeded);

  const BackfillProgress done = Progress(b.id);
  EXPECT_EQ(done.State(), "succeeded");
  EXPECT_EQ(done.Count(DayState::kSucceeded), 3);
  EXPECT_EQ(done.DaysLeft(), 0);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(done.days[i].run_id, launcher_->launched[i].request.run_id);
    EXPECT_EQ(store_->GetRun(done.days[i].run_id)->status, RunStatus::kSucceeded);
  }
  EXPECT_FALSE(scheduler_->RunningRun(id_).has_value());
}

TEST_F(BackfillTest, AFailedDayIsCountedNotRetriedAndTheNextDayRuns) {
  const BackfillProgress b = Start({"2026-03-08", "2026-03-09"});
  launcher_->End(0, RunStatus::kFailed);
  ASSERT_EQ(launcher_->launched.size(), 2u);
  EXPECT_FALSE(Get(id_).retry_due_ms.has_value()) << "the connector's retry policy is not used";
  launcher_->End(1, RunStatus::kSucceeded);
  const BackfillProgress done = Progress(b.id);
  EXPECT_EQ(done.State(), "failed");
  EXPECT_EQ(done.Count(DayState::kFailed), 1);
  EXPECT_EQ(done.Count(DayState::kSucceeded), 1);
  EXPECT_EQ(done.days[0].state, DayState::kFailed);
}

TEST_F(BackfillTest, ADayWaitsForAFreeSlotUnderTheGlobalLimit) {
  limit_ = 1;
  Open();
  backfills_ = std::make_unique<Backfills>(*scheduler_, clock_, log_);
  const std::string other = Connector("other", {{"kind", "manual"}});
  id_ = Connector("orders2", {{"kind", "manual"}});
  ASSERT_TRUE(scheduler_->RunNow(other, std::nullopt).has_value());

  const BackfillProgress b = Start({"2026-03-09"});
  EXPECT_EQ(launcher_->launched.size(), 1u);
  EXPECT_EQ(Progress(b.id).days[0].state, DayState::kPending);
  backfills_->Tick();
  EXPECT_EQ(launcher_->launched.size(), 1u) << "no free slot yet";

  launcher_->End(0, RunStatus::kSucceeded);
  EXPECT_EQ(launcher_->launched.size(), 1u) << "a freed slot is taken at the next tick";
  backfills_->Tick();
  ASSERT_EQ(launcher_->launched.size(), 2u);
  EXPECT_EQ(launcher_->launched[1].connector_name, "orders2");
  EXPECT_EQ(Progress(b.id).days[0].state, DayState::kRunning);
}

TEST_F(BackfillTest, ADayWaitsWhileItsConnectorRunsSomethingElse) {
  ASSERT_TRUE(scheduler_->RunNow(id_, std::nullopt).has_value());
  const BackfillProgress b = Start({"2026-03-09"});
  EXPECT_EQ(launcher_->launched.size(), 1u);
  launcher_->End(0, RunStatus::kSucceeded);
  backfills_->Tick();
  ASSERT_EQ(launcher_->launched.size(), 2u);
  EXPECT_EQ(launcher_->launched[1].request.trigger, "backfill");
  EXPECT_EQ(Progress(b.id).State(), "running");
}

TEST_F(BackfillTest, CancelStopsTheRunningDayAndTheDaysNotBegun) {
  const BackfillProgress b = Start({"2026-03-07", "2026-03-08", "2026-03-09"});
  auto cancelled = backfills_->Cancel(b.id);
  ASSERT_TRUE(cancelled.has_value());
  EXPECT_EQ(cancelled->State(), "cancelling");
  EXPECT_TRUE(launcher_->launched[0].cancel->load());
  EXPECT_EQ(cancelled->Count(DayState::kCancelled), 2);
  launcher_->End(0, RunStatus::kCancelled);
  backfills_->Tick();
  EXPECT_EQ(launcher_->launched.size(), 1u) << "no day after a cancel";
  const BackfillProgress done = Progress(b.id);
  EXPECT_EQ(done.State(), "cancelled");
  EXPECT_EQ(done.Count(DayState::kCancelled), 3);
  EXPECT_FALSE(Get(id_).retry_due_ms.has_value());

  auto again = backfills_->Cancel(b.id);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(BackfillTest, ARunThatEndsAfterTheCancelKeepsItsOwnStatus) {
  const BackfillProgress b = Start({"2026-03-08", "2026-03-09"});
  ASSERT_TRUE(backfills_->Cancel(b.id).has_value());
  launcher_->End(0, RunStatus::kSucceeded);  // it finished before it saw the flag
  const BackfillProgress done = Progress(b.id);
  EXPECT_EQ(done.days[0].state, DayState::kSucceeded);
  EXPECT_EQ(done.days[1].state, DayState::kCancelled);
  EXPECT_EQ(done.State(), "cancelled");
  EXPECT_EQ(launcher_->launched.size(), 1u);
}

TEST_F(BackfillTest, CancellingTheConnectorsRunCancelsTheWholeBackfill) {
  const BackfillProgress b = Start({"2026-03-08", "2026-03-09"});
  ASSERT_TRUE(scheduler_->Cancel(id_).has_value());
  launcher_->End(0, RunStatus::kCancelled);
  EXPECT_EQ(launcher_->launched.size(), 1u);
  EXPECT_EQ(Progress(b.id).State(), "cancelled");
}

TEST_F(BackfillTest, ASecondBackfillOfAConnectorIsRefusedWhileOneIsGoing) {
  Start({"2026-03-09"});
  auto second = backfills_->Start(Get(id_), Dates({"2026-03-01"}));
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(second.error().subject, "connector orders");
  EXPECT_EQ(launcher_->launched.size(), 1u);

  launcher_->End(0, RunStatus::kSucceeded);
  EXPECT_TRUE(backfills_->Start(Get(id_), Dates({"2026-03-01"})).has_value());
  EXPECT_EQ(backfills_->LatestOf(id_), backfills_->Get(*backfills_->LatestOf(id_))->id);
}

TEST_F(BackfillTest, BackfillsOfTwoConnectorsRunSideBySide) {
  const std::string other = Connector("other", {{"kind", "manual"}});
  Start({"2026-03-09"});
  ASSERT_TRUE(backfills_->Start(Get(other), Dates({"2026-03-09"})).has_value());
  EXPECT_EQ(launcher_->launched.size(), 2u);
  EXPECT_NE(backfills_->LatestOf(id_), backfills_->LatestOf(other));
}

TEST_F(BackfillTest, ADayThatCannotStartIsFailedAndTheNextDayRuns) {
  launcher_->refuse_next = true;  // ended before Launch returns
  const BackfillProgress b = Start({"2026-03-08", "2026-03-09"});
  ASSERT_EQ(launcher_->refused.size(), 1u);
  ASSERT_EQ(launcher_->launched.size(), 1u);
  EXPECT_EQ(launcher_->launched[0].request.specific_day, 1);
  const BackfillProgress now = Progress(b.id);
  EXPECT_EQ(now.days[0].state, DayState::kFailed);
  EXPECT_EQ(now.days[0].run_id, launcher_->refused[0]);
  EXPECT_EQ(now.days[1].state, DayState::kRunning);
}

TEST_F(BackfillTest, EveryDayRefusedEndsTheBackfillFailed) {
  launcher_->refuse_next = true;
  const BackfillProgress b = Start({"2026-03-09"});
  EXPECT_EQ(b.State(), "failed");
  EXPECT_EQ(b.Count(DayState::kFailed), 1);
  EXPECT_FALSE(scheduler_->RunningRun(id_).has_value());
}

TEST_F(BackfillTest, ADeletedConnectorFailsTheDaysLeft) {
  ASSERT_TRUE(scheduler_->RunNow(id_, std::nullopt).has_value());  // the days wait for it
  const BackfillProgress b = Start({"2026-03-08", "2026-03-09"});
  ASSERT_TRUE(store_->DeleteConnector(id_).has_value());
  launcher_->End(0, RunStatus::kSucceeded);
  backfills_->Tick();
  EXPECT_EQ(launcher_->launched.size(), 1u);
  const BackfillProgress done = Progress(b.id);
  EXPECT_EQ(done.State(), "failed");
  EXPECT_EQ(done.Count(DayState::kFailed), 2);
  EXPECT_NE(done.days[1].error, "");
  EXPECT_EQ(done.days[1].run_id, "");
}

TEST_F(BackfillTest, EachDayIsCountedInDaysAgoWhenItsRunStarts) {
  const BackfillProgress b = Start({"2026-03-08", "2026-03-09"});
  EXPECT_EQ(launcher_->launched[0].request.specific_day, 2);
  clock_.Advance(std::chrono::hours(24));  // local midnight passes during the first day
  launcher_->End(0, RunStatus::kSucceeded);
  ASSERT_EQ(launcher_->launched.size(), 2u);
  EXPECT_EQ(launcher_->launched[1].request.specific_day, 2)
      << "2026-03-09 is 2 days before the 11th";
  EXPECT_EQ(Progress(b.id).DaysLeft(), 1);
}

TEST_F(BackfillTest, DaysAreInTheConnectorsTimeZone) {
  store::ConnectorRecord c = Get(id_);
  c.settings_json = json{{"details", {{"time_zone", "Pacific/Auckland"}}}}.dump();
  EXPECT_EQ(ConnectorTimeZone(c), "Pacific/Auckland");
  // 10:00 UTC on the 10th is 23:00 on the 10th in Auckland (UTC+13): the 10th is today there.
  auto b = backfills_->Start(c, Dates({"2026-03-10"}));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(launcher_->launched[0].request.specific_day, 0);
  EXPECT_EQ(b->time_zone, "Pacific/Auckland");
}

TEST_F(BackfillTest, ConnectorTimeZoneIsUtcWhenUnset) {
  store::ConnectorRecord c = Get(id_);
  c.settings_json = "{}";
  EXPECT_EQ(ConnectorTimeZone(c), "UTC");
  c.settings_json = R"({"details": {"time_zone": 5}})";
  EXPECT_EQ(ConnectorTimeZone(c), "UTC");
}

TEST_F(BackfillTest, AStoppingServiceStartsNoDay) {
  scheduler_->StopStarting();
  const BackfillProgress b = Start({"2026-03-09"});
  EXPECT_TRUE(launcher_->launched.empty());
  EXPECT_EQ(b.days[0].state, DayState::kPending);
}

TEST_F(BackfillTest, AnUnknownIdIsNotFound) {
  auto missing = backfills_->Get("bf-nope");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(backfills_->Cancel("bf-nope").error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(backfills_->LatestOf(id_).has_value());
}

TEST_F(BackfillTest, TheJsonShowsProgressAndEveryDaysRun) {
  const BackfillProgress b = Start({"2026-03-08", "2026-03-09"});
  launcher_->End(0, RunStatus::kFailed);
  const json j = BackfillJson(Progress(b.id));
  EXPECT_EQ(j["id"], b.id);
  EXPECT_EQ(j["connector_id"], id_);
  EXPECT_EQ(j["from"], "2026-03-08");
  EXPECT_EQ(j["to"], "2026-03-09");
  EXPECT_EQ(j["state"], "running");
  EXPECT_EQ(j["days_total"], 2);
  EXPECT_EQ(j["days_done"], 0);
  EXPECT_EQ(j["days_failed"], 1);
  EXPECT_EQ(j["days_left"], 1);
  ASSERT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][0]["day"], "2026-03-08");
  EXPECT_EQ(j["runs"][0]["state"], "failed");
  EXPECT_EQ(j["runs"][0]["run_id"], launcher_->launched[0].request.run_id);
  EXPECT_EQ(j["runs"][1]["state"], "running");
  EXPECT_EQ(j["runs"][1]["run_id"], launcher_->launched[1].request.run_id);
  EXPECT_EQ(j["runs"][1]["error"], nullptr);
}

}  // namespace
}  // namespace s3u::service
