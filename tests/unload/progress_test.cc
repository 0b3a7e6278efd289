// The rates and ETA a run's progress gives: known answers, and every case where the ETA is not
// known or would divide by zero.
#include "unload/progress.h"

#include <gtest/gtest.h>

namespace s3u::unload {
namespace {

using std::chrono::milliseconds;

TEST(ProgressRatesTest, AveragesOverTheElapsedTimeAndProjectsTheRest) {
  const ProgressRates r = ProgressRatesOf(
      {.rows = 1000, .expected_rows = 4000, .bytes = 50000, .objects = 1}, milliseconds(10000));
  EXPECT_DOUBLE_EQ(r.rows_per_s, 100.0);
  EXPECT_DOUBLE_EQ(r.bytes_per_s, 5000.0);
  ASSERT_TRUE(r.eta_s.has_value());
  EXPECT_DOUBLE_EQ(*r.eta_s, 30.0);  // 3000 rows left at 100 rows/s
}

TEST(ProgressRatesTest, FractionalSeconds) {
  const ProgressRates r =
      ProgressRatesOf({.rows = 3, .expected_rows = 9, .bytes = 1}, milliseconds(1500));
  EXPECT_DOUBLE_EQ(r.rows_per_s, 2.0);
  EXPECT_DOUBLE_EQ(*r.eta_s, 3.0);
}

TEST(ProgressRatesTest, NoEtaWhenTheTotalIsUnknown) {
  const ProgressRates r = ProgressRatesOf({.rows = 500, .bytes = 700}, milliseconds(5000));
  EXPECT_DOUBLE_EQ(r.rows_per_s, 100.0);
  EXPECT_DOUBLE_EQ(r.bytes_per_s, 140.0);
  EXPECT_EQ(r.eta_s, std::nullopt);
}

TEST(ProgressRatesTest, NoEtaBeforeTheFirstRow) {
  const ProgressRates r = ProgressRatesOf({.rows = 0, .expected_rows = 100}, milliseconds(5000));
  EXPECT_DOUBLE_EQ(r.rows_per_s, 0.0);
  EXPECT_EQ(r.eta_s, std::nullopt);
}

TEST(ProgressRatesTest, ZeroOrNegativeElapsedGivesZeroRatesAndNoEta) {
  for (const milliseconds elapsed : {milliseconds(0), milliseconds(-5)}) {
    const ProgressRates r =
        ProgressRatesOf({.rows = 10, .expected_rows = 100, .bytes = 10}, elapsed);
    EXPECT_DOUBLE_EQ(r.rows_per_s, 0.0);
    EXPECT_DOUBLE_EQ(r.bytes_per_s, 0.0);
    EXPECT_EQ(r.eta_s, std::nullopt);
  }
}

TEST(ProgressRatesTest, EtaIsZeroAtOrPastTheCountedTotal) {
  // Rows added to the day after it was counted: more rows than the total, never a negative ETA.
  for (const uint64_t rows : {uint64_t{100}, uint64_t{120}}) {
    const ProgressRates r =
        ProgressRatesOf({.rows = rows, .expected_rows = 100}, milliseconds(1000));
    ASSERT_TRUE(r.eta_s.has_value()) << rows;
    EXPECT_DOUBLE_EQ(*r.eta_s, 0.0) << rows;
  }
}

}  // namespace
}  // namespace s3u::unload
