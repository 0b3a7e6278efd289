// The scheduler's rules with a fake clock, a real store in a temporary directory and a
// launcher that only records what it was asked to run: the test decides how each run ends.
#include "service/scheduler.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>

#include "service/forms.h"
#include "service/schedule.h"
#include "store/secret_box.h"
#include "store/store.h"
#include "support/fake_clock.h"

namespace s3u::service {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::minutes;

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "scheduler-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

int64_t Ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

// 2026-03-10T10:00:00Z
const std::chrono::system_clock::time_point kStart =
    std::chrono::sys_days{std::chrono::year{2026} / 3 / 10} + std::chrono::hours(10);

class FakeLauncher final : public Launcher {
 public:
  struct Launched {
    std::string connector_name;
    LaunchRequest request;
    std::shared_ptr<std::atomic<bool>> cancel;
    std::function<void(const RunEnded&)> done;
  };

  FakeLauncher(store::Store& store, Clock& clock) : store_(store), clock_(clock) {}

  void Launch(const store::ConnectorRecord& connector, const LaunchRequest& request,
              std::shared_ptr<std::atomic<bool>> cancel,
              std::function<void(const RunEnded&)> done) override {
    store::RunRecord record;
    record.run_id = request.run_id;
    record.job_name = connector.name;
    record.connector_id = connector.id;
    record.input_dataset_id = "ds";
    record.day = "2026-03-09";
    record.time_zone = "UTC";
    record.engine = "direct";
    record.attempt = request.attempt;
    record.started_ms = Ms(clock_.Now());
    EXPECT_TRUE(store_.BeginRun(record).has_value());
    launched.push_back({connector.name, request, std::move(cancel), std::move(done)});
  }

  void CleanUp(const store::ConnectorRecord&, const store::RunRecord& run) override {
    cleaned_up.push_back(run.run_id);
  }

  // Ends the i-th launched run the way a real run would: recorded, then reported.
  void End(size_t i, store::RunStatus status) {
    ASSERT_LT(i, launched.size());
    store::RunResult result;
    if (status != store::RunStatus::kSucceeded) {
      result.error_code = status == store::RunStatus::kCancelled ? "cancelled" : "unavailable";
      result.error_message = "it failed";
    }
    const int64_t now = Ms(clock_.Now());
    ASSERT_TRUE(store_.FinishRun(launched[i].request.run_id, status, now, result).has_value());
    launched[i].done({launched[i].request.connector_id, launched[i].request.run_id, status, now});
  }

  std::vector<Launched> launched;
  std::vector<std::string> cleaned_up;  // runs CleanUp was asked to clean up

 private:
  store::Store& store_;
  Clock& clock_;
};

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  // (Re)opens the store and a new scheduler on it: a restart of the service.
  void Open(bool owners_alive = true) {
    scheduler_.reset();
    launcher_.reset();
    store_.reset();
    store::StoreOptions options;
    options.owner = owner_;
    options.owner_alive = [owners_alive](std::string_view) { return owners_alive; };
    auto opened = store::Store::Open(dir_.path() / "s.db", clock_, options);
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    store_ = std::move(*opened);
    auto box = store::SecretBox::LoadOrCreate(dir_.path() / "s.db.key");
    ASSERT_TRUE(box.has_value());
    store_->AttachSecrets(std::move(*box));
    launcher_ = std::make_unique<FakeLauncher>(*store_, clock_);
    SchedulerOptions scheduler_options;
    scheduler_options.max_concurrent_runs = limit_;
    scheduler_ = std::make_unique<Scheduler>(*store_, clock_, *launcher_, log_, scheduler_options);
  }

  std::string Account(store::AccountKind kind) {
    store::Account a;
    a.kind = kind;
    a.name = std::string(store::AccountKindName(kind)) + std::to_string(accounts_++);
    if (kind == store::AccountKind::kDomo) {
      a.domo_client_id = "client";
      a.domo_client_secret = "domo-secret";
    } else {
      a.aws_access_key_id = "AKIA";
      a.aws_secret_access_key = "aws-secret";
      a.bucket = "bucket";
      a.region = "us-east-1";
    }
    auto created = store_->CreateAccount(a);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return created->id;
  }

  std::string Connector(const std::string& name, const json& schedule,
                        const json& retry = {{"every_minutes", 10}, {"max_retries", 2}}) {
    ConnectorForm form;
    form.name = name;
    form.domo_account_id = Account(store::AccountKind::kDomo);
    form.aws_account_id = Account(store::AccountKind::kAws);
    form.schedule = *ParseSchedule(schedule);
    form.retry = *ParseRetry(retry);
    auto created = store_->CreateConnector(ToRecord(form));
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    EXPECT_TRUE(scheduler_->Reschedule(created->id).has_value());
    return created->id;
  }

  store::ConnectorRecord Get(const std::string& id) { return *store_->GetConnector(id); }

  TempDir dir_;
  testing::FakeClock clock_{kStart};
  Logger log_{LogLevel::kOff};
  std::string owner_ = "boot/1/1";
  int limit_ = 2;
  int accounts_ = 0;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<FakeLauncher> launcher_;
  std::unique_ptr<Scheduler> scheduler_;
};

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

  launcher_->End(0, store::RunStatus::kSucceeded);
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

}  // namespace
}  // namespace s3u::service
