#include "table/day_range.h"

#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

#include "table/day_window.h"

namespace s3u::table {
namespace {

using std::chrono::hours;

const date::time_zone& Zone(std::string_view name) {
  return *FindTimeZone(name, "time_zone").value();
}

std::chrono::system_clock::time_point Utc(int y, unsigned m, unsigned d, int h = 0) {
  return date::sys_days{date::year{y} / m / d} + hours{h};
}

std::vector<std::string> Texts(const std::vector<Days>& days) {
  std::vector<std::string> out;
  for (Days d : days) out.push_back(FormatDate(d));
  return out;
}

FieldErrors Errors(std::string_view from, std::string_view to,
                   std::chrono::system_clock::time_point now, std::string_view zone = "UTC") {
  auto dates = BackfillDates(from, to, now, Zone(zone), "from", "to");
  EXPECT_FALSE(dates.has_value());
  return dates ? FieldErrors{} : dates.error();
}

TEST(DayRangeTest, BothEndsAreIncludedOldestFirst) {
  auto dates =
      BackfillDates("2026-02-27", "2026-03-02", Utc(2026, 3, 10, 9), Zone("UTC"), "from", "to");
  ASSERT_TRUE(dates.has_value());
  EXPECT_EQ(Texts(*dates),
            (std::vector<std::string>{"2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"}));
}

TEST(DayRangeTest, OneDayWhenFromEqualsTo) {
  auto dates =
      BackfillDates("2026-03-09", "2026-03-09", Utc(2026, 3, 10), Zone("UTC"), "from", "to");
  ASSERT_TRUE(dates.has_value());
  EXPECT_EQ(Texts(*dates), std::vector<std::string>{"2026-03-09"});
}

TEST(DayRangeTest, FromAfterToIsAnErrorOnTo) {
  EXPECT_EQ(Errors("2026-03-05", "2026-03-04", Utc(2026, 3, 10)),
            (FieldErrors{{"to", "must be on or after from (2026-03-05)"}}));
}

TEST(DayRangeTest, UnreadableDatesNameTheirFieldsBoth) {
  const FieldErrors errors = Errors("2026-02-30", "03/04/2026", Utc(2026, 3, 10));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].field, "from");
  EXPECT_EQ(errors[1].field, "to");
  EXPECT_NE(errors[1].message.find("YYYY-MM-DD"), std::string::npos);
}

TEST(DayRangeTest, TodayIsAllowedTomorrowIsNot) {
  EXPECT_TRUE(
      BackfillDates("2026-03-09", "2026-03-10", Utc(2026, 3, 10), Zone("UTC"), "from", "to"));
  const FieldErrors errors = Errors("2026-03-09", "2026-03-11", Utc(2026, 3, 10, 23));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "to");
  EXPECT_EQ(errors[0].message, "2026-03-11 has not begun yet in UTC (today there is 2026-03-10)");
}

TEST(DayRangeTest, TodayIsTheJobsZonesNotUtcs) {
  // 03:00 UTC on the 10th is still the 9th in New York: the 10th is a future date there.
  const auto now = Utc(2026, 3, 10, 3);
  EXPECT_TRUE(BackfillDates("2026-03-10", "2026-03-10", now, Zone("UTC"), "from", "to"));
  const FieldErrors errors = Errors("2026-03-08", "2026-03-10", now, "America/New_York");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("America/New_York (today there is 2026-03-09)"),
            std::string::npos);
  // And east of UTC it is already the 11th at 23:00 UTC on the 10th.
  EXPECT_TRUE(BackfillDates("2026-03-11", "2026-03-11", Utc(2026, 3, 10, 23), Zone("Asia/Tokyo"),
                            "from", "to"));
}

TEST(DayRangeTest, At366DaysItIsAcceptedAt367Refused) {
  auto dates =
      BackfillDates("2025-03-10", "2026-03-10", Utc(2026, 3, 10), Zone("UTC"), "from", "to");
  ASSERT_TRUE(dates.has_value());
  EXPECT_EQ(dates->size(), 366u);
  const FieldErrors errors = Errors("2025-03-09", "2026-03-10", Utc(2026, 3, 10));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "to");
  EXPECT_NE(errors[0].message.find("at most 366 days"), std::string::npos);
  EXPECT_NE(errors[0].message.find("is 367"), std::string::npos);
}

TEST(DayRangeTest, ADateOlderThanTheJobsSpecificDayLimitIsRefused) {
  // 2016-03-11 is 3651 days before 2026-03-10 (2020 and 2024 have a February 29).
  const FieldErrors errors = Errors("2016-03-11", "2016-03-13", Utc(2026, 3, 10));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "from");
  EXPECT_NE(errors[0].message.find("at most 3650 days ago"), std::string::npos);
  EXPECT_TRUE(
      BackfillDates("2016-03-12", "2016-03-14", Utc(2026, 3, 10), Zone("UTC"), "from", "to"));
}

TEST(DayRangeTest, ADstDayIsOneDay) {
  // 2026-03-08 is 23 hours long in New York; 2026-11-01 is 25 hours long.
  auto spring = BackfillDates("2026-03-07", "2026-03-09", Utc(2026, 3, 10, 12),
                              Zone("America/New_York"), "from", "to");
  ASSERT_TRUE(spring.has_value());
  EXPECT_EQ(spring->size(), 3u);
  EXPECT_EQ(WindowForDate((*spring)[1], Zone("America/New_York")).length(), hours{23});
  auto fall = BackfillDates("2026-10-31", "2026-11-02", Utc(2026, 11, 3, 12),
                            Zone("America/New_York"), "from", "to");
  ASSERT_TRUE(fall.has_value());
  EXPECT_EQ(fall->size(), 3u);
}

TEST(DayRangeTest, DaysAgoIsCountedInTheJobsZoneAtTheMomentAsked) {
  const Days day = *ParseDate("2026-03-08");
  EXPECT_EQ(DaysAgo(day, Utc(2026, 3, 10, 3), Zone("UTC")), 2);
  EXPECT_EQ(DaysAgo(day, Utc(2026, 3, 10, 3), Zone("America/New_York")), 1);
  // A backfill crossing local midnight: the same date is one more day ago after it.
  EXPECT_EQ(DaysAgo(day, Utc(2026, 3, 11, 3), Zone("UTC")), 3);
  EXPECT_EQ(DaysAgo(*ParseDate("2026-03-11"), Utc(2026, 3, 10, 3), Zone("UTC")), -1);
}

TEST(DayRangeTest, DaysAgoAgreesWithTheRunsOwnWindow) {
  const auto now = Utc(2026, 11, 1, 4);  // 00:00 in New York, on its 25-hour day
  for (const char* text : {"2026-10-30", "2026-10-31", "2026-11-01"}) {
    const Days day = *ParseDate(text);
    EXPECT_EQ(
        ResolveDayWindow(now, Zone("America/New_York"), DaysAgo(day, now, Zone("America/New_York")))
            .local_date,
        day)
        << text;
  }
}

}  // namespace
}  // namespace s3u::table
