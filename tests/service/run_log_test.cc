// A run's own log: the bounded buffer (head and tail kept, the middle left out, long lines cut,
// memory bounded when saves fail), its JSON for the API, and RunLog / RunLogHistory saving to a
// real store in a temporary directory: batched, after the run is recorded, whole before its
// end is, redacted and escaped by the run's Logger.
#include "service/run_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "jobs/store_history.h"
#include "store/test_util.h"

namespace s3u::service {
namespace {

using store::RunLogBatch;
using store::RunLogLine;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr RunLogLimits kSmall{.head_lines = 2, .tail_lines = 3, .line_bytes = 10};

std::vector<int64_t> Seqs(const std::vector<RunLogLine>& lines) {
  std::vector<int64_t> seqs;
  for (const RunLogLine& line : lines) seqs.push_back(line.seq);
  return seqs;
}

// Adds lines "l<seq>" at time 1000 + seq.
void AddLines(RunLogBuffer& buffer, int count) {
  for (int i = 0; i < count; ++i) {
    const int64_t seq = buffer.total_lines();
    buffer.Add(LogLevel::kInfo, 1000 + seq, "l" + std::to_string(seq));
  }
}

TEST(RunLogBufferTest, KeepsEveryLineWithinTheBound) {
  RunLogBuffer buffer(kSmall);
  AddLines(buffer, 5);
  const RunLogBatch batch = buffer.Unsaved();
  EXPECT_THAT(Seqs(batch.lines), ElementsAre(0, 1, 2, 3, 4));
  EXPECT_EQ(batch.lines[3], (RunLogLine{3, 1003, LogLevel::kInfo, "l3"}));
  EXPECT_EQ(batch.dropped_from, batch.dropped_to);
}

TEST(RunLogBufferTest, LeavesOutTheMiddleKeepingTheFirstAndTheLastLines) {
  RunLogBuffer buffer(kSmall);
  AddLines(buffer, 8);
  const RunLogBatch batch = buffer.Unsaved();
  EXPECT_THAT(Seqs(batch.lines), ElementsAre(0, 1, 5, 6, 7));
  EXPECT_EQ(batch.dropped_from, 2);
  EXPECT_EQ(batch.dropped_to, 5);
}

TEST(RunLogBufferTest, AfterASaveOnlyNewLinesAndNewlyDroppedOnesAreUnsaved) {
  RunLogBuffer buffer(kSmall);
  AddLines(buffer, 4);
  buffer.MarkSaved(buffer.Unsaved());
  EXPECT_EQ(buffer.unsaved_lines(), 0u);
  const RunLogBatch nothing = buffer.Unsaved();
  EXPECT_THAT(nothing.lines, IsEmpty());
  EXPECT_EQ(nothing.dropped_from, nothing.dropped_to);

  AddLines(buffer, 3);  // 7 lines: 2 and 3 (saved) have left the tail
  RunLogBatch batch = buffer.Unsaved();
  EXPECT_THAT(Seqs(batch.lines), ElementsAre(4, 5, 6));
  EXPECT_EQ(batch.dropped_from, 2);
  EXPECT_EQ(batch.dropped_to, 4);
  buffer.MarkSaved(batch);

  AddLines(buffer, 1);
  batch = buffer.Unsaved();
  EXPECT_THAT(Seqs(batch.lines), ElementsAre(7));
  EXPECT_EQ(batch.dropped_from, 4);
  EXPECT_EQ(batch.dropped_to, 5);
}

TEST(RunLogBufferTest, MemoryStaysBoundedWhileNothingIsSaved) {
  RunLogBuffer buffer(kSmall);
  AddLines(buffer, 10'000);
  EXPECT_EQ(buffer.unsaved_lines(), 5u);
  EXPECT_EQ(buffer.total_lines(), 10'000);
  EXPECT_THAT(Seqs(buffer.Unsaved().lines), ElementsAre(0, 1, 9997, 9998, 9999));
}

TEST(RunLogBufferTest, ALongLineIsCutAtACharacterBoundarySayingHowMuch) {
  RunLogBuffer buffer(kSmall);
  buffer.Add(LogLevel::kWarn, 1, "0123456789");            // exactly the limit: kept whole
  buffer.Add(LogLevel::kWarn, 2, "aaaaaaaaa\xC3\xA9zz");   // é straddles byte 10
  buffer.Add(LogLevel::kWarn, 3, "0123456789abcdefghij");  // 20 bytes
  const RunLogBatch batch = buffer.Unsaved();
  ASSERT_EQ(batch.lines.size(), 3u);
  EXPECT_EQ(batch.lines[0].text, "0123456789");
  EXPECT_EQ(batch.lines[1].text, "aaaaaaaaa… (4 bytes cut)");
  EXPECT_EQ(batch.lines[2].text, "0123456789… (10 bytes cut)");
}

TEST(RunLogJsonTest, TimesAreIsoUtcToTheMillisecondAndGapsAreDroppedLines) {
  constexpr int64_t kMs = 1'741'946'400'123;  // 2025-03-14T10:00:00.123Z
  const nlohmann::json j =
      RunLogJson("r1", {{0, kMs, LogLevel::kInfo, "started"},
                        {1, kMs + 1000, LogLevel::kInfo, "a"},
                        {5, kMs + 61'000, LogLevel::kWarn, "ended: <script>"}});
  EXPECT_EQ(j["run_id"], "r1");
  EXPECT_EQ(j["truncated"], true);
  EXPECT_EQ(j["dropped_lines"], 3);
  ASSERT_EQ(j["lines"].size(), 3u);
  EXPECT_EQ(j["lines"][0], nlohmann::json({{"seq", 0},
                                           {"time", "2025-03-14T10:00:00.123Z"},
                                           {"level", "info"},
                                           {"text", "started"}}));
  EXPECT_EQ(j["lines"][2]["time"], "2025-03-14T10:01:01.123Z");
  EXPECT_EQ(j["lines"][2]["level"], "warn");
  EXPECT_EQ(j["lines"][2]["text"], "ended: <script>");
}

TEST(RunLogJsonTest, AnEmptyLogIsNotTruncated) {
  const nlohmann::json j = RunLogJson("r1", {});
  EXPECT_EQ(j["lines"], nlohmann::json::array());
  EXPECT_EQ(j["truncated"], false);
  EXPECT_EQ(j["dropped_lines"], 0);
}

// RunLog on a real store; what it reports goes to `warnings`.
class RunLogTest : public s3u::testing::StoreWithSecretsTest {
 protected:
  void Begin(const std::string& run_id) {
    auto begun = store_->BeginRun(s3u::testing::SampleRun(run_id, kStartMs));
    ASSERT_TRUE(begun.has_value()) << begun.error().ToString();
  }
  std::vector<RunLogLine> Stored(const std::string& run_id) {
    auto lines = store_->ReadRunLog(run_id);
    EXPECT_TRUE(lines.has_value()) << lines.error().ToString();
    return lines ? *lines : std::vector<RunLogLine>{};
  }

  std::vector<std::string> warnings_;
  Logger service_log_{LogLevel::kInfo,
                      [this](LogLevel, std::string_view line) { warnings_.emplace_back(line); }};
};

TEST_F(RunLogTest, LinesWaitForTheRunToBeRecordedThenAreSavedInBatches) {
  RunLog log(*store_, "r1", clock_, service_log_);
  log.Add(LogLevel::kInfo, "before the run is in the store");
  log.Save();  // not recorded yet: nothing to write to
  Begin("r1");
  log.Recorded();
  EXPECT_THAT(Stored("r1"), ElementsAre(RunLogLine{0, kStartMs, LogLevel::kInfo,
                                                   "before the run is in the store"}));

  for (size_t i = 1; i < kRunLogSaveLines; ++i) log.Add(LogLevel::kInfo, "info");
  EXPECT_EQ(Stored("r1").size(), 1u) << "15 lines wait for a batch";
  log.Add(LogLevel::kInfo, "the 16th");
  EXPECT_EQ(Stored("r1").size(), 1u + kRunLogSaveLines);

  log.Add(LogLevel::kInfo, "waits");
  EXPECT_EQ(Stored("r1").size(), 1u + kRunLogSaveLines);
  clock_.Advance(kRunLogSaveEvery);
  log.Add(LogLevel::kInfo, "a second later");
  EXPECT_EQ(Stored("r1").size(), 3u + kRunLogSaveLines);

  log.Add(LogLevel::kInfo, "waits");
  log.Add(LogLevel::kWarn, "a warning is saved at once");
  const auto lines = Stored("r1");
  ASSERT_EQ(lines.size(), 5u + kRunLogSaveLines);
  EXPECT_EQ(lines.back().level, LogLevel::kWarn);
  EXPECT_EQ(lines.back().time_ms, kStartMs + 1000);
  EXPECT_THAT(warnings_, IsEmpty());
}

TEST_F(RunLogTest, TheStoreKeepsOnlyTheFirstAndTheLastLines) {
  RunLog log(*store_, "r1", clock_, service_log_, kSmall);
  Begin("r1");
  log.Recorded();
  for (int i = 0; i < 20; ++i) log.Add(LogLevel::kWarn, "w" + std::to_string(i));
  EXPECT_THAT(Seqs(Stored("r1")), ElementsAre(0, 1, 17, 18, 19));
  EXPECT_EQ(RunLogJson("r1", Stored("r1"))["dropped_lines"], 15);
}

TEST_F(RunLogTest, AFailedSaveIsReportedOnceAndItsLinesAreSavedLater) {
  RunLog log(*store_, "r9", clock_, service_log_);
  log.Recorded();  // but the history could not record it
  log.Add(LogLevel::kWarn, "one");
  log.Add(LogLevel::kError, "two");
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_THAT(warnings_[0], HasSubstr("run r9: its log is not saved"));
  EXPECT_THAT(warnings_[0], HasSubstr("no such run"));
  Begin("r9");
  log.Save();
  const auto lines = Stored("r9");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].text, "two");
  EXPECT_EQ(warnings_.size(), 1u);
}

TEST_F(RunLogTest, TheRunsLoggerRedactsAndEscapesWhatIsKept) {
  RunLog log(*store_, "r1", clock_, service_log_);
  Logger run_logger(LogLevel::kInfo,
                    [&log](LogLevel level, std::string_view line) { log.Add(level, line); });
  run_logger.AddSecret("aws-secret-Zx9LmN4");
  Begin("r1");
  log.Recorded();
  run_logger.Warn("no column \"aws-secret-Zx9LmN4\"; its columns: id, note\n<script>x</script>");
  run_logger.Debug("below the run's level: not kept");
  const auto lines = Stored("r1");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].text, "no column \"***\"; its columns: id, note\\n<script>x</script>");
}

// The inner history of RunLogHistory: the store's, noting the run's stored log when the end
// is recorded.
class NotingHistory final : public unload::RunHistory {
 public:
  NotingHistory(store::Store& store, Clock& clock, Logger& log)
      : store_(store), store_history_(store, clock, log) {}
  void Began(const unload::RunStart& start) override { store_history_.Began(start); }
  void Finished(const std::string& run_id, const unload::RunEnd& end) override {
    log_at_end = *store_.ReadRunLog(run_id);
    store_history_.Finished(run_id, end);
  }
  void NotStarted(const unload::RunIdentity& id, int64_t at_ms, const Error& error) override {
    store_history_.NotStarted(id, at_ms, error);
  }
  Result<void> UploadOpened(const std::string& run_id, const std::string& bucket,
                            const std::string& key, const std::string& upload_id) override {
    return store_history_.UploadOpened(run_id, bucket, key, upload_id);
  }
  void UploadCompleted(const std::string& upload_id) override {
    store_history_.UploadCompleted(upload_id);
  }
  void UploadAborted(const std::string& upload_id) override {
    store_history_.UploadAborted(upload_id);
  }
  void Published(const std::string& run_id) override { store_history_.Published(run_id); }

  std::vector<RunLogLine> log_at_end;

 private:
  store::Store& store_;
  jobs::StoreHistory store_history_;
};

class RunLogHistoryTest : public RunLogTest {
 protected:
  unload::RunStart Start() const {
    unload::RunStart start;
    start.id = {"r1", "orders", "con_1", 2};
    start.input_dataset_id = "3c7e5a4e-7d1b-4d0a-9d55-1c2f0e5a9b10";
    start.day = "2025-03-13";
    start.time_zone = "Europe/Paris";
    start.engine = "direct";
    start.started_ms = kStartMs;
    return start;
  }
  std::vector<std::string> Texts(const std::vector<RunLogLine>& lines) {
    std::vector<std::string> texts;
    for (const RunLogLine& line : lines) texts.push_back(line.text);
    return texts;
  }

  void SetUp() override {
    RunLogTest::SetUp();
    inner_ = std::make_unique<NotingHistory>(*store_, clock_, service_log_);
    log_ = std::make_unique<RunLog>(*store_, "r1", clock_, service_log_);
    history_ = std::make_unique<RunLogHistory>(*inner_, *log_, run_logger_);
  }

  std::unique_ptr<NotingHistory> inner_;
  std::unique_ptr<RunLog> log_;
  Logger run_logger_{LogLevel::kInfo,
                     [this](LogLevel level, std::string_view line) { log_->Add(level, line); }};
  std::unique_ptr<RunLogHistory> history_;
};

TEST_F(RunLogHistoryTest, ASucceededRunsWholeLogIsSavedBeforeItsEndIsRecorded) {
  run_logger_.Info("before the start");
  history_->Began(Start());
  run_logger_.Info("S3 PUT: attempt 1 failed; retrying");
  unload::RunEnd end;
  end.status = RunStatus::kSucceeded;
  end.finished_ms = kStartMs + 5000;
  end.rows = 100;
  end.objects = 1;
  end.bytes = 4096;
  history_->Finished("r1", end);
  EXPECT_THAT(Texts(inner_->log_at_end),
              ElementsAre("before the start",
                          "started: dataset 3c7e5a4e-7d1b-4d0a-9d55-1c2f0e5a9b10, day 2025-03-13 "
                          "(Europe/Paris), direct engine, attempt 2",
                          "S3 PUT: attempt 1 failed; retrying",
                          "succeeded: 100 rows, 1 object(s), 4096 bytes"));
  EXPECT_EQ(store_->GetRun("r1")->status, RunStatus::kSucceeded);
}

TEST_F(RunLogHistoryTest, AFailedRunEndsItsLogWithItsErrorAsAWarning) {
  history_->Began(Start());
  unload::RunEnd end;
  end.status = RunStatus::kFailed;
  end.finished_ms = kStartMs + 5000;
  end.error = Error{ErrorCode::kInvalidArgument, "details.primary_key", "no column \"x\"", 0, {}};
  history_->Finished("r1", end);
  ASSERT_EQ(inner_->log_at_end.size(), 2u);
  EXPECT_EQ(inner_->log_at_end[1].level, LogLevel::kWarn);
  EXPECT_THAT(inner_->log_at_end[1].text, HasSubstr("ended: "));
  EXPECT_THAT(inner_->log_at_end[1].text, HasSubstr("no column \"x\""));
}

TEST_F(RunLogHistoryTest, ARunThatCouldNotStartKeepsItsLinesOnceRecorded) {
  run_logger_.Error("could not start: the account is gone");
  history_->NotStarted({"r1", "orders", "con_1", 1}, kStartMs,
                       Error{ErrorCode::kNotFound, "account", "gone", 0, {}});
  EXPECT_THAT(Texts(Stored("r1")), ElementsAre("could not start: the account is gone"));
  EXPECT_THAT(warnings_, Not(::testing::Contains(HasSubstr("not saved"))));
}

}  // namespace
}  // namespace s3u::service
