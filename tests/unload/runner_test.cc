// The engine in process: unload::BeginRun + ExecuteRun against the shared scripted HTTP fake
// (tests/support/scripted_http.h) standing in for Domo and S3, a fake clock and an inline
// executor. The pages are scripted, so each test decides exactly what Domo answers at a page
// boundary; the binary against real servers is tested in run_integration_test.cc.
#include "unload/runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/executor.h"
#include "s3/credentials.h"
#include "support/fake_clock.h"
#include "support/recording_history.h"
#include "support/scripted_http.h"

namespace s3u::unload {
namespace {

using testing::Answer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::RecordingHistory;
using testing::Sent;

constexpr char kInput[] = "4c7b4f0e-3b8a-4c1e-9a57-0d5a3b6f2e11";
constexpr char kWriteback[] = "wb-1";
constexpr int64_t kUser = 964382593;
// 2026-03-10T12:00:00Z: the run unloads 2026-03-09 (UTC) as yesterday.
const auto kNow = std::chrono::sys_days(std::chrono::year(2026) / 3 / 10) + std::chrono::hours(12);

std::string DatasetJson(const std::string& id, const std::string& name,
                        const std::string& columns) {
  return R"({"id":")" + id + R"(","name":")" + name +
         R"(","rows":0,"columns":2,"schema":{"columns":)" + columns + R"(},"owner":{"id":)" +
         std::to_string(kUser) + R"(,"name":"Ada"}})";
}

// A query answer with the input's two columns (id LONG, t DATETIME), one row per key.
std::string Page(const std::vector<int>& keys) {
  nlohmann::json j = {{"columns", {"id", "t"}}, {"rows", nlohmann::json::array()}};
  for (int id : keys) j["rows"].push_back({id, "2026-03-09T10:00:00"});
  return j.dump();
}

class RunnerTest : public ::testing::Test {
 protected:
  RunnerTest() : clock_(kNow), log_(LogLevel::kOff) {
    domo_options_.api_url = "https://api.domo.test";
    domo_options_.client_id = "client";
    domo_options_.client_secret = "secret";
    http_.On("POST /oauth/token",
             {{200, R"({"access_token":"t","expires_in":3599,"scope":"data user","userId":)" +
                        std::to_string(kUser) + "}"}});
    http_.On(
        "GET /v1/datasets/" + std::string(kInput),
        {{200, DatasetJson(kInput, "orders",
                           R"([{"type":"LONG","name":"id"},{"type":"DATETIME","name":"t"}])")}});
    http_.On("GET /v1/datasets", {{200, "[]"}});  // no writeback dataset yet
    http_.On("POST /v1/datasets",
             {{201, DatasetJson(kWriteback, "s3unload metrics: orders", R"([])")}});
    http_.On("PUT /v1/datasets/" + std::string(kWriteback),
             {{200, DatasetJson(kWriteback, "s3unload metrics: orders", R"([])")}});
    http_.On("PUT /v1/datasets/" + std::string(kWriteback) + "/data", {{204, ""}});
    // S3: nothing exists; every object is a sealed multipart upload (parts, then Complete at
    // publish), so an object is visible only once its Complete succeeded.
    http_.On("HEAD /bucket/*", {{404, ""}});
    http_.On("PUT /bucket/*", {{200, "", {{"ETag", "\"e\""}}}});
    http_.On("POST /bucket/*", [this](const Sent& r) -> Answer {
      if (r.query.find("uploadId=") == std::string::npos) {  // CreateMultipartUpload
        return {200, "<InitiateMultipartUploadResult><UploadId>up-" + r.path +
                         "</UploadId></InitiateMultipartUploadResult>"};
      }
      if (complete_status_ != 200)
        return {complete_status_, "<Error><Code>InternalError</Code></Error>"};
      visible_.push_back(r.path);
      return {200,
              "<CompleteMultipartUploadResult><ETag>\"e\"</ETag>"
              "</CompleteMultipartUploadResult>"};
    });
    http_.On("DELETE /bucket/*", {{204, ""}});

    spec_.name = "orders";
    spec_.bucket = "bucket";
    spec_.input_dataset_id = kInput;
    spec_.path = "orders/{date}";
    spec_.primary_key = {"id"};
    spec_.specific_day = 1;
    spec_.compression = Compression::kNone;
    spec_.writeback_name = "s3unload metrics: orders";
    spec_.page_rows = 2;
    spec_.concurrency = 1;
  }

  // The query route: the COUNT answers `count`; pages come from `pages` in order.
  void ScriptQueries(int count, std::vector<std::string> pages) {
    auto queue = std::make_shared<std::deque<std::string>>(pages.begin(), pages.end());
    http_.On("POST /v1/datasets/query/execute/" + std::string(kInput),
             [count, queue](const Sent& r) -> Answer {
               if (r.body.find("COUNT(") != std::string::npos) {
                 return {200, R"({"columns":["n"],"rows":[[)" + std::to_string(count) + "]]}"};
               }
               if (queue->empty()) return {500, "no more scripted pages"};
               std::string page = queue->front();
               queue->pop_front();
               return {200, page};
             });
  }

  RunOutcome Run() {
    s3::ClientOptions options;
    options.endpoint_url = "http://s3.test";
    options.force_path_style = true;
    options.retry.max_attempts = 2;
    credentials_ = std::make_unique<s3::StaticCredentialsProvider>(
        s3::Credentials{"AKIDEXAMPLE", "s3-secret", "", std::nullopt});
    auto s3 = s3::S3Client::Create(http_, *credentials_, clock_, log_, options);
    EXPECT_TRUE(s3.has_value());
    domo_options_.retry.max_attempts = 2;
    domo::DomoClient domo(domo_options_, http_, clock_, log_);
    RunDeps deps{domo, **s3, executor_, clock_, log_};
    deps.cancel = &cancel_;
    deps.on_progress = on_progress_;
    BegunRun run = BeginRun(spec_, {"run-1", spec_.name, std::nullopt, 1}, history_, clock_);
    return ExecuteRun(spec_, std::move(run), deps);
  }

  // The objects a reader of the bucket would see (completed uploads), with their bytes.
  std::map<std::string, std::string> Objects() const {
    std::map<std::string, std::string> out;
    for (const std::string& path : visible_) {
      for (const Sent& r : http_.Requests("PUT " + path)) out[path] += r.body;
    }
    return out;
  }

  // The metrics rows imported into the writeback dataset.
  std::vector<std::string> MetricsImports() const {
    std::vector<std::string> out;
    for (const Sent& r : http_.Requests(std::string(kWriteback) + "/data")) {
      out.push_back(r.body);
    }
    return out;
  }

  std::vector<std::string> QueryBodies() const {
    std::vector<std::string> out;
    for (const Sent& r : http_.Requests("/query/execute/")) {
      if (r.body.find("COUNT(") == std::string::npos) out.push_back(r.body);
    }
    return out;
  }

  testing::FakeClock clock_;
  Logger log_;
  testing::ScriptedHttp http_;
  InlineExecutor executor_;
  domo::DomoOptions domo_options_;
  std::unique_ptr<s3::StaticCredentialsProvider> credentials_;
  JobSpec spec_;
  RecordingHistory history_;
  std::atomic<bool> cancel_{false};
  std::function<void(const Progress&)> on_progress_;
  int complete_status_ = 200;         // what CompleteMultipartUpload answers
  std::vector<std::string> visible_;  // paths whose upload completed
};

TEST_F(RunnerTest, RepeatedKeysAcrossPageBoundariesAreWrittenOnceEach) {
  // Keys 1, 2, 2, 2, 3 with 2 rows a page: the second page asks again from key 2 (limit 2 + 1)
  // and skips the one row of key 2 already written; the third asks from key 2 again
  // (limit 2 + 3), skipping the three rows of key 2.
  ScriptQueries(5, {Page({1, 2}), Page({2, 2, 2}), Page({2, 2, 2, 3})});
  const RunOutcome outcome = Run();
  ASSERT_TRUE(outcome.succeeded) << outcome.error->ToString();
  EXPECT_EQ(outcome.status, RunStatus::kSucceeded);
  EXPECT_EQ(outcome.rows, 5u);
  EXPECT_EQ(outcome.duplicate_keys, 2u);
  const auto objects = Objects();
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects.begin()->first, "/bucket/orders/2026-03-09.csv");
  EXPECT_EQ(objects.begin()->second,
            "id,t\n1,2026-03-09T10:00:00\n2,2026-03-09T10:00:00\n2,2026-03-09T10:00:00\n"
            "2,2026-03-09T10:00:00\n3,2026-03-09T10:00:00\n");
  const auto queries = QueryBodies();
  ASSERT_EQ(queries.size(), 3u);
  EXPECT_THAT(queries[0], HasSubstr("LIMIT 2"));
  EXPECT_THAT(queries[1], HasSubstr("((`id` > 2) OR (`id` = 2))"));
  EXPECT_THAT(queries[1], HasSubstr("LIMIT 3"));
  EXPECT_THAT(queries[2], HasSubstr("LIMIT 5"));
  // The upload was journaled before its first part, then marked complete.
  EXPECT_THAT(history_.events, ElementsAre("began 2026-03-09", "opened orders/2026-03-09.csv",
                                           "completed up-/bucket/orders/2026-03-09.csv",
                                           "published", "finished SUCCEEDED"));
  ASSERT_EQ(MetricsImports().size(), 1u);
  EXPECT_THAT(MetricsImports()[0], HasSubstr("SUCCEEDED"));
}

TEST_F(RunnerTest, FirstPolicyKeepsTheFirstRowOfEachKey) {
  spec_.duplicate_keys = DuplicateKeys::kFirst;
  ScriptQueries(4, {Page({1, 1}), Page({1, 1, 2})});
  const RunOutcome outcome = Run();
  ASSERT_TRUE(outcome.succeeded) << outcome.error->ToString();
  EXPECT_EQ(outcome.rows, 2u);
  EXPECT_EQ(Objects().begin()->second, "id,t\n1,2026-03-09T10:00:00\n2,2026-03-09T10:00:00\n");
}

TEST_F(RunnerTest, TheDayChangingUnderTheRunFailsItAndPublishesNothing) {
  // The re-read of key 2 finds key 3 first: rows moved between the pages.
  ScriptQueries(3, {Page({1, 2}), Page({3, 4, 5})});
  const RunOutcome outcome = Run();
  ASSERT_FALSE(outcome.succeeded);
  EXPECT_EQ(outcome.status, RunStatus::kFailed);
  EXPECT_EQ(outcome.error->code, ErrorCode::kAborted);
  EXPECT_THAT(outcome.error->message, HasSubstr("changed while they were being read"));
  EXPECT_THAT(Objects(), IsEmpty());
  EXPECT_THAT(history_.events, ElementsAre("began 2026-03-09", "finished FAILED"));
  ASSERT_EQ(MetricsImports().size(), 1u);
  EXPECT_THAT(MetricsImports()[0], HasSubstr("FAILED"));
  EXPECT_THAT(MetricsImports()[0], HasSubstr("changed while they were being read"));
}

TEST_F(RunnerTest, ReportsProgressAfterEveryPageWithTheDayCountAndTheObjectBeingWritten) {
  ScriptQueries(5, {Page({1, 2}), Page({2, 3, 4}), Page({4, 5})});  // the last page is short
  std::vector<Progress> reports;
  on_progress_ = [&reports](const Progress& p) { reports.push_back(p); };
  const RunOutcome outcome = Run();
  ASSERT_TRUE(outcome.succeeded) << outcome.error->ToString();
  ASSERT_EQ(reports.size(), 3u);
  std::vector<uint64_t> rows;
  for (const Progress& p : reports) {
    rows.push_back(p.rows);
    EXPECT_EQ(p.expected_rows, 5u);
    EXPECT_EQ(p.objects, 1u);  // the one object, open from the first row
  }
  EXPECT_THAT(rows, ElementsAre(2u, 4u, 5u));  // the repeated key of each page counted once
  EXPECT_LE(reports[0].bytes, reports[2].bytes);
}

TEST_F(RunnerTest, CancelMidRunEndsCancelledWithNothingVisible) {
  ScriptQueries(6, {Page({1, 2}), Page({2, 3, 4}), Page({4, 5, 6})});
  on_progress_ = [this](const Progress& p) {
    if (p.rows >= 2) cancel_ = true;  // after the first page
  };
  const RunOutcome outcome = Run();
  EXPECT_EQ(outcome.status, RunStatus::kCancelled);
  EXPECT_EQ(outcome.error->code, ErrorCode::kCancelled);
  // The second page was asked for ahead while the first was written, before the cancel; no
  // page is asked for after it.
  EXPECT_EQ(QueryBodies().size(), 2u);
  EXPECT_THAT(Objects(), IsEmpty());
  EXPECT_THAT(history_.events, ElementsAre("began 2026-03-09", "finished CANCELLED"));
  EXPECT_EQ(history_.last.error->code, ErrorCode::kCancelled);
  ASSERT_EQ(MetricsImports().size(), 1u);
  EXPECT_THAT(MetricsImports()[0], HasSubstr("CANCELLED"));
}

// The second page, asked for ahead while the first is written, fails on every attempt: the run
// fails with Domo's error once the first page is written, and nothing is published.
TEST_F(RunnerTest, APageAskedForAheadThatFailsFailsTheRunAndPublishesNothing) {
  ScriptQueries(4, {Page({1, 2})});  // then 500 for every page
  const RunOutcome outcome = Run();
  EXPECT_EQ(outcome.status, RunStatus::kFailed);
  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_THAT(outcome.error->message, HasSubstr("HTTP 500"));
  const auto queries = QueryBodies();
  ASSERT_EQ(queries.size(), 3u);  // the first page, then the second twice (max_attempts 2)
  EXPECT_EQ(queries[1], queries[2]);
  // At the first page's last key, that key's one row to be skipped: LIMIT page_rows + 1.
  EXPECT_THAT(queries[1], HasSubstr("(`id` = 2)) ORDER BY `id` LIMIT 3"));
  EXPECT_THAT(Objects(), IsEmpty());
  EXPECT_EQ(history_.events.back(), "finished FAILED");
  ASSERT_EQ(MetricsImports().size(), 1u);
  EXPECT_THAT(MetricsImports()[0], HasSubstr("FAILED"));
}

TEST_F(RunnerTest, AFailedCompletionFailsTheRunAbortsTheUploadAndStillRecordsItsMetrics) {
  complete_status_ = 500;
  ScriptQueries(1, {Page({1})});
  const RunOutcome outcome = Run();
  ASSERT_FALSE(outcome.succeeded);
  EXPECT_EQ(outcome.status, RunStatus::kFailed);
  EXPECT_THAT(outcome.s3_uris, IsEmpty());
  EXPECT_THAT(Objects(), IsEmpty());
  EXPECT_EQ(http_.Requests("DELETE /bucket/orders/2026-03-09.csv").size(), 1u);  // aborted
  EXPECT_THAT(history_.events,
              ElementsAre("began 2026-03-09", "opened orders/2026-03-09.csv",
                          "aborted up-/bucket/orders/2026-03-09.csv", "finished FAILED"));
  EXPECT_TRUE(history_.last.error.has_value());
  EXPECT_THAT(history_.last.metrics_json, HasSubstr("FAILED"));
  ASSERT_EQ(MetricsImports().size(), 1u);
  EXPECT_THAT(MetricsImports()[0], HasSubstr("FAILED"));
  EXPECT_TRUE(outcome.metrics_recorded);
}

TEST_F(RunnerTest, AnUploadThatCannotBeJournaledIsAbortedBeforeItsFirstPart) {
  history_.journal_error = Error{ErrorCode::kUnavailable, "store", "disk I/O error", 0, {}};
  ScriptQueries(1, {Page({1})});
  const RunOutcome outcome = Run();
  EXPECT_EQ(outcome.status, RunStatus::kFailed);
  EXPECT_THAT(outcome.error->message, HasSubstr("could not be journaled"));
  EXPECT_THAT(http_.Requests("PUT /bucket/"), IsEmpty());  // no part was sent
  EXPECT_EQ(http_.Requests("DELETE /bucket/").size(), 1u);
  EXPECT_THAT(Objects(), IsEmpty());
}

TEST_F(RunnerTest, AMetricsImportThatFailsLeavesTheUnloadSucceeded) {
  http_.On("PUT /v1/datasets/" + std::string(kWriteback) + "/data", {{400, "{}"}});
  ScriptQueries(1, {Page({1})});
  const RunOutcome outcome = Run();
  EXPECT_TRUE(outcome.succeeded);
  EXPECT_FALSE(outcome.metrics_recorded);
  EXPECT_FALSE(outcome.metrics_error.empty());
  EXPECT_EQ(history_.events.back(), "finished SUCCEEDED");
}

}  // namespace
}  // namespace s3u::unload
