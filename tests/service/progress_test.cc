// The live progress of running runs: the JSON the API shows (pure, known values), and the
// registry's life cycle on a FakeClock (begun, updated, read as time passes, ended).
#include "service/progress.h"

#include <gtest/gtest.h>

#include "support/fake_clock.h"

namespace s3u::service {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// 2026-11-24T10:00:00Z
constexpr int64_t kStartMs = 1795514400000;
std::chrono::system_clock::time_point Start() {
  return std::chrono::system_clock::time_point(milliseconds(kStartMs));
}

TEST(ProgressJsonTest, CountsRatesEtaAndTheTimeOfTheReport) {
  const json j = ProgressJson({.rows = 1000, .expected_rows = 4000, .bytes = 50000, .objects = 2},
                              milliseconds(10000), kStartMs + 9500);
  EXPECT_EQ(j, json::parse(R"({"rows": 1000, "total_rows": 4000, "bytes": 50000, "objects": 2,
      "rate_rows_per_s": 100.0, "bytes_per_s": 5000, "eta_s": 30,
      "updated": "2026-11-24T10:00:09Z"})"));
}

TEST(ProgressJsonTest, RoundsTheRateToOneDecimalAndTheEtaUp) {
  const json j =
      ProgressJson({.rows = 10, .expected_rows = 11, .bytes = 10}, milliseconds(3000), kStartMs);
  EXPECT_DOUBLE_EQ(j["rate_rows_per_s"].get<double>(), 3.3);  // 3.333...
  EXPECT_EQ(j["bytes_per_s"], 3);
  EXPECT_EQ(j["eta_s"], 1);  // 0.3 s left: never "0" while rows are left
}

TEST(ProgressJsonTest, UnknownTotalGivesNullTotalAndEta) {
  const json j = ProgressJson({.rows = 10, .bytes = 20}, milliseconds(1000), kStartMs);
  EXPECT_TRUE(j["total_rows"].is_null());
  EXPECT_TRUE(j["eta_s"].is_null());
  EXPECT_EQ(j["rate_rows_per_s"], 10.0);
}

TEST(ProgressJsonTest, NothingMovedYet) {
  const json j = ProgressJson({.expected_rows = 500}, milliseconds(0), kStartMs);
  EXPECT_EQ(j["rows"], 0);
  EXPECT_EQ(j["total_rows"], 500);
  EXPECT_EQ(j["rate_rows_per_s"], 0.0);
  EXPECT_EQ(j["bytes_per_s"], 0);
  EXPECT_TRUE(j["eta_s"].is_null());
}

TEST(LiveProgressTest, ARunHasProgressFromBeginToEnd) {
  testing::FakeClock clock(Start());
  LiveProgress live(clock);
  EXPECT_EQ(live.Json("run-1"), std::nullopt);  // never begun

  live.Begin("run-1");
  json j = *live.Json("run-1");
  EXPECT_EQ(j["rows"], 0);
  EXPECT_TRUE(j["total_rows"].is_null());
  EXPECT_EQ(j["updated"], "2026-11-24T10:00:00Z");

  clock.Advance(seconds(4));
  live.Update("run-1", {.rows = 400, .expected_rows = 1000, .bytes = 8000, .objects = 1});
  j = *live.Json("run-1");
  EXPECT_EQ(j["rows"], 400);
  EXPECT_EQ(j["total_rows"], 1000);
  EXPECT_EQ(j["objects"], 1);
  EXPECT_EQ(j["rate_rows_per_s"], 100.0);
  EXPECT_EQ(j["bytes_per_s"], 2000);
  EXPECT_EQ(j["eta_s"], 6);
  EXPECT_EQ(j["updated"], "2026-11-24T10:00:04Z");

  live.End("run-1");
  EXPECT_EQ(live.Json("run-1"), std::nullopt);
}

TEST(LiveProgressTest, AStalledRunIsSeenToSlowDownWhileItsLastReportKeepsItsTime) {
  testing::FakeClock clock(Start());
  LiveProgress live(clock);
  live.Begin("run-1");
  clock.Advance(seconds(2));
  live.Update("run-1", {.rows = 200, .expected_rows = 400});
  clock.Advance(seconds(8));  // no page for 8 s
  const json j = *live.Json("run-1");
  EXPECT_EQ(j["rate_rows_per_s"], 20.0);  // 200 rows in 10 s, not 2 s
  EXPECT_EQ(j["eta_s"], 10);
  EXPECT_EQ(j["updated"], "2026-11-24T10:00:02Z");
}

TEST(LiveProgressTest, UpdatesOfRunsNotBegunOrEndedAreIgnored) {
  testing::FakeClock clock(Start());
  LiveProgress live(clock);
  live.Update("stray", {.rows = 5});
  EXPECT_EQ(live.Json("stray"), std::nullopt);
  live.Begin("run-1");
  live.End("run-1");
  live.Update("run-1", {.rows = 5});  // a report racing the end
  EXPECT_EQ(live.Json("run-1"), std::nullopt);
}

TEST(LiveProgressTest, RunsAreKeptApart) {
  testing::FakeClock clock(Start());
  LiveProgress live(clock);
  live.Begin("a");
  clock.Advance(seconds(1));
  live.Begin("b");
  clock.Advance(seconds(1));
  live.Update("a", {.rows = 10});
  live.Update("b", {.rows = 10});
  EXPECT_EQ((*live.Json("a"))["rate_rows_per_s"], 5.0);   // over 2 s
  EXPECT_EQ((*live.Json("b"))["rate_rows_per_s"], 10.0);  // over 1 s
  live.End("a");
  EXPECT_EQ(live.Json("a"), std::nullopt);
  EXPECT_TRUE(live.Json("b").has_value());
}

}  // namespace
}  // namespace s3u::service
