#include "store/runs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store.h"
#include "support/fake_clock.h"
#include "test_util.h"

namespace s3u::store {
namespace {

using ::s3u::testing::FakeClock;
using ::s3u::testing::SampleRun;
using ::s3u::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class RunsTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = Open("this-process"); }

  // A Store on the same file whose runs are owned by `owner`; only "this-process" is alive.
  std::unique_ptr<Store> Open(std::string owner) {
    StoreOptions options;
    options.owner = std::move(owner);
    options.owner_alive = [](std::string_view o) { return o == "this-process"; };
    auto store = Store::Open(url_, clock_, std::move(options));
    EXPECT_TRUE(store.has_value()) << store.error().ToString();
    return store ? std::move(*store) : nullptr;
  }

  void Begin(const RunRecord& run) {
    auto begun = store_->BeginRun(run);
    ASSERT_TRUE(begun.has_value()) << begun.error().ToString();
  }

  static RunResult Failure() {
    RunResult result;
    result.error_code = "unavailable";
    result.error_message = "s3://bucket/key: 503 Slow Down (after 5 attempts)";
    return result;
  }

  std::vector<std::string> Ids(const RunFilter& filter) {
    auto runs = store_->ListRuns(filter);
    EXPECT_TRUE(runs.has_value()) << runs.error().ToString();
    std::vector<std::string> ids;
    if (runs) {
      for (const RunRecord& run : *runs) ids.push_back(run.run_id);
    }
    return ids;
  }

  TempDir dir_;
  const StoreUrl url_ = ::s3u::testing::TestStoreUrl(dir_.path());
  FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::milliseconds(5'000'000))};
  std::unique_ptr<Store> store_;
};

TEST_F(RunsTest, BegunRunReadsBackAsRunning) {
  RunRecord run = SampleRun("r1", 1000);
  run.connector_id = "c-42";
  run.attempt = 3;
  Begin(run);
  auto read = store_->GetRun("r1");
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_EQ(*read, run);
}

TEST_F(RunsTest, FinishedRunReadsBackWithItsResult) {
  Begin(SampleRun("r1", 1000));
  RunResult result;
  result.s3_uris = {"s3://bucket/2025/03/09/orders-1.csv.gz", "s3://bucket/2025/03/09/Zürich ✓"};
  result.objects = 2;
  result.rows = 123456;
  result.bytes = 9876543210;
  result.duplicate_keys = 7;
  result.metrics_json = R"({"run_id":"r1","rows":123456,"started":"1000"})";
  ASSERT_TRUE(store_->FinishRun("r1", RunStatus::kSucceeded, 2500, result).has_value());

  RunRecord expected = SampleRun("r1", 1000);
  expected.status = RunStatus::kSucceeded;
  expected.finished_ms = 2500;
  expected.result = result;
  auto read = store_->GetRun("r1");
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_EQ(*read, expected);
}

TEST_F(RunsTest, FailedRunKeepsItsError) {
  Begin(SampleRun("r1", 1000));
  ASSERT_TRUE(store_->FinishRun("r1", RunStatus::kFailed, 2000, Failure()).has_value());
  auto read = store_->GetRun("r1");
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->status, RunStatus::kFailed);
  EXPECT_EQ(read->result.error_code, "unavailable");
  EXPECT_EQ(read->result.error_message, Failure().error_message);
}

TEST_F(RunsTest, BeginRefusesAnIdInUse) {
  Begin(SampleRun("r1", 1000));
  auto again = store_->BeginRun(SampleRun("r1", 2000));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(again.error().subject, "run r1");
  EXPECT_THAT(again.error().message, HasSubstr("already exists"));
}

TEST_F(RunsTest, BeginReportsEveryInvalidFieldAtOnce) {
  RunRecord run = SampleRun("r1", 0);
  run.job_name.clear();
  run.day = "2025-02-29";  // not a leap year
  run.attempt = 0;
  run.status = RunStatus::kSucceeded;
  auto begun = store_->BeginRun(run);
  ASSERT_FALSE(begun.has_value());
  EXPECT_EQ(begun.error().code, ErrorCode::kInvalidArgument);
  for (const char* field : {"job_name:", "day:", "attempt:", "started_ms:", "status:"}) {
    EXPECT_THAT(begun.error().message, HasSubstr(field));
  }
  EXPECT_FALSE(store_->GetRun("r1").has_value());
}

TEST_F(RunsTest, BeginRefusesMalformedDays) {
  for (const char* day : {"2025-3-09", "20250309", "2025-13-01", "2025-03-0x", ""}) {
    RunRecord run = SampleRun("r1", 1000);
    run.day = day;
    auto begun = store_->BeginRun(run);
    ASSERT_FALSE(begun.has_value()) << day;
    EXPECT_THAT(begun.error().message, HasSubstr("YYYY-MM-DD")) << day;
  }
}

TEST_F(RunsTest, BeginRefusesARunThatAlreadyHasAnOutcome) {
  RunRecord run = SampleRun("r1", 1000);
  run.finished_ms = 2000;
  run.result.rows = 5;
  auto begun = store_->BeginRun(run);
  ASSERT_FALSE(begun.has_value());
  EXPECT_THAT(begun.error().message, HasSubstr("finished_ms:"));
  EXPECT_THAT(begun.error().message, HasSubstr("result:"));
}

TEST_F(RunsTest, FinishUnknownRunIsNotFound) {
  auto finished = store_->FinishRun("nope", RunStatus::kSucceeded, 2000, {});
  ASSERT_FALSE(finished.has_value());
  EXPECT_EQ(finished.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(finished.error().subject, "run nope");
}

TEST_F(RunsTest, FinishTwiceIsFailedPrecondition) {
  Begin(SampleRun("r1", 1000));
  ASSERT_TRUE(store_->FinishRun("r1", RunStatus::kCancelled, 2000, {}).has_value());
  auto again = store_->FinishRun("r1", RunStatus::kSucceeded, 3000, {});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(again.error().message, HasSubstr("already finished as CANCELLED"));
  EXPECT_EQ(store_->GetRun("r1")->status, RunStatus::kCancelled);
}

TEST_F(RunsTest, FinishRefusesOutcomesThatContradictTheirStatus) {
  Begin(SampleRun("r1", 1000));
  RunResult negative;
  negative.bytes = -1;
  RunResult not_json;
  not_json.metrics_json = "[1, 2]";
  const struct {
    RunStatus status;
    RunResult result;
    const char* field;
  } cases[] = {
      {RunStatus::kRunning, {}, "status:"},
      {RunStatus::kFailed, {}, "error:"},
      {RunStatus::kSucceeded, Failure(), "error:"},
      {RunStatus::kSucceeded, negative, "bytes:"},
      {RunStatus::kSucceeded, not_json, "metrics_json:"},
  };
  for (const auto& c : cases) {
    auto finished = store_->FinishRun("r1", c.status, 2000, c.result);
    ASSERT_FALSE(finished.has_value()) << c.field;
    EXPECT_EQ(finished.error().code, ErrorCode::kInvalidArgument) << c.field;
    EXPECT_THAT(finished.error().message, HasSubstr(c.field));
  }
  EXPECT_EQ(store_->GetRun("r1")->status, RunStatus::kRunning);
}

TEST_F(RunsTest, FinishRefusesAnEndBeforeTheStart) {
  Begin(SampleRun("r1", 1000));
  auto finished = store_->FinishRun("r1", RunStatus::kSucceeded, 999, {});
  ASSERT_FALSE(finished.has_value());
  EXPECT_EQ(finished.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(finished.error().message, HasSubstr("before the start"));
}

TEST_F(RunsTest, GetUnknownRunIsNotFoundNamingTheStore) {
  auto read = store_->GetRun("nope");
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(read.error().message, HasSubstr(store_->location()));
}

TEST_F(RunsTest, ListIsNewestFirstWithTiesBrokenByRunId) {
  Begin(SampleRun("b", 2000));
  Begin(SampleRun("a", 2000));
  Begin(SampleRun("c", 1000));
  Begin(SampleRun("d", 3000));
  EXPECT_THAT(Ids({}), ElementsAre("d", "b", "a", "c"));
}

TEST_F(RunsTest, ListPagesWithTheLastRunOfThePreviousPage) {
  for (int i = 1; i <= 5; ++i) Begin(SampleRun("r" + std::to_string(i), i * 1000));
  RunFilter page;
  page.limit = 2;
  EXPECT_THAT(Ids(page), ElementsAre("r5", "r4"));
  page.before = "r4";
  EXPECT_THAT(Ids(page), ElementsAre("r3", "r2"));
  page.before = "r2";
  EXPECT_THAT(Ids(page), ElementsAre("r1"));
  page.before = "r1";
  EXPECT_THAT(Ids(page), ElementsAre());
}

TEST_F(RunsTest, ListFiltersByJobConnectorAndStatus) {
  RunRecord other_job = SampleRun("other", 1000);
  other_job.job_name = "refunds";
  RunRecord service = SampleRun("service", 2000);
  service.connector_id = "c-1";
  Begin(other_job);
  Begin(service);
  Begin(SampleRun("cli", 3000));
  ASSERT_TRUE(store_->FinishRun("cli", RunStatus::kFailed, 4000, Failure()).has_value());

  RunFilter by_job;
  by_job.job_name = "orders-daily";
  EXPECT_THAT(Ids(by_job), ElementsAre("cli", "service"));
  RunFilter by_connector;
  by_connector.connector_id = "c-1";
  EXPECT_THAT(Ids(by_connector), ElementsAre("service"));
  RunFilter by_status;
  by_status.status = RunStatus::kRunning;
  EXPECT_THAT(Ids(by_status), ElementsAre("service", "other"));
  by_status.job_name = "refunds";
  EXPECT_THAT(Ids(by_status), ElementsAre("other"));
}

TEST_F(RunsTest, ListRefusesLimitsOutOfRange) {
  for (const int limit : {0, -1, kMaxRunsPerPage + 1}) {
    RunFilter filter;
    filter.limit = limit;
    auto runs = store_->ListRuns(filter);
    ASSERT_FALSE(runs.has_value()) << limit;
    EXPECT_EQ(runs.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(runs.error().subject, "limit");
  }
}

TEST_F(RunsTest, ListRefusesACursorNamingNoRun) {
  RunFilter filter;
  filter.before = "nope";
  auto runs = store_->ListRuns(filter);
  ASSERT_FALSE(runs.has_value());
  EXPECT_EQ(runs.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(runs.error().subject, "before");
}

TEST_F(RunsTest, MarkInterruptedRunsFailsOnlyRunningRunsOfDeadOwners) {
  auto dead = Open("killed-process");
  ASSERT_TRUE(dead->BeginRun(SampleRun("orphan", 1000)).has_value());
  ASSERT_TRUE(dead->BeginRun(SampleRun("done", 1500)).has_value());
  ASSERT_TRUE(dead->FinishRun("done", RunStatus::kSucceeded, 1600, {}).has_value());
  Begin(SampleRun("live", 2000));

  auto marked = store_->MarkInterruptedRuns();
  ASSERT_TRUE(marked.has_value()) << marked.error().ToString();
  EXPECT_THAT(*marked, ElementsAre("orphan"));

  auto orphan = store_->GetRun("orphan");
  ASSERT_TRUE(orphan.has_value());
  EXPECT_EQ(orphan->status, RunStatus::kFailed);
  EXPECT_EQ(orphan->finished_ms, 5'000'000);
  EXPECT_EQ(orphan->result.error_code, "aborted");
  EXPECT_THAT(orphan->result.error_message, HasSubstr("interrupted"));
  EXPECT_EQ(store_->GetRun("done")->status, RunStatus::kSucceeded);
  EXPECT_EQ(store_->GetRun("live")->status, RunStatus::kRunning);

  auto again = store_->MarkInterruptedRuns();
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->empty());
  auto late = dead->FinishRun("orphan", RunStatus::kSucceeded, 6'000'000, {});
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(RunsTest, MarkInterruptedRunsOfACliJobLeavesOtherJobsAndConnectorRuns) {
  auto dead = Open("killed-process");
  RunRecord connector_run = SampleRun("connector", 1000);
  connector_run.connector_id = "con_1";
  RunRecord other_job = SampleRun("other", 1100);
  other_job.job_name = "refunds-daily";
  ASSERT_TRUE(dead->BeginRun(connector_run).has_value());
  ASSERT_TRUE(dead->BeginRun(other_job).has_value());
  ASSERT_TRUE(dead->BeginRun(SampleRun("mine", 1200)).has_value());

  auto marked = store_->MarkInterruptedRuns(std::string("orders-daily"));
  ASSERT_TRUE(marked.has_value()) << marked.error().ToString();
  EXPECT_THAT(*marked, ElementsAre("mine"));
  EXPECT_EQ(store_->GetRun("connector")->status, RunStatus::kRunning);  // the service's
  EXPECT_EQ(store_->GetRun("other")->status, RunStatus::kRunning);
}

TEST_F(RunsTest, ARunThatCouldNotStartIsFailedWithWhatWasNotKnownLeftEmpty) {
  RunRecord run;
  run.run_id = "r1";
  run.job_name = "orders-daily";
  run.connector_id = "con_1";
  run.attempt = 2;
  run.started_ms = 3000;
  ASSERT_TRUE(store_->RecordRunNotStarted(run, Failure()).has_value());
  auto read = store_->GetRun("r1");
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_EQ(read->status, RunStatus::kFailed);
  EXPECT_EQ(read->finished_ms, 3000);
  EXPECT_EQ(read->attempt, 2);
  EXPECT_EQ(read->input_dataset_id, "");
  EXPECT_EQ(read->day, "");
  EXPECT_EQ(read->result.error_code, Failure().error_code);

  auto without_error = store_->RecordRunNotStarted(SampleRun("r2", 3000), RunResult{});
  ASSERT_FALSE(without_error.has_value());
  EXPECT_EQ(without_error.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(store_->GetRun("r2").has_value()) << "nothing is saved for a refused record";
}

TEST_F(RunsTest, TheUploadJournalKeepsARunsUploadsUntilSettled) {
  ASSERT_TRUE(store_->JournalUpload({"u1", "r1", "b", "k/1", 10, false}).has_value());
  ASSERT_TRUE(store_->JournalUpload({"u2", "r1", "b", "k/2", 20, false}).has_value());
  ASSERT_TRUE(store_->JournalUpload({"u3", "r2", "b", "x", 30, false}).has_value());
  ASSERT_TRUE(store_->MarkUploadCompleted("u1").has_value());
  ASSERT_TRUE(store_->ForgetUpload("u2").has_value());
  ASSERT_TRUE(store_->ForgetUpload("unknown").has_value());  // idempotent
  auto r1 = store_->JournaledUploads("r1");
  ASSERT_TRUE(r1.has_value()) << r1.error().ToString();
  EXPECT_THAT(*r1, ElementsAre(JournaledUpload{"u1", "r1", "b", "k/1", 10, true}));

  ASSERT_TRUE(store_->ForgetRunUploads("r1").has_value());
  EXPECT_TRUE(store_->JournaledUploads("r1")->empty());
  EXPECT_EQ(store_->JournaledUploads("r2")->size(), 1u);  // another run's stay

  auto empty_key = store_->JournalUpload({"u4", "r1", "b", "", 40, false});
  ASSERT_FALSE(empty_key.has_value());
  EXPECT_EQ(empty_key.error().code, ErrorCode::kInvalidArgument);
}

RunLogLine Line(int64_t seq, std::string text, LogLevel level = LogLevel::kInfo) {
  return {seq, 5'000'000 + seq, level, std::move(text)};
}

TEST_F(RunsTest, ARunsLogReadsBackBySeqWithLevelsAndTimes) {
  Begin(SampleRun("r1", 5'000'000));
  ASSERT_TRUE(
      store_->AppendRunLog("r1", {{Line(1, "b", LogLevel::kWarn), Line(0, "a")}}).has_value());
  ASSERT_TRUE(
      store_->AppendRunLog("r1", {{Line(2, "c \\n <script>", LogLevel::kError)}}).has_value());
  auto lines = store_->ReadRunLog("r1");
  ASSERT_TRUE(lines.has_value()) << lines.error().ToString();
  EXPECT_THAT(*lines, ElementsAre(Line(0, "a"), Line(1, "b", LogLevel::kWarn),
                                  Line(2, "c \\n <script>", LogLevel::kError)));
  // Another run's log is its own.
  Begin(SampleRun("r2", 5'000'001));
  EXPECT_TRUE(store_->ReadRunLog("r2")->empty());
}

TEST_F(RunsTest, ARunsLogDropsTheRangeItIsToldToInTheSameTransaction) {
  Begin(SampleRun("r1", 5'000'000));
  RunLogBatch first;
  for (int64_t seq = 0; seq < 6; ++seq) first.lines.push_back(Line(seq, "l" + std::to_string(seq)));
  ASSERT_TRUE(store_->AppendRunLog("r1", first).has_value());
  RunLogBatch next{{Line(6, "l6"), Line(7, "l7")}, 2, 5};
  ASSERT_TRUE(store_->AppendRunLog("r1", next).has_value());
  auto lines = store_->ReadRunLog("r1");
  ASSERT_TRUE(lines.has_value());
  std::vector<int64_t> seqs;
  for (const RunLogLine& line : *lines) seqs.push_back(line.seq);
  EXPECT_THAT(seqs, ElementsAre(0, 1, 5, 6, 7));
  // Nothing new, nothing dropped: allowed, changes nothing.
  ASSERT_TRUE(store_->AppendRunLog("r1", {}).has_value());
  EXPECT_EQ(store_->ReadRunLog("r1")->size(), 5u);
}

TEST_F(RunsTest, ARunsLogOfAnUnknownRunIsNotFound) {
  auto append = store_->AppendRunLog("nope", {{Line(0, "a")}});
  ASSERT_FALSE(append.has_value());
  EXPECT_EQ(append.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(append.error().subject, "run nope");
  auto read = store_->ReadRunLog("nope");
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
}

TEST_F(RunsTest, ARunsLogRefusesASeqTakenOrNegativeAndKeepsNothingOfTheBatch) {
  Begin(SampleRun("r1", 5'000'000));
  ASSERT_TRUE(store_->AppendRunLog("r1", {{Line(0, "a")}}).has_value());
  auto taken = store_->AppendRunLog("r1", {{Line(1, "b"), Line(0, "again")}});
  ASSERT_FALSE(taken.has_value());
  EXPECT_EQ(taken.error().code, ErrorCode::kInvalidArgument);
  auto negative = store_->AppendRunLog("r1", {{Line(-1, "x")}});
  ASSERT_FALSE(negative.has_value());
  EXPECT_EQ(negative.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(negative.error().message, HasSubstr("seq -1"));
  EXPECT_THAT(*store_->ReadRunLog("r1"), ElementsAre(Line(0, "a")));
}

TEST(RunStatusTest, NamesRoundTripAndOthersAreRefused) {
  for (const RunStatus status :
       {RunStatus::kRunning, RunStatus::kSucceeded, RunStatus::kFailed, RunStatus::kCancelled}) {
    auto parsed = ParseRunStatus(RunStatusName(status), "status");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, status);
  }
  for (const char* text : {"running", "DONE", ""}) {
    auto parsed = ParseRunStatus(text, "status");
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(parsed.error().message, HasSubstr("RUNNING, SUCCEEDED, FAILED, CANCELLED"));
  }
}

TEST(MakeRunIdTest, IsTheUtcStartToTheMillisecondAndEightHexDigits) {
  using namespace std::chrono;
  const sys_time<milliseconds> start = sys_days(2025y / 3 / 14) + 10h + 15min + 2s + 123ms;
  EXPECT_EQ(MakeRunId(start, 0x9f3a1c7e), "20250314T101502123Z-9f3a1c7e");
  EXPECT_EQ(MakeRunId(start, 0x1), "20250314T101502123Z-00000001");
}

TEST(MakeRunIdTest, SortsByStartTime) {
  using namespace std::chrono;
  const sys_time<milliseconds> start = sys_days(2025y / 12 / 31) + 23h + 59min + 59s + 999ms;
  EXPECT_LT(MakeRunId(start, 0xffffffff), MakeRunId(start + 1ms, 0));
}

}  // namespace
}  // namespace s3u::store
