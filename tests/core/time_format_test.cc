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

TEST(ParseDurationTest, UnitsGroupsAndBareSeconds) {
  EXPECT_EQ(ParseDuration("300"), seconds(300));
  EXPECT_EQ(ParseDuration("90s"), seconds(90));
  EXPECT_EQ(ParseDuration("5m"), minutes(5));
  EXPECT_EQ(ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(ParseDuration("1m30s"), seconds(90));
  EXPECT_EQ(ParseDuration(" 2h 0m 7s "), hours(2) + seconds(7));
  EXPECT_EQ(ParseDuration("1d"), hours(24));
  EXPECT_EQ(ParseDuration("0s"), milliseconds(0));
}

TEST(ParseDurationTest, ReadsWhatFormatDurationWrites) {
  for (auto d : {milliseconds(850), milliseconds(seconds(45)),
                 milliseconds(minutes(5) + seconds(3)), milliseconds(hours(26) + seconds(1))}) {
    EXPECT_EQ(ParseDuration(FormatDuration(d)), d) << FormatDuration(d);
  }
}

TEST(ParseDurationTest, RejectsWhatIsNotADuration) {
  for (std::string_view bad : {"", "  ", "-5s", "+5s", "1.5m", "5 minutes", "m", "5x", "1m 30",
                               "10s5", "367d", "99999999999999999999s"}) {
    EXPECT_EQ(ParseDuration(bad), std::nullopt) << bad;
  }
}

TEST(IsoUtcMillisTest, IsUtcToTheMillisecondWithLeadingZeros) {
  using Time = std::chrono::system_clock::time_point;
  EXPECT_EQ(IsoUtcMillis(Time(milliseconds(1'741'946'400'123))), "2025-03-14T10:00:00.123Z");
  EXPECT_EQ(IsoUtcMillis(Time(milliseconds(1'741'946'459'007))), "2025-03-14T10:00:59.007Z");
  EXPECT_EQ(IsoUtcMillis(Time(milliseconds(0))), "1970-01-01T00:00:00.000Z");
}

TEST(EpochMillisTest, CountsFromTheEpochInMilliseconds) {
  const auto t =
      std::chrono::sys_days(std::chrono::year(2026) / 11 / 24) + hours(10) + milliseconds(123);
  EXPECT_EQ(EpochMillis(t), 1795514400123);
  EXPECT_EQ(EpochMillis(std::chrono::system_clock::time_point{}), 0);
}

TEST(IsoUtcTest, WritesUtcToTheSecondRoundingDown) {
  EXPECT_EQ(IsoUtc(1795514400123), "2026-11-24T10:00:00Z");
  EXPECT_EQ(IsoUtc(1795514400999), "2026-11-24T10:00:00Z");
  EXPECT_EQ(IsoUtc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(IsoUtc(-1), "1969-12-31T23:59:59Z");  // floor, not toward zero
  EXPECT_EQ(IsoUtc(951782400000), "2000-02-29T00:00:00Z");
}

}  // namespace
}  // namespace s3u
