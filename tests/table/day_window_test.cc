#include "table/day_window.h"

#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

namespace s3u::table {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const date::time_zone& Zone(std::string_view name) {
  return *FindTimeZone(name, "time_zone").value();
}

std::chrono::system_clock::time_point Utc(int y, unsigned m, unsigned d, int h = 0, int min = 0) {
  return date::sys_days{date::year{y} / m / d} + hours{h} + minutes{min};
}

std::string Text(Seconds s) { return date::format("%FT%TZ", s); }

TEST(DayWindowTest, UtcYesterdayIsTheCalendarDayBefore) {
  const DayWindow w = ResolveDayWindow(Utc(2026, 11, 24, 9, 30), Zone("UTC"), 1);
  EXPECT_EQ(FormatDate(w.local_date), "2026-11-23");
  EXPECT_EQ(Text(w.start_utc), "2026-11-23T00:00:00Z");
  EXPECT_EQ(Text(w.end_utc), "2026-11-24T00:00:00Z");
  EXPECT_EQ(w.length(), hours{24});
  EXPECT_EQ(w.zone, "UTC");
}

TEST(DayWindowTest, ZeroIsTodayInTheJobsZoneNotInUtc) {
  // 03:00 UTC on the 24th is still the 23rd in New York (UTC-5).
  const DayWindow w = ResolveDayWindow(Utc(2026, 11, 24, 3), Zone("America/New_York"), 0);
  EXPECT_EQ(FormatDate(w.local_date), "2026-11-23");
  EXPECT_EQ(Text(w.start_utc), "2026-11-23T05:00:00Z");
  EXPECT_EQ(Text(w.end_utc), "2026-11-24T05:00:00Z");
}

TEST(DayWindowTest, SpringForwardDayInNewYorkHas23Hours) {
  const DayWindow w =
      WindowForDate(date::sys_days{date::year{2026} / 3 / 8}, Zone("America/New_York"));
  EXPECT_EQ(Text(w.start_utc), "2026-03-08T05:00:00Z");
  EXPECT_EQ(Text(w.end_utc), "2026-03-09T04:00:00Z");
  EXPECT_EQ(w.length(), hours{23});
}

TEST(DayWindowTest, FallBackDayInNewYorkHas25Hours) {
  const DayWindow w =
      WindowForDate(date::sys_days{date::year{2026} / 11 / 1}, Zone("America/New_York"));
  EXPECT_EQ(Text(w.start_utc), "2026-11-01T04:00:00Z");
  EXPECT_EQ(Text(w.end_utc), "2026-11-02T05:00:00Z");
  EXPECT_EQ(w.length(), hours{25});
}

TEST(DayWindowTest, LordHoweShiftsByHalfAnHour) {
  const auto& zone = Zone("Australia/Lord_Howe");
  EXPECT_EQ(WindowForDate(date::sys_days{date::year{2026} / 4 / 5}, zone).length(),
            hours{24} + minutes{30});
  EXPECT_EQ(WindowForDate(date::sys_days{date::year{2026} / 10 / 4}, zone).length(),
            hours{23} + minutes{30});
}

TEST(DayWindowTest, SkippedMidnightStartsAtTheTransition) {
  // Chile (America/Santiago) moves clocks from 00:00 to 01:00 on 2026-09-06: midnight never
  // happens, so the day starts at the transition, 04:00 UTC.
  const DayWindow w =
      WindowForDate(date::sys_days{date::year{2026} / 9 / 6}, Zone("America/Santiago"));
  EXPECT_EQ(Text(w.start_utc), "2026-09-06T04:00:00Z");
  EXPECT_EQ(w.length(), hours{23});
}

TEST(DayWindowTest, CrossesMonthAndYearEnds) {
  const DayWindow jan1 = ResolveDayWindow(Utc(2027, 1, 1, 12), Zone("Europe/Paris"), 1);
  EXPECT_EQ(FormatDate(jan1.local_date), "2026-12-31");
  EXPECT_EQ(Text(jan1.start_utc), "2026-12-30T23:00:00Z");
  const DayWindow mar1 = ResolveDayWindow(Utc(2028, 3, 1, 12), Zone("UTC"), 1);
  EXPECT_EQ(FormatDate(mar1.local_date), "2028-02-29");  // leap year
  const DayWindow week = ResolveDayWindow(Utc(2026, 11, 24, 12), Zone("UTC"), 30);
  EXPECT_EQ(FormatDate(week.local_date), "2026-10-25");
}

TEST(DayWindowTest, ConsecutiveDaysTileWithoutGapsOrOverlap) {
  const auto& zone = Zone("America/New_York");
  for (int d = 0; d < 400; ++d) {
    const Days day = date::sys_days{date::year{2026} / 1 / 1} + date::days{d};
    ASSERT_EQ(WindowForDate(day, zone).end_utc, WindowForDate(day + date::days{1}, zone).start_utc)
        << FormatDate(day);
  }
}

TEST(DayWindowTest, UnknownZoneNamesTheFieldAndGivesExamples) {
  auto zone = FindTimeZone("Mars/Olympus_Mons", "details.time_zone");
  ASSERT_FALSE(zone.has_value());
  EXPECT_EQ(zone.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(zone.error().subject, "details.time_zone");
  EXPECT_NE(zone.error().message.find("Mars/Olympus_Mons"), std::string::npos);
  EXPECT_NE(zone.error().message.find("America/New_York"), std::string::npos);
  EXPECT_FALSE(FindTimeZone("", "details.time_zone").has_value());
}

}  // namespace
}  // namespace s3u::table
