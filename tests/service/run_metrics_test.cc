// The service's metrics: RunMetrics counting what the history is told, MeteredHistory passing
// everything on to the store's history unchanged, the families built from connectors and
// counts (pure, known values), and the /metrics page read from a real store in a temporary
// directory, the last success included after a restart.
#include "service/run_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "store/test_util.h"
#include "support/recording_history.h"

namespace s3u::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

unload::RunIdentity Id(const std::string& run_id, const std::string& connector_id = "con_1",
                       int attempt = 1, const std::string& name = "orders") {
  return {run_id, name, connector_id, attempt};
}

unload::RunStart Start(const unload::RunIdentity& id, int64_t started_ms) {
  unload::RunStart start;
  start.id = id;
  start.day = "2026-10-05";
  start.started_ms = started_ms;
  return start;
}

unload::RunEnd End(RunStatus status, int64_t finished_ms, int64_t rows = 0, int64_t bytes = 0) {
  unload::RunEnd end;
  end.status = status;
  end.finished_ms = finished_ms;
  end.rows = rows;
  end.bytes = bytes;
  return end;
}

// The sample of `family` whose labels include every pair of `labels`; fails when none.
double Value(const std::vector<MetricFamily>& families, const std::string& family,
             const Labels& labels, const std::string& suffix = "") {
  for (const MetricFamily& f : families) {
    if (f.name != family) continue;
    for (const Sample& s : f.samples) {
      bool all = s.suffix == suffix;
      for (const auto& l : labels) {
        all = all && std::find(s.labels.begin(), s.labels.end(), l) != s.labels.end();
      }
      if (all) return s.value;
    }
  }
  ADD_FAILURE() << "no sample of " << family << suffix;
  return -1;
}

size_t SampleCount(const std::vector<MetricFamily>& families, const std::string& family) {
  for (const MetricFamily& f : families) {
    if (f.name == family) return f.samples.size();
  }
  ADD_FAILURE() << "no family " << family;
  return 0;
}

TEST(RunMetricsTest, ASucceededRunCountsItsRowsBytesAndDuration) {
  RunMetrics metrics;
  metrics.Began(Start(Id("r1"), 10'000));
  EXPECT_EQ(metrics.Snapshot()["con_1"].in_progress, 1);
  metrics.Finished("r1", End(RunStatus::kSucceeded, 17'500, 100, 4096));
  const ConnectorRunStats s = metrics.Snapshot()["con_1"];
  EXPECT_EQ(s.name, "orders");
  EXPECT_EQ(s.succeeded, 1u);
  EXPECT_EQ(s.failed + s.cancelled + s.retries, 0u);
  EXPECT_EQ(s.rows, 100u);
  EXPECT_EQ(s.bytes, 4096u);
  EXPECT_EQ(s.in_progress, 0);
  EXPECT_EQ(s.durations.count, 1u);
  EXPECT_DOUBLE_EQ(s.durations.sum, 7.5);
}

TEST(RunMetricsTest, AFailedOrCancelledRunPublishedNothingSoMovesNoRows) {
  RunMetrics metrics;
  metrics.Began(Start(Id("r1"), 0));
  metrics.Finished("r1", End(RunStatus::kFailed, 1000, 700'000, 9'000'000));
  metrics.Began(Start(Id("r2"), 2000));
  metrics.Finished("r2", End(RunStatus::kCancelled, 3000, 5, 50));
  const ConnectorRunStats s = metrics.Snapshot()["con_1"];
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.cancelled, 1u);
  EXPECT_EQ(s.succeeded, 0u);
  EXPECT_EQ(s.rows, 0u);
  EXPECT_EQ(s.bytes, 0u);
  EXPECT_EQ(s.durations.count, 2u);  // every ended run has a duration
}

TEST(RunMetricsTest, ARunThatCouldNotStartIsAFailureWithoutADuration) {
  RunMetrics metrics;
  metrics.NotStarted(Id("r1", "con_1", 2));
  const ConnectorRunStats s = metrics.Snapshot()["con_1"];
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.retries, 1u);
  EXPECT_EQ(s.in_progress, 0);
  EXPECT_EQ(s.durations.count, 0u);
}

TEST(RunMetricsTest, RetriesAreAttemptsAfterTheFirst) {
  RunMetrics metrics;
  for (int attempt : {1, 2, 3}) {
    const std::string run = "r" + std::to_string(attempt);
    metrics.Began(Start(Id(run, "con_1", attempt), 0));
    metrics.Finished(run, End(RunStatus::kFailed, 1));
  }
  EXPECT_EQ(metrics.Snapshot()["con_1"].retries, 2u);
  EXPECT_EQ(metrics.Snapshot()["con_1"].failed, 3u);
}

TEST(RunMetricsTest, AnUnknownRunsEndIsIgnored) {
  RunMetrics metrics;
  metrics.Finished("never-began", End(RunStatus::kSucceeded, 1, 10, 10));
  EXPECT_TRUE(metrics.Snapshot().empty());
}

TEST(RunMetricsTest, ConnectorsAreCountedApartAndRunsInProgressByEach) {
  RunMetrics metrics;
  metrics.Began(Start(Id("a1", "con_a", 1, "a"), 0));
  metrics.Began(Start(Id("b1", "con_b", 1, "b"), 0));
  metrics.Finished("b1", End(RunStatus::kSucceeded, 1, 3, 30));
  auto snapshot = metrics.Snapshot();
  EXPECT_EQ(snapshot["con_a"].in_progress, 1);
  EXPECT_EQ(snapshot["con_a"].rows, 0u);
  EXPECT_EQ(snapshot["con_b"].in_progress, 0);
  EXPECT_EQ(snapshot["con_b"].rows, 3u);
}

TEST(MeteredHistoryTest, EverythingReachesTheKeeperUnchangedAndOutcomesAreCounted) {
  testing::RecordingHistory keeper;
  RunMetrics metrics;
  MeteredHistory history(keeper, metrics);
  history.Began(Start(Id("r1"), 0));
  EXPECT_TRUE(history.UploadOpened("r1", "bucket", "out/a.csv", "up-1").has_value());
  history.UploadCompleted("up-1");
  history.UploadAborted("up-2");
  history.Published("r1");
  history.Finished("r1", End(RunStatus::kSucceeded, 2000, 12, 34));
  history.NotStarted(Id("r2"), 3000, Error{ErrorCode::kNotFound, "account", "gone", 0, {}});
  EXPECT_THAT(keeper.events,
              ElementsAre("began 2026-10-05", "opened out/a.csv", "completed up-1", "aborted up-2",
                          "published", "finished SUCCEEDED", "not started"));
  EXPECT_EQ(keeper.last.rows, 12);
  const ConnectorRunStats s = metrics.Snapshot()["con_1"];
  EXPECT_EQ(s.succeeded, 1u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.rows, 12u);
}

TEST(MeteredHistoryTest, AJournalErrorIsTheKeepersAnswer) {
  testing::RecordingHistory keeper;
  keeper.journal_error = Error{ErrorCode::kUnavailable, "store", "locked", 0, {}};
  RunMetrics metrics;
  MeteredHistory history(keeper, metrics);
  auto opened = history.UploadOpened("r1", "bucket", "k", "up-1");
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
}

TEST(MetricFamiliesTest, ANewConnectorHasEveryCounterAtZeroSoItsFirstRunIsAnIncrease) {
  auto families = MetricFamilies({{"con_1", "orders", true, {}, {}, {}}}, {}, 0);
  const Labels orders = {{"connector_id", "con_1"}, {"connector", "orders"}};
  for (const char* status : {"succeeded", "failed", "cancelled"}) {
    Labels with = orders;
    with.emplace_back("status", status);
    EXPECT_EQ(Value(families, "s3unload_runs_total", with), 0) << status;
  }
  EXPECT_EQ(Value(families, "s3unload_rows_total", orders), 0);
  EXPECT_EQ(Value(families, "s3unload_bytes_total", orders), 0);
  EXPECT_EQ(Value(families, "s3unload_retries_total", orders), 0);
  EXPECT_EQ(Value(families, "s3unload_run_duration_seconds", orders, "_count"), 0);
  EXPECT_EQ(Value(families, "s3unload_runs_in_progress", orders), 0);
  EXPECT_EQ(Value(families, "s3unload_connector_enabled", orders), 1);
  // Never succeeded: no last success (an alert uses absent() or the enabled gauge).
  EXPECT_EQ(SampleCount(families, "s3unload_last_success_timestamp_seconds"), 0u);
}

TEST(MetricFamiliesTest, EveryFamilyIsThereInTheDocumentedOrder) {
  std::vector<std::string> names;
  for (const MetricFamily& f : MetricFamilies({}, {}, 0)) names.push_back(f.name);
  EXPECT_THAT(names,
              ElementsAre("s3unload_runs_total", "s3unload_rows_total", "s3unload_bytes_total",
                          "s3unload_retries_total", "s3unload_run_duration_seconds",
                          "s3unload_runs_in_progress", "s3unload_last_success_timestamp_seconds",
                          "s3unload_connector_enabled", "s3unload_scheduler_lag_seconds"));
}

TEST(MetricFamiliesTest, CountsCarryTheStoresCurrentNameOfTheConnector) {
  ConnectorRunStats s;
  s.name = "old name";
  s.succeeded = 4;
  s.rows = 400;
  auto families =
      MetricFamilies({{"con_1", "new name", true, {}, {}, 1'765'000'123'456}}, {{"con_1", s}}, 0);
  const Labels renamed = {{"connector_id", "con_1"}, {"connector", "new name"}};
  EXPECT_EQ(Value(families, "s3unload_rows_total", renamed), 400);
  EXPECT_DOUBLE_EQ(Value(families, "s3unload_last_success_timestamp_seconds", renamed),
                   1765000123.456);
  EXPECT_THAT(FormatExposition(families), Not(HasSubstr("old name")));
}

TEST(MetricFamiliesTest, ADeletedConnectorKeepsItsCountsButNoGauges) {
  ConnectorRunStats s;
  s.name = "gone";
  s.failed = 2;
  auto families = MetricFamilies({}, {{"con_9", s}}, 0);
  EXPECT_EQ(Value(families, "s3unload_runs_total",
                  {{"connector_id", "con_9"}, {"connector", "gone"}, {"status", "failed"}}),
            2);
  EXPECT_EQ(SampleCount(families, "s3unload_connector_enabled"), 0u);
  EXPECT_EQ(SampleCount(families, "s3unload_last_success_timestamp_seconds"), 0u);
}

TEST(MetricFamiliesTest, ADisabledConnectorSaysSoAndAddsNoLag) {
  auto families = MetricFamilies({{"con_1", "orders", false, 1000, 2000, {}}}, {}, 60'000);
  EXPECT_EQ(Value(families, "s3unload_connector_enabled",
                  {{"connector_id", "con_1"}, {"connector", "orders"}}),
            0);
  EXPECT_EQ(Value(families, "s3unload_scheduler_lag_seconds", {}), 0);
}

TEST(MetricFamiliesTest, TheLagIsTheLongestWaitOfADueScheduledRunOrRetry) {
  const int64_t now = 1'000'000;
  auto lag = [&](std::vector<ConnectorState> connectors) {
    return Value(MetricFamilies(connectors, {}, now), "s3unload_scheduler_lag_seconds", {});
  };
  EXPECT_EQ(lag({}), 0);
  EXPECT_EQ(lag({{"a", "a", true, now + 1, now + 5, {}}}), 0);  // nothing due yet
  EXPECT_EQ(lag({{"a", "a", true, now, {}, {}}}), 0);           // due this very moment
  EXPECT_EQ(lag({{"a", "a", true, now - 1500, {}, {}}}), 1.5);
  EXPECT_EQ(lag({{"a", "a", true, {}, now - 90'000, {}}}), 90);  // a retry waiting
  EXPECT_EQ(lag({{"a", "a", true, now - 2000, now - 1000, {}},
                 {"b", "b", true, now - 7000, {}, {}},
                 {"c", "c", false, now - 99'000, {}, {}}}),
            7);
}

TEST(MetricFamiliesTest, DurationsFillTheHistogramWithTheDocumentedBounds) {
  ConnectorRunStats s;
  s.durations.Observe(0.2);
  s.durations.Observe(45);
  s.durations.Observe(100'000);
  auto families = MetricFamilies({}, {{"con_1", s}}, 0);
  const Labels c = {{"connector_id", "con_1"}};
  auto bucket = [&](const char* le) {
    Labels with = c;
    with.emplace_back("le", le);
    return Value(families, "s3unload_run_duration_seconds", with, "_bucket");
  };
  EXPECT_EQ(bucket("1"), 1);
  EXPECT_EQ(bucket("30"), 1);
  EXPECT_EQ(bucket("60"), 2);
  EXPECT_EQ(bucket("28800"), 2);
  EXPECT_EQ(bucket("+Inf"), 3);
  EXPECT_DOUBLE_EQ(Value(families, "s3unload_run_duration_seconds", c, "_sum"), 100'045.2);
  EXPECT_EQ(SampleCount(families, "s3unload_run_duration_seconds"), kRunDurationBounds.size() + 3);
}

// The page from a real store: the last success comes from the run history, so a new process
// (fresh counts) shows it at once.
class ScrapeMetricsTest : public s3u::testing::StoreWithSecretsTest {
 protected:
  void SetUp() override {
    StoreWithSecretsTest::SetUp();
    domo_ = Create(s3u::testing::SampleDomoAccount());
    aws_ = Create(s3u::testing::SampleAwsAccount());
  }

  std::string Connector(const std::string& name) { return CreateConnector(name, domo_, aws_); }

  void Run(const std::string& connector_id, const std::string& run_id, int64_t started_ms,
           RunStatus status) {
    store::RunRecord run = s3u::testing::SampleRun(run_id, started_ms);
    run.connector_id = connector_id;
    ASSERT_TRUE(store_->BeginRun(run).has_value());
    store::RunResult result;
    if (status != RunStatus::kSucceeded) result.error_code = "unavailable";
    result.error_message = status != RunStatus::kSucceeded ? "down" : "";
    ASSERT_TRUE(store_->FinishRun(run_id, status, started_ms + 1500, result).has_value());
  }

  store::Account domo_, aws_;
};

TEST_F(ScrapeMetricsTest, TheLastSuccessIsReadFromTheHistoryNotTheCounts) {
  const std::string orders = Connector(R"(orders "daily" \ eu)");
  const std::string other = Connector("never-succeeded");
  Run(orders, "r1", kStartMs, RunStatus::kSucceeded);
  Run(orders, "r2", kStartMs + 60'000, RunStatus::kSucceeded);
  Run(orders, "r3", kStartMs + 120'000, RunStatus::kFailed);
  Run(other, "r4", kStartMs, RunStatus::kFailed);
  RunMetrics fresh;  // a restarted process: no counts yet
  auto page = ScrapeMetrics(*store_, fresh, kStartMs);
  ASSERT_TRUE(page.has_value()) << page.error().ToString();
  EXPECT_THAT(*page, HasSubstr(R"(s3unload_last_success_timestamp_seconds{connector_id=")" +
                               orders + R"(",connector="orders \"daily\" \\ eu"} 1741946461.5)"));
  EXPECT_THAT(*page,
              Not(HasSubstr(R"(s3unload_last_success_timestamp_seconds{connector_id=")" + other)));
  EXPECT_THAT(*page, HasSubstr(R"(s3unload_connector_enabled{connector_id=")" + other +
                               R"(",connector="never-succeeded"} 1)"));
  EXPECT_THAT(*page, HasSubstr(R"(s3unload_runs_total{connector_id=")" + orders +
                               R"(",connector="orders \"daily\" \\ eu",status="succeeded"} 0)"));
}

TEST_F(ScrapeMetricsTest, NoSecretOfTheAccountsIsOnThePage) {
  const std::string orders = Connector("orders");
  Run(orders, "r1", kStartMs, RunStatus::kSucceeded);
  auto page = ScrapeMetrics(*store_, RunMetrics(), kStartMs);
  ASSERT_TRUE(page.has_value());
  for (const std::string& kept :
       {domo_.domo_client_secret, domo_.domo_client_id, aws_.aws_secret_access_key,
        aws_.aws_access_key_id, aws_.aws_session_token, aws_.bucket, domo_.id, aws_.id}) {
    EXPECT_THAT(*page, Not(HasSubstr(kept)));
  }
}

TEST_F(ScrapeMetricsTest, AStoreThatCannotBeReadIsAnError) {
  Connector("orders");
  s3u::testing::RawDb(DbPath()).Exec("DROP TABLE runs");
  auto page = ScrapeMetrics(*store_, RunMetrics(), kStartMs);
  ASSERT_FALSE(page.has_value());
  EXPECT_THAT(page.error().ToString(), HasSubstr("s3unload.db"));
}

}  // namespace
}  // namespace s3u::service
