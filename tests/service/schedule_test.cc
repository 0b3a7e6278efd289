#include "service/schedule.h"

#include <date/tz.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bitset>
#include <cstdio>
#include <sstream>

namespace s3u::service {

void PrintTo(const Schedule& s, std::ostream* os) { *os << ScheduleToJson(s).dump(); }

namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::minutes;
using LocalMinutes = date::local_time<minutes>;
using ::testing::HasSubstr;

// --- Helpers -------------------------------------------------------------------------------

// "2024-03-10T01:59:00-05:00" or "...T01:59:59.999-05:00" -> the instant.
SysMs At(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0, oh = 0, om = 0;
  char sign = 0;
  const bool with_ms = text.find('.') != std::string::npos;
  const int read = with_ms ? std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%3d%c%d:%d", &y, &mo, &d,
                                         &h, &mi, &sec, &ms, &sign, &oh, &om)
                           : std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d%c%d:%d", &y, &mo, &d, &h,
                                         &mi, &sec, &sign, &oh, &om);
  EXPECT_EQ(read, with_ms ? 10 : 9) << text;
  const auto offset = std::chrono::hours{oh} + minutes{om};
  const SysMs local{date::sys_days{date::year{y} / mo / d} + std::chrono::hours{h} + minutes{mi} +
                    std::chrono::seconds{sec} + milliseconds{ms}};
  return sign == '-' ? local + offset : local - offset;
}

// The instant as local time in `zone`: "2024-03-10 03:00 EDT".
std::string Local(SysMs t, const std::string& zone) {
  return date::format("%F %R %Z", date::make_zoned(zone, std::chrono::floor<minutes>(t)));
}

std::string Next(const Schedule& s, const std::string& after) {
  const auto next = NextRun(s, At(after));
  return next ? Local(*next, s.time_zone) : "never";
}

// The first `n` fire times after `after`, as local times.
std::vector<std::string> Runs(const Schedule& s, const std::string& after, int n) {
  std::vector<std::string> out;
  SysMs t = At(after);
  for (int i = 0; i < n; ++i) {
    const auto next = NextRun(s, t);
    if (!next) break;
    out.push_back(Local(*next, s.time_zone));
    t = *next;
  }
  return out;
}

Schedule Parsed(const json& form) {
  const auto parsed = ParseSchedule(form);
  EXPECT_TRUE(parsed.has_value()) << form.dump() << ": "
                                  << (parsed ? "" : parsed.error().front().message);
  return parsed.value_or(Schedule{});
}

Schedule Daily(const std::string& time, const std::string& zone) {
  return Parsed({{"kind", "daily"}, {"time", time}, {"time_zone", zone}});
}

Schedule Cron(const std::string& expression, const std::string& zone = "UTC") {
  return Parsed({{"kind", "cron"}, {"expression", expression}, {"time_zone", zone}});
}

Schedule EveryMinutes(int n, const std::string& zone) {
  return Parsed({{"kind", "every_minutes"}, {"minutes", n}, {"time_zone", zone}});
}

Schedule EveryHours(int n, int minute, const std::string& zone) {
  return Parsed({{"kind", "every_hours"}, {"hours", n}, {"minute", minute}, {"time_zone", zone}});
}

Schedule Monthly(int day, const std::string& time = "00:00") {
  return Parsed({{"kind", "monthly"}, {"day", day}, {"time", time}});
}

// The errors of a form ParseSchedule must reject.
FieldErrors Errors(const json& form) {
  const auto parsed = ParseSchedule(form);
  EXPECT_FALSE(parsed.has_value()) << form.dump();
  return parsed ? FieldErrors{} : parsed.error();
}

// The message of the one error a form has; it must be about `field`.
std::string OnlyError(const json& form, const std::string& field) {
  const FieldErrors errors = Errors(form);
  EXPECT_EQ(errors.size(), 1u) << form.dump();
  if (errors.empty()) return "";
  EXPECT_EQ(errors.front().field, field) << errors.front().message;
  return errors.front().message;
}

std::string CronError(const std::string& expression) {
  return OnlyError({{"kind", "cron"}, {"expression", expression}}, "schedule.cron");
}

// --- Daily: DST ----------------------------------------------------------------------------

TEST(NextRunDailyTest, NewYorkSpringForwardFiresAtTheEndOfTheGap) {
  const Schedule s = Daily("02:30", "America/New_York");
  EXPECT_EQ(Next(s, "2024-03-09T12:00:00-05:00"), "2024-03-10 03:00 EDT");
  EXPECT_EQ(Next(s, "2024-03-10T01:59:59-05:00"), "2024-03-10 03:00 EDT");
  EXPECT_EQ(Next(s, "2024-03-10T03:00:00-04:00"), "2024-03-11 02:30 EDT");
  EXPECT_EQ(Next(s, "2024-03-08T02:30:00-05:00"), "2024-03-09 02:30 EST");
}

TEST(NextRunDailyTest, NewYorkFallBackFiresAtTheFirstOccurrenceOnly) {
  const Schedule s = Daily("01:30", "America/New_York");
  EXPECT_EQ(Next(s, "2024-11-03T00:00:00-04:00"), "2024-11-03 01:30 EDT");
  EXPECT_EQ(Next(s, "2024-11-03T01:30:00-04:00"), "2024-11-04 01:30 EST");
  // In the second pass through 01:00-02:00 the 01:30 of the day has already fired.
  EXPECT_EQ(Next(s, "2024-11-03T01:10:00-05:00"), "2024-11-04 01:30 EST");
}

TEST(NextRunDailyTest, LondonSpringForwardAndFallBack) {
  EXPECT_EQ(Next(Daily("01:30", "Europe/London"), "2024-03-31T00:00:00+00:00"),
            "2024-03-31 02:00 BST");
  EXPECT_EQ(Next(Daily("01:00", "Europe/London"), "2024-03-31T00:00:00+00:00"),
            "2024-03-31 02:00 BST");
  const Schedule s = Daily("01:30", "Europe/London");
  EXPECT_EQ(Runs(s, "2024-10-27T00:00:00+01:00", 2),
            (std::vector<std::string>{"2024-10-27 01:30 BST", "2024-10-28 01:30 GMT"}));
}

TEST(NextRunDailyTest, LordHoweShiftsByThirtyMinutes) {
  // 2024-10-06: 02:00 +1030 becomes 02:30 +11; 2024-04-07: 02:00 +11 becomes 01:30 +1030.
  EXPECT_EQ(Next(Daily("02:15", "Australia/Lord_Howe"), "2024-10-05T12:00:00+10:30"),
            "2024-10-06 02:30 +11");
  EXPECT_EQ(Next(Daily("02:30", "Australia/Lord_Howe"), "2024-10-05T12:00:00+10:30"),
            "2024-10-06 02:30 +11");
  EXPECT_EQ(Runs(Daily("01:45", "Australia/Lord_Howe"), "2024-04-06T12:00:00+11:00", 2),
            (std::vector<std::string>{"2024-04-07 01:45 +11", "2024-04-08 01:45 +1030"}));
}

TEST(NextRunDailyTest, MidnightSkippedInSantiagoFiresAtOne) {
  // Chile moves 2024-09-08 00:00 -04 to 01:00 -03: the day starts at 01:00.
  EXPECT_EQ(Next(Daily("00:00", "America/Santiago"), "2024-09-07T12:00:00-04:00"),
            "2024-09-08 01:00 -03");
}

TEST(NextRunDailyTest, ADaySkippedInSamoaFiresWhenTheCalendarResumes) {
  // Samoa skipped 2011-12-30: 2011-12-29 24:00 -10 was followed by 2011-12-31 00:00 +14.
  EXPECT_EQ(Runs(Daily("12:00", "Pacific/Apia"), "2011-12-29T12:00:00-10:00", 2),
            (std::vector<std::string>{"2011-12-31 00:00 +14", "2011-12-31 12:00 +14"}));
}

TEST(NextRunDailyTest, PlainDays) {
  const Schedule s = Daily("02:30", "Europe/Paris");
  EXPECT_EQ(Next(s, "2024-06-01T02:29:59+02:00"), "2024-06-01 02:30 CEST");
  EXPECT_EQ(Next(s, "2024-06-01T00:30:00+00:00"), "2024-06-02 02:30 CEST");
  EXPECT_EQ(Next(Daily("00:00", "UTC"), "2024-12-31T23:59:59.999+00:00"), "2025-01-01 00:00 UTC");
}

// --- every_minutes / every_hours -----------------------------------------------------------

TEST(NextRunEveryMinutesTest, KathmanduFiresOnLocalQuarterHours) {
  const Schedule s = EveryMinutes(15, "Asia/Kathmandu");
  const auto next = NextRun(s, At("2024-05-01T10:07:00+05:45"));
  ASSERT_TRUE(next);
  EXPECT_EQ(Local(*next, "Asia/Kathmandu"), "2024-05-01 10:15 +0545");
  EXPECT_EQ(Local(*next, "UTC"), "2024-05-01 04:30 UTC");
  EXPECT_EQ(Next(EveryMinutes(30, "Asia/Kathmandu"), "2024-05-01T10:00:00+05:45"),
            "2024-05-01 10:30 +0545");
}

TEST(NextRunEveryMinutesTest, KeepsRealTimeThroughNewYorkChanges) {
  EXPECT_EQ(Runs(EveryMinutes(15, "America/New_York"), "2024-11-03T01:40:00-04:00", 6),
            (std::vector<std::string>{"2024-11-03 01:45 EDT", "2024-11-03 01:00 EST",
                                      "2024-11-03 01:15 EST", "2024-11-03 01:30 EST",
                                      "2024-11-03 01:45 EST", "2024-11-03 02:00 EST"}));
  EXPECT_EQ(Runs(EveryMinutes(30, "America/New_York"), "2024-03-10T01:00:00-05:00", 3),
            (std::vector<std::string>{"2024-03-10 01:30 EST", "2024-03-10 03:00 EDT",
                                      "2024-03-10 03:30 EDT"}));
}

TEST(NextRunEveryMinutesTest, LordHoweHalfHourShiftStaysEveryFifteenMinutes) {
  EXPECT_EQ(Runs(EveryMinutes(15, "Australia/Lord_Howe"), "2024-10-06T01:40:00+10:30", 3),
            (std::vector<std::string>{"2024-10-06 01:45 +1030", "2024-10-06 02:30 +11",
                                      "2024-10-06 02:45 +11"}));
}

TEST(NextRunEveryHoursTest, CountsFromLocalMidnightWithAShorterLastGap) {
  EXPECT_EQ(Runs(EveryHours(5, 10, "UTC"), "2024-05-01T19:00:00+00:00", 3),
            (std::vector<std::string>{"2024-05-01 20:10 UTC", "2024-05-02 00:10 UTC",
                                      "2024-05-02 05:10 UTC"}));
  EXPECT_EQ(Next(EveryHours(6, 0, "Europe/Paris"), "2024-06-01T12:00:00+02:00"),
            "2024-06-01 18:00 CEST");
}

TEST(NextRunEveryHoursTest, EveryHourStaysEveryRealHourThroughDst) {
  EXPECT_EQ(Runs(EveryHours(1, 0, "America/New_York"), "2024-11-03T00:30:00-04:00", 3),
            (std::vector<std::string>{"2024-11-03 01:00 EDT", "2024-11-03 01:00 EST",
                                      "2024-11-03 02:00 EST"}));
  EXPECT_EQ(Runs(EveryHours(1, 30, "America/New_York"), "2024-03-10T01:00:00-05:00", 2),
            (std::vector<std::string>{"2024-03-10 01:30 EST", "2024-03-10 03:30 EDT"}));
}

TEST(NextRunEveryHoursTest, AMatchingTimeSkippedByAGapDoesNotFire) {
  EXPECT_EQ(Next(EveryHours(6, 0, "America/Santiago"), "2024-09-07T18:00:00-04:00"),
            "2024-09-08 06:00 -03");
}

// --- weekly / monthly ----------------------------------------------------------------------

TEST(NextRunWeeklyTest, ChosenDaysOnly) {
  const Schedule s = Parsed({{"kind", "weekly"}, {"days", {"thu", "mon"}}, {"time", "06:00"}});
  EXPECT_EQ(s.weekdays, (std::vector<int>{1, 4}));
  EXPECT_EQ(Next(s, "2024-05-07T10:00:00+00:00"), "2024-05-09 06:00 UTC");  // Tue -> Thu
  EXPECT_EQ(Next(s, "2024-05-09T06:00:00+00:00"), "2024-05-13 06:00 UTC");  // Thu -> Mon
  EXPECT_EQ(Next(s, "2024-05-13T05:59:59.999+00:00"), "2024-05-13 06:00 UTC");
}

TEST(NextRunMonthlyTest, DayBeyondTheMonthFiresOnItsLastDay) {
  const Schedule s = Monthly(31);
  EXPECT_EQ(Runs(s, "2024-01-31T00:00:00+00:00", 4),
            (std::vector<std::string>{"2024-02-29 00:00 UTC", "2024-03-31 00:00 UTC",
                                      "2024-04-30 00:00 UTC", "2024-05-31 00:00 UTC"}));
  EXPECT_EQ(Next(s, "2023-01-31T00:00:00+00:00"), "2023-02-28 00:00 UTC");
  EXPECT_EQ(Next(Monthly(30), "2100-02-01T00:00:00+00:00"), "2100-02-28 00:00 UTC");  // not leap
  EXPECT_EQ(Next(Monthly(29), "2000-02-01T00:00:00+00:00"), "2000-02-29 00:00 UTC");  // leap
  EXPECT_EQ(Next(Monthly(15, "12:00"), "2024-05-15T12:00:00+00:00"), "2024-06-15 12:00 UTC");
}

// --- cron ----------------------------------------------------------------------------------

TEST(NextRunCronTest, StepsRangesListsAndNames) {
  EXPECT_EQ(Next(Cron("0 */2 * * 1-5"), "2024-05-10T23:00:00+00:00"), "2024-05-13 00:00 UTC");
  EXPECT_EQ(Next(Cron("30 9 * jan,JUL mon-fri"), "2024-02-01T00:00:00+00:00"),
            "2024-07-01 09:30 UTC");
  EXPECT_EQ(Runs(Cron("15 10-14/2 * * *"), "2024-05-01T10:15:00+00:00", 3),
            (std::vector<std::string>{"2024-05-01 12:15 UTC", "2024-05-01 14:15 UTC",
                                      "2024-05-02 10:15 UTC"}));
  EXPECT_EQ(Runs(Cron("0 0 1,15 * *"), "2024-05-01T00:00:00+00:00", 2),
            (std::vector<std::string>{"2024-05-15 00:00 UTC", "2024-06-01 00:00 UTC"}));
  EXPECT_EQ(Next(Cron("5,10-12 0 * * *"), "2024-05-01T00:10:00+00:00"), "2024-05-01 00:11 UTC");
}

TEST(NextRunCronTest, SevenAndZeroAreSunday) {
  for (const char* dow : {"0", "7", "sun", "SUN", "6-7"}) {
    const Schedule s = Cron(std::string("0 0 * * ") + dow);
    EXPECT_EQ(Next(s, "2024-05-06T00:00:00+00:00"),
              std::string(dow) == "6-7" ? "2024-05-11 00:00 UTC" : "2024-05-12 00:00 UTC")
        << dow;
  }
}

TEST(NextRunCronTest, BothDayFieldsRestrictedMeansEither) {
  // October 2024: the 13th is a Sunday; Fridays are the 4th, 11th, 18th and 25th.
  EXPECT_EQ(Runs(Cron("0 0 13 * 5"), "2024-10-11T00:00:00+00:00", 2),
            (std::vector<std::string>{"2024-10-13 00:00 UTC", "2024-10-18 00:00 UTC"}));
  // A day field starting with '*' is unrestricted, so both must match: odd days that are Fridays.
  EXPECT_EQ(Runs(Cron("0 0 */2 * 5"), "2024-10-01T00:00:00+00:00", 2),
            (std::vector<std::string>{"2024-10-11 00:00 UTC", "2024-10-25 00:00 UTC"}));
}

TEST(NextRunCronTest, RareDatesFindTheNextLeapYear) {
  EXPECT_EQ(Next(Cron("0 0 29 2 *"), "2024-03-01T00:00:00+00:00"), "2028-02-29 00:00 UTC");
  EXPECT_EQ(Next(Cron("0 0 29 2 *"), "2096-03-01T00:00:00+00:00"), "2104-02-29 00:00 UTC");
  // Feb 29 that is also a Sunday (*/7 is 0 and 7): 2032.
  EXPECT_EQ(Next(Cron("0 0 29 2 */7"), "2024-03-01T00:00:00+00:00"), "2032-02-29 00:00 UTC");
}

TEST(NextRunCronTest, DstRulesApplyToCron) {
  EXPECT_EQ(Next(Cron("30 2 * * *", "America/New_York"), "2024-03-10T00:00:00-05:00"),
            "2024-03-10 03:00 EDT");
  // Six skipped matches fire once, at the end of the gap.
  EXPECT_EQ(Runs(Cron("*/10 2 * * *", "America/New_York"), "2024-03-10T00:00:00-05:00", 2),
            (std::vector<std::string>{"2024-03-10 03:00 EDT", "2024-03-11 02:00 EDT"}));
  EXPECT_EQ(Runs(Cron("*/30 1 * * *", "America/New_York"), "2024-11-03T00:00:00-04:00", 3),
            (std::vector<std::string>{"2024-11-03 01:00 EDT", "2024-11-03 01:30 EDT",
                                      "2024-11-04 01:00 EST"}));
}

TEST(NextRunTest, ManualAndInvalidSchedulesNeverRun) {
  EXPECT_EQ(NextRun(Schedule{}, At("2024-01-01T00:00:00+00:00")), std::nullopt);
  Schedule gone = Daily("02:30", "UTC");
  gone.time_zone = "Mars/Olympus_Mons";
  EXPECT_EQ(NextRun(gone, At("2024-01-01T00:00:00+00:00")), std::nullopt);
  Schedule bad = EveryHours(2, 0, "UTC");
  bad.every_hours = 0;
  EXPECT_EQ(NextRun(bad, At("2024-01-01T00:00:00+00:00")), std::nullopt);
}

// --- ParseSchedule -------------------------------------------------------------------------

TEST(ParseScheduleTest, EveryKindFromItsForm) {
  EXPECT_EQ(Parsed({{"kind", "manual"}}), Schedule{});
  const Schedule hours = Parsed({{"kind", "every_hours"}, {"hours", 6}});
  EXPECT_EQ(hours.every_hours, 6);
  EXPECT_EQ(hours.minute, 0);
  const Schedule monthly =
      Parsed({{"kind", "monthly"}, {"day", 31}, {"time", "23:59"}, {"time_zone", "Asia/Tokyo"}});
  EXPECT_EQ(monthly.day_of_month, 31);
  EXPECT_EQ(monthly.hour, 23);
  EXPECT_EQ(monthly.minute, 59);
  EXPECT_EQ(monthly.time_zone, "Asia/Tokyo");
  EXPECT_EQ(Parsed({{"kind", "cron"}, {"expression", " 0  */2 *\t* 1-5 "}}).cron, "0 */2 * * 1-5");
}

TEST(ParseScheduleTest, ToJsonGivesTheDocumentedForm) {
  EXPECT_EQ(
      ScheduleToJson(Parsed({{"kind", "weekly"}, {"days", {"thu", "mon"}}, {"time", "06:00"}})),
      json::parse(R"({"kind":"weekly","days":["mon","thu"],"time":"06:00","time_zone":"UTC"})"));
  EXPECT_EQ(ScheduleToJson(Schedule{}), json::parse(R"({"kind":"manual","time_zone":"UTC"})"));
  EXPECT_EQ(ScheduleToJson(EveryHours(6, 5, "UTC")),
            json::parse(R"({"kind":"every_hours","hours":6,"minute":5,"time_zone":"UTC"})"));
}

TEST(ParseScheduleErrorTest, Kind) {
  EXPECT_THAT(OnlyError(json::object(), "schedule.kind"), HasSubstr("missing; use one of manual"));
  EXPECT_EQ(OnlyError({{"kind", "hourly"}}, "schedule.kind"),
            "\"hourly\" is not a schedule kind; use one of manual, every_minutes, every_hours, "
            "daily, weekly, monthly, cron");
  EXPECT_THAT(OnlyError({{"kind", 3}}, "schedule.kind"), HasSubstr("got 3"));
  EXPECT_THAT(OnlyError(json::array(), "schedule"), HasSubstr("expected a JSON object"));
}

TEST(ParseScheduleErrorTest, MinutesHoursAndMinute) {
  EXPECT_EQ(OnlyError({{"kind", "every_minutes"}, {"minutes", 20}}, "schedule.minutes"),
            "20 is not accepted; use 15 or 30");
  EXPECT_EQ(OnlyError({{"kind", "every_minutes"}, {"minutes", "15"}}, "schedule.minutes"),
            "expected 15 or 30, got \"15\"");
  EXPECT_EQ(OnlyError({{"kind", "every_minutes"}}, "schedule.minutes"), "missing; use 15 or 30");
  EXPECT_EQ(OnlyError({{"kind", "every_hours"}, {"hours", 24}}, "schedule.hours"),
            "24 is not accepted; use a whole number of hours from 1 to 23");
  EXPECT_THAT(OnlyError({{"kind", "every_hours"}, {"hours", 0}}, "schedule.hours"),
              HasSubstr("0 is not accepted"));
  EXPECT_THAT(OnlyError({{"kind", "every_hours"}, {"hours", 1.5}}, "schedule.hours"),
              HasSubstr("got 1.5"));
  EXPECT_THAT(OnlyError({{"kind", "every_hours"}, {"hours", 1e12}}, "schedule.hours"),
              HasSubstr("expected a whole number"));
  EXPECT_THAT(OnlyError({{"kind", "every_hours"}, {"hours", 99999999999}}, "schedule.hours"),
              HasSubstr("99999999999 is not accepted"));
  EXPECT_EQ(OnlyError({{"kind", "every_hours"}, {"hours", 2}, {"minute", 60}}, "schedule.minute"),
            "60 is not accepted; use a minute past the hour from 0 to 59");
}

TEST(ParseScheduleErrorTest, Time) {
  EXPECT_EQ(OnlyError({{"kind", "daily"}, {"time", "25:00"}}, "schedule.time"),
            "\"25:00\" is not a time; use HH:MM from 00:00 to 23:59");
  for (const char* bad : {"24:00", "12:60", "2:30", "02:30:00", "ab:cd", ""}) {
    EXPECT_EQ(OnlyError({{"kind", "daily"}, {"time", bad}}, "schedule.time"),
              "\"" + std::string(bad) + "\" is not a time; use HH:MM from 00:00 to 23:59");
  }
  EXPECT_EQ(OnlyError({{"kind", "monthly"}, {"day", 1}, {"time", 230}}, "schedule.time"),
            "expected HH:MM from 00:00 to 23:59, got 230");
  EXPECT_EQ(OnlyError({{"kind", "daily"}}, "schedule.time"),
            "missing; use HH:MM from 00:00 to 23:59");
}

TEST(ParseScheduleErrorTest, Days) {
  const auto weekly = [](json days) {
    return json{{"kind", "weekly"}, {"days", std::move(days)}, {"time", "06:00"}};
  };
  EXPECT_THAT(OnlyError(weekly(json::array()), "schedule.days"), HasSubstr("no day chosen; use"));
  EXPECT_EQ(OnlyError(weekly({"mon", "monday"}), "schedule.days"),
            "\"monday\" is not a day; use mon, tue, wed, thu, fri, sat or sun");
  EXPECT_THAT(OnlyError(weekly({"Mon"}), "schedule.days"), HasSubstr("\"Mon\" is not a day"));
  EXPECT_EQ(OnlyError(weekly({"mon", "fri", "mon"}), "schedule.days"),
            "\"mon\" is listed twice; list each day once");
  EXPECT_THAT(OnlyError(weekly("mon"), "schedule.days"), HasSubstr("expected a list of days"));
  EXPECT_THAT(OnlyError(weekly({1}), "schedule.days"), HasSubstr("1 is not a day"));
  // Missing days is one problem, not also "no day chosen".
  EXPECT_THAT(OnlyError({{"kind", "weekly"}, {"time", "06:00"}}, "schedule.days"),
              HasSubstr("missing; use a list of days"));
}

TEST(ParseScheduleErrorTest, DayOfMonth) {
  for (int bad : {0, 32, -1}) {
    EXPECT_EQ(OnlyError({{"kind", "monthly"}, {"day", bad}, {"time", "00:00"}}, "schedule.day"),
              std::to_string(bad) +
                  " is not accepted; use a day of the month from 1 to 31 (days past a month's "
                  "end run on its last day)");
  }
  EXPECT_THAT(OnlyError({{"kind", "monthly"}, {"day", "1"}, {"time", "00:00"}}, "schedule.day"),
              HasSubstr("got \"1\""));
}

TEST(ParseScheduleErrorTest, TimeZone) {
  EXPECT_THAT(
      OnlyError({{"kind", "manual"}, {"time_zone", "Mars/Olympus_Mons"}}, "schedule.time_zone"),
      HasSubstr("unknown time zone \"Mars/Olympus_Mons\""));
  EXPECT_THAT(OnlyError({{"kind", "manual"}, {"time_zone", ""}}, "schedule.time_zone"),
              HasSubstr("time zone is empty"));
  EXPECT_THAT(OnlyError({{"kind", "manual"}, {"time_zone", 1}}, "schedule.time_zone"),
              HasSubstr("expected an IANA name"));
}

TEST(ParseScheduleErrorTest, KeysTheKindDoesNotTake) {
  EXPECT_EQ(
      OnlyError({{"kind", "daily"}, {"time", "02:30"}, {"tme_zone", "UTC"}}, "schedule.tme_zone"),
      "unknown key \"tme_zone\"; a daily schedule takes time and time_zone");
  EXPECT_EQ(OnlyError({{"kind", "daily"}, {"time", "02:30"}, {"days", {"mon"}}}, "schedule.days"),
            "\"days\" is not used by a daily schedule; a daily schedule takes time and time_zone");
  EXPECT_EQ(OnlyError({{"kind", "manual"}, {"minutes", 15}}, "schedule.minutes"),
            "\"minutes\" is not used by a manual schedule; a manual schedule takes only time_zone");
  EXPECT_EQ(
      OnlyError({{"kind", "cron"}, {"expression", "* * * * *"}, {"cron", "x"}}, "schedule.cron"),
      "unknown key \"cron\"; a cron schedule takes expression and time_zone");
}

TEST(ParseScheduleErrorTest, EveryProblemAtOnce) {
  const FieldErrors errors = Errors({{"kind", "weekly"},
                                     {"days", {"mon", "funday"}},
                                     {"time", "25:00"},
                                     {"time_zone", "Mars/Base"},
                                     {"every", 2}});
  std::vector<std::string> fields;
  for (const FieldError& e : errors) fields.push_back(e.field);
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre("schedule.days", "schedule.time",
                                                      "schedule.time_zone", "schedule.every"));
  // An unknown kind still gets its zone and stray keys checked.
  fields.clear();
  for (const FieldError& e :
       Errors({{"kind", "yearly"}, {"time_zone", "Nowhere"}, {"time", "02:00"}, {"when", 1}})) {
    fields.push_back(e.field);
  }
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre("schedule.kind", "schedule.time_zone",
                                                      "schedule.when"));
}

TEST(ParseScheduleErrorTest, CronFieldCountAndUnsupportedSyntax) {
  EXPECT_THAT(CronError("0 0 * *"), HasSubstr("\"0 0 * *\" has 4 fields; use exactly five"));
  EXPECT_THAT(CronError("0 0 0 * * *"), HasSubstr("has 6 fields"));
  EXPECT_THAT(CronError("0 0 0 * * *"), HasSubstr("no seconds or years"));
  EXPECT_THAT(CronError("   "), HasSubstr("the expression is empty"));
  EXPECT_THAT(CronError("@daily"), HasSubstr("macros such as \"@daily\" are not supported"));
  for (const char* bad : {"0 0 L * *", "0 0 15W * *", "0 0 * * 1#2", "0 0 ? * 1", "0 0 * * 5L"}) {
    EXPECT_THAT(CronError(bad), HasSubstr("L, W, # and ? are not supported")) << bad;
  }
  EXPECT_EQ(OnlyError({{"kind", "cron"}}, "schedule.cron"),
            "missing; use five cron fields: minute hour day-of-month month day-of-week, e.g. "
            "\"0 */2 * * 1-5\"");
}

TEST(ParseScheduleErrorTest, CronValues) {
  EXPECT_EQ(CronError("60 * * * *"), "minute field \"60\": 60 is out of range; use 0-59");
  EXPECT_THAT(CronError("0 24 * * *"), HasSubstr("hour field \"24\""));
  EXPECT_THAT(CronError("0 0 0 * *"), HasSubstr("day-of-month field \"0\": 0 is out of range"));
  EXPECT_THAT(CronError("0 0 * 13 *"), HasSubstr("use 1-12 or jan-dec"));
  EXPECT_THAT(CronError("0 0 * * 8"), HasSubstr("use 0-7 or sun-sat"));
  EXPECT_THAT(CronError("0 0 * foo *"), HasSubstr("\"foo\" is not a month value"));
  EXPECT_THAT(CronError("*/0 * * * *"), HasSubstr("step 0; a step must be 1 or more"));
  EXPECT_THAT(CronError("0 0-23/0 * * *"), HasSubstr("step 0"));
  EXPECT_THAT(CronError("*/x * * * *"), HasSubstr("the step must be a whole number"));
  EXPECT_THAT(CronError("5/15 * * * *"), HasSubstr("a step needs * or a range before it"));
  EXPECT_THAT(CronError("0 9-5 * * *"), HasSubstr("the range 9-5 runs backwards"));
  EXPECT_THAT(CronError("0 0 1,,2 * *"), HasSubstr("an empty list item"));
  EXPECT_THAT(CronError("0 0 * * mon-sun"), HasSubstr("runs backwards"));
  // Every bad field is reported, in one message.
  const std::string both = CronError("60 24 * * *");
  EXPECT_THAT(both, HasSubstr("minute field"));
  EXPECT_THAT(both, HasSubstr("hour field"));
}

TEST(ParseScheduleErrorTest, CronThatCanNeverFire) {
  for (const char* never : {"0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 30-31 feb *"}) {
    EXPECT_THAT(CronError(never), HasSubstr("can never fire")) << never;
  }
  // With both day fields restricted the weekday alone can fire, so these are fine.
  EXPECT_EQ(Cron("0 0 30 2 mon").cron, "0 0 30 2 mon");
  EXPECT_EQ(Cron("0 0 29 2 *").cron, "0 0 29 2 *");
}

// --- DescribeSchedule ----------------------------------------------------------------------

TEST(DescribeScheduleTest, OneLinePerKind) {
  EXPECT_EQ(DescribeSchedule(Schedule{}), "Manually");
  EXPECT_EQ(DescribeSchedule(EveryMinutes(15, "UTC")), "Every 15 minutes");
  EXPECT_EQ(DescribeSchedule(EveryHours(1, 30, "UTC")), "Every hour at :30 (UTC)");
  EXPECT_EQ(DescribeSchedule(EveryHours(5, 10, "UTC")), "Every 5 hours from 00:10 to 20:10 (UTC)");
  EXPECT_EQ(DescribeSchedule(EveryHours(6, 0, "UTC")),
            "Every 6 hours, at 00:00, 06:00, 12:00 and 18:00 (UTC)");
  EXPECT_EQ(DescribeSchedule(Daily("02:30", "Europe/Paris")), "Every day at 02:30 (Europe/Paris)");
  EXPECT_EQ(
      DescribeSchedule(Parsed({{"kind", "weekly"}, {"days", {"thu", "mon"}}, {"time", "06:00"}})),
      "Mondays and Thursdays at 06:00 (UTC)");
  EXPECT_EQ(DescribeSchedule(
                Parsed({{"kind", "weekly"}, {"days", {"sun", "wed", "fri"}}, {"time", "06:00"}})),
            "Wednesdays, Fridays and Sundays at 06:00 (UTC)");
  EXPECT_EQ(DescribeSchedule(Monthly(31)),
            "On day 31 of every month (the last day in shorter months) at 00:00 (UTC)");
  EXPECT_EQ(DescribeSchedule(Monthly(5, "07:15")), "On day 5 of every month at 07:15 (UTC)");
  EXPECT_EQ(DescribeSchedule(Cron("0 */2 * * 1-5")), "Cron 0 */2 * * 1-5 (UTC)");
}

// --- Properties ----------------------------------------------------------------------------
//
// The oracle: which instants fire, decided per instant from the local time the tz data gives,
// against rules built from the generator's own description of the schedule (for cron, the
// value sets the text was rendered from), never from the module's parser or search.

const std::vector<std::string> kZones = {
    "UTC",           "America/New_York",    "Europe/London",      "Europe/Paris",
    "Europe/Dublin", "Australia/Lord_Howe", "Australia/Adelaide", "Asia/Kathmandu",
    "Asia/Tehran",   "America/Santiago",    "America/Havana",     "America/St_Johns",
    "Pacific/Apia",  "Pacific/Chatham",     "Antarctica/Troll",   "Africa/Casablanca",
};

constexpr std::array<unsigned, 13> kMaxDays = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

// What fires, independently of the module.
struct Rule {
  bool instants = false;  // every_minutes/every_hours: every instant whose local time matches
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;
  std::bitset<13> months;
  std::bitset<7> weekdays;
  bool either_day = false;
  int monthly_day = 0;  // monthly: this day, or the month's last if shorter
};

Rule EveryDay() {
  Rule r;
  for (int d = 1; d <= 31; ++d) r.days.set(d);
  for (int m = 1; m <= 12; ++m) r.months.set(m);
  r.weekdays.set();
  return r;
}

bool Matches(const Rule& r, LocalMinutes t) {
  const date::local_days day = std::chrono::floor<date::days>(t);
  const date::hh_mm_ss<minutes> tod{t - day};
  const date::year_month_day ymd{day};
  const unsigned d = static_cast<unsigned>(ymd.day());
  if (!r.minutes[tod.minutes().count()] || !r.hours[tod.hours().count()] ||
      !r.months[static_cast<unsigned>(ymd.month())]) {
    return false;
  }
  if (r.monthly_day > 0) {
    const unsigned last = static_cast<unsigned>((ymd.year() / ymd.month() / date::last).day());
    return d == std::min(static_cast<unsigned>(r.monthly_day), last);
  }
  const bool dom = r.days[d];
  const bool dow = r.weekdays[date::weekday{day}.c_encoding()];
  return r.either_day ? dom || dow : dom && dow;
}

bool CanFire(const Rule& r) {
  if (r.either_day) return true;
  for (unsigned m = 1; m <= 12; ++m) {
    for (unsigned d = 1; d <= kMaxDays[m]; ++d) {
      if (r.months[m] && r.days[d]) return true;
    }
  }
  return false;
}

// Whether instant t fires, by the documented rules; caches the zone's current and previous
// offsets so a scan over weeks of minutes stays cheap.
class Oracle {
 public:
  Oracle(const date::time_zone& zone, const Rule& rule) : zone_(zone), rule_(rule) {}

  bool Fires(SysMs t) {
    if (t != std::chrono::floor<minutes>(t)) return false;
    const auto sec = std::chrono::floor<std::chrono::seconds>(t);
    if (sec < info_.begin || sec >= info_.end) {
      info_ = zone_.get_info(sec);
      previous_ = zone_.get_info(info_.begin - std::chrono::seconds{1});
    }
    const LocalMinutes local{std::chrono::floor<minutes>(t.time_since_epoch() + info_.offset)};
    if (rule_.instants) return Matches(rule_, local);
    // A local time the previous offset already showed is a second occurrence: never fires.
    const LocalMinutes previous_end{
        std::chrono::floor<minutes>(info_.begin.time_since_epoch() + previous_.offset)};
    if (Matches(rule_, local) && !(previous_.offset > info_.offset && local < previous_end)) {
      return true;
    }
    // The first instant after a gap fires for every matching local time the gap swallowed.
    if (sec == info_.begin && previous_.offset < info_.offset) {
      for (LocalMinutes skipped = previous_end; skipped < local; skipped += minutes{1}) {
        if (Matches(rule_, skipped)) return true;
      }
    }
    return false;
  }

 private:
  const date::time_zone& zone_;
  Rule rule_;
  date::sys_info info_{};
  date::sys_info previous_{};
};

struct Case {
  Schedule schedule;
  Rule rule;
};

void showValue(const Case& c, std::ostream& os) { os << ScheduleToJson(c.schedule).dump(); }

rc::Gen<int> Minute() {
  return rc::gen::oneOf(rc::gen::element(0, 15, 30, 45), rc::gen::inRange(0, 60));
}
// Biased to the small hours, where DST changes happen.
rc::Gen<int> Hour() {
  return rc::gen::oneOf(rc::gen::element(0, 1, 2, 3, 23), rc::gen::inRange(0, 24));
}

// One cron field: a list of items rendered from value ranges, and the values they stand for.
struct CronFieldGen {
  int lo, hi;
  std::vector<std::string> names;  // names[i] is the value first_named + i
  int first_named;
};

const std::array<CronFieldGen, 5> kCronFieldGens = {{
    {0, 59, {}, 0},
    {0, 23, {}, 0},
    {1, 31, {}, 0},
    {1,
     12,
     {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"},
     1},
    {0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}, 0},
}};

std::string CronValueText(const CronFieldGen& f, int v, bool named) {
  const int i = v - f.first_named;
  if (named && i >= 0 && i < static_cast<int>(f.names.size())) return f.names[i];
  return std::to_string(v);
}

// Draws one field; returns its text, and sets its values and whether it starts with '*'.
std::string DrawCronField(const CronFieldGen& f, uint64_t& values, bool& star) {
  const int items = *rc::gen::inRange(1, 4);
  std::string text;
  for (int i = 0; i < items; ++i) {
    const int shape = *rc::gen::inRange(0, 5);  // *, */n, a, a-b, a-b/n
    int lo = f.lo, hi = f.hi, step = 1;
    std::string item;
    const bool named = *rc::gen::arbitrary<bool>();
    if (shape <= 1) {
      item = "*";
    } else {
      lo = *rc::gen::inRange(f.lo, f.hi + 1);
      hi = shape == 2 ? lo : *rc::gen::inRange(lo, f.hi + 1);
      item = CronValueText(f, lo, named);
      if (shape > 2) item += "-" + CronValueText(f, hi, named);
    }
    if (shape == 1 || shape == 4) {
      step = *rc::gen::inRange(1, f.hi - f.lo + 2);
      item += "/" + std::to_string(step);
    }
    if (i == 0) star = shape <= 1;
    for (int v = lo; v <= hi; v += step) values |= uint64_t{1} << (v == 7 && f.hi == 7 ? 0 : v);
    text += (i ? "," : "") + item;
  }
  return text;
}

Case DrawCron() {
  Case c;
  std::array<uint64_t, 5> values{};
  std::array<bool, 5> star{};
  std::string text;
  for (size_t i = 0; i < 5; ++i) {
    text += (i ? " " : "") + DrawCronField(kCronFieldGens[i], values[i], star[i]);
  }
  c.schedule.kind = ScheduleKind::kCron;
  c.schedule.cron = text;
  c.rule.minutes = std::bitset<60>(values[0]);
  c.rule.hours = std::bitset<24>(values[1]);
  c.rule.days = std::bitset<32>(values[2]);
  c.rule.months = std::bitset<13>(values[3]);
  c.rule.weekdays = std::bitset<7>(values[4]);
  c.rule.either_day = !star[2] && !star[4];
  return c;
}

// A schedule in `zone`. With a `hint` (a local time of day where the zone's clock jumps), the
// wall-clock kinds often fire near it, so DST gaps and repeats are met often.
Case DrawCase(bool with_manual, const std::string& zone, std::optional<minutes> hint) {
  Case c;
  const int kind = *rc::gen::inRange(with_manual ? 0 : 1, 7);
  if (kind == 6) {
    c = *rc::gen::suchThat(rc::gen::exec(DrawCron), [](const Case& x) { return CanFire(x.rule); });
  }
  Schedule& s = c.schedule;
  s.kind = static_cast<ScheduleKind>(kind);
  s.time_zone = zone;
  Rule& r = c.rule;
  switch (s.kind) {
    case ScheduleKind::kManual:
    case ScheduleKind::kCron:
      break;
    case ScheduleKind::kEveryMinutes:
      s.every_minutes = *rc::gen::element(15, 30);
      r = EveryDay();
      r.instants = true;
      r.hours.set();
      for (int m = 0; m < 60; m += s.every_minutes) r.minutes.set(m);
      break;
    case ScheduleKind::kEveryHours:
      s.every_hours = *rc::gen::oneOf(rc::gen::just(1), rc::gen::inRange(1, 24));
      s.minute = *Minute();
      r = EveryDay();
      r.instants = true;
      r.minutes.set(s.minute);
      for (int h = 0; h < 24; h += s.every_hours) r.hours.set(h);
      break;
    case ScheduleKind::kDaily:
    case ScheduleKind::kWeekly:
    case ScheduleKind::kMonthly:
      if (hint && *rc::gen::arbitrary<bool>()) {
        const auto tod =
            (*hint + minutes{*rc::gen::inRange(-60, 150)} + date::days{1}) % date::days{1};
        s.hour = static_cast<int>(tod / std::chrono::hours{1});
        s.minute = static_cast<int>(tod % std::chrono::hours{1} / minutes{1});
      } else {
        s.hour = *Hour();
        s.minute = *Minute();
      }
      r = EveryDay();
      r.hours.set(s.hour);
      r.minutes.set(s.minute);
      if (s.kind == ScheduleKind::kWeekly) {
        r.weekdays = std::bitset<7>(*rc::gen::inRange(1, 128));
        for (int d = 0; d < 7; ++d) {
          if (r.weekdays[d]) s.weekdays.push_back(d);
        }
      }
      if (s.kind == ScheduleKind::kMonthly) {
        s.day_of_month = *rc::gen::oneOf(rc::gen::element(28, 29, 30, 31), rc::gen::inRange(1, 32));
        r.monthly_day = s.day_of_month;
      }
      break;
  }
  return c;
}

// Drawn at full size: rapidcheck's small early sizes would keep kinds, zones and instants near
// the low ends of their ranges.
rc::Gen<Case> AnyCase() {
  return rc::gen::resize(rc::kNominalSize, rc::gen::exec([] {
                           return DrawCase(true, *rc::gen::elementOf(kZones), std::nullopt);
                         }));
}

struct Input {
  Case c;
  SysMs after;
};

void showValue(const Input& in, std::ostream& os) {
  showValue(in.c, os);
  os << " after " << Local(in.after, "UTC") << " = " << Local(in.after, in.c.schedule.time_zone)
     << " (" << in.after.time_since_epoch().count() << " ms)";
}

rc::Gen<Input> AnyInput() {
  return rc::gen::resize(
      rc::kNominalSize, rc::gen::exec([] {
        const std::string zone_name = *rc::gen::elementOf(kZones);
        const date::time_zone& zone = *date::locate_zone(zone_name);
        // An instant in 2000..2040, half the time within hours or days of a change of offset.
        const SysMs lo{date::sys_days{date::year{2000} / 1 / 1}};
        const SysMs hi{date::sys_days{date::year{2040} / 1 / 1}};
        SysMs after{milliseconds{
            *rc::gen::inRange(lo.time_since_epoch().count(), hi.time_since_epoch().count())}};
        std::optional<minutes> hint;
        if (*rc::gen::arbitrary<bool>()) {
          const auto info = zone.get_info(std::chrono::floor<std::chrono::seconds>(after));
          const auto edge = *rc::gen::arbitrary<bool>() ? info.begin : info.end;
          if (edge > lo && edge < hi) {
            const int64_t reach = *rc::gen::element(int64_t{3} * 3600'000, int64_t{50} * 3600'000);
            after = edge + milliseconds{*rc::gen::inRange(-reach, reach)};
            // Where the local clock jumps from or to, whichever is earlier.
            const auto offset = std::min(zone.get_info(edge - std::chrono::seconds{1}).offset,
                                         zone.get_info(edge).offset);
            hint = std::chrono::floor<minutes>((edge.time_since_epoch() + offset) % date::days{1});
          }
        }
        if (*rc::gen::arbitrary<bool>()) after = std::chrono::floor<minutes>(after);
        return Input{DrawCase(false, zone_name, hint), after};
      }));
}

// Rapidcheck runs 100 cases; each checks a batch, because a DST mistake shows up in only a
// fraction of a percent of random inputs.
rc::Gen<std::vector<Input>> Inputs() {
  return rc::gen::container<std::vector<Input>>(25, AnyInput());
}

std::string Shown(const Input& in) {
  std::ostringstream os;
  showValue(in, os);
  return os.str();
}

// (a) later than `after`, (b) a firing time, (c) nothing fires in between (checked by a minute
// scan of up to 40 days).
RC_GTEST_PROP(SchedulePropertyTest, NextRunIsTheFirstFiringTimeAfter, ()) {
  for (const Input& in : *Inputs()) {
    const std::string& zone = in.c.schedule.time_zone;
    const auto next = NextRun(in.c.schedule, in.after);
    if (!next || *next <= in.after) RC_FAIL(Shown(in) + ": no run, or not after");
    Oracle oracle(*date::locate_zone(zone), in.c.rule);
    if (!oracle.Fires(*next)) RC_FAIL(Shown(in) + ": nothing fires at " + Local(*next, zone));
    const SysMs horizon = std::min(*next, in.after + date::days{40});
    for (SysMs t = std::chrono::ceil<minutes>(in.after + milliseconds{1}); t < horizon;
         t += minutes{1}) {
      if (oracle.Fires(t)) {
        RC_FAIL(Shown(in) + ": skipped " + Local(t, zone) + ", returned " + Local(*next, zone));
      }
    }
  }
}

// (d) asking again just before the answer gives the same answer.
RC_GTEST_PROP(SchedulePropertyTest, NextRunIsStableJustBeforeItsAnswer, ()) {
  for (const Input& in : *Inputs()) {
    const auto next = NextRun(in.c.schedule, in.after);
    if (!next || NextRun(in.c.schedule, *next - milliseconds{1}) != next) RC_FAIL(Shown(in));
  }
}

// (e) the JSON form round-trips, for every kind.
RC_GTEST_PROP(SchedulePropertyTest, JsonRoundTrips, ()) {
  const Case c = *AnyCase();
  const json form = ScheduleToJson(c.schedule);
  const auto parsed = ParseSchedule(form);
  if (!parsed) RC_FAIL(form.dump() + ": " + parsed.error().front().message);
  RC_ASSERT(*parsed == c.schedule);
  RC_ASSERT(ScheduleToJson(*parsed) == form);
}

}  // namespace
}  // namespace s3u::service
