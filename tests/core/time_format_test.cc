#include "core/time_format.h"

#include <gtest/gtest.h>

namespace s3u {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(FormatDurationTest, Magnitudes) {
  EXPECT_EQ(FormatDuration(milliseconds(850)), "850ms");
  EXPECT_EQ(FormatDuration(seconds(45)), "45s");
  EXPECT_EQ(FormatDuration(minutes(5) + seconds(3)), "5m 3s");
  EXPECT_EQ(FormatDuration(-(hours(2) + seconds(3))), "2h 0m 3s");
  EXPECT_EQ(FormatDuration(hours(26)), "1d 2h 0m 0s");
  EXPECT_FALSE(FormatDuration(milliseconds::min()).empty());
}

TEST(EpochMillisTest, CountsFromTheEpochInMilliseconds) {
  const auto t =
      std::chrono::sys_days(std::chrono::year(2026) / 11 / 24) + hours(10) + milliseconds(123);
  EXPECT_EQ(EpochMillis(t), 1795514400123);
  EXPECT_EQ(EpochMillis(std::chrono::system_clock::time_point{}), 0);
}

}  // namespace
}  // namespace s3u
