// The Scheduling pane of a connector: what the user chose (manually, every 15/30 minutes, every N
// hours, daily, weekly, monthly or a five-field cron, all in an IANA time zone), its JSON form
// for the API and the page, its one-line description, and the pure next-run function the
// service's scheduler calls. Pure: no I/O, no clock reads; "now" is an argument. docs/schedules.md
// is the user's reference for the rules below.
//
// When a schedule fires:
// - every_minutes N (15 or 30): at every instant whose LOCAL minute-of-hour is a multiple of N
//   (Asia/Kathmandu, +05:45, fires at local :00/:15/..., i.e. UTC :15/:30/...). Instants, not
//   wall-clock times: through a DST change it keeps firing every N minutes of real time.
// - every_hours N (1..23) at minute M: at every instant whose local time is HH:M with HH a
//   multiple of N from local midnight (0, N, 2N, ... < 24), so when 24 is not a multiple of N
//   the last gap of the day is shorter (N=5: 00, 05, 10, 15, 20, then 00 after 4 hours). Also
//   instants: a repeated (fall-back) matching time fires at both occurrences, a matching time
//   skipped by a spring-forward gap does not fire; "every hour" stays every real hour.
// - daily, weekly, monthly, cron: local wall-clock times. A time skipped by a DST jump forward
//   fires once at the first instant after the gap (02:30 on a New York spring-forward day fires
//   at 03:00 EDT); a time that occurs twice (fall back) fires once, at its first occurrence.
//   Monthly day D beyond a month's length fires on the month's last day.
// - cron: minute hour day-of-month month day-of-week with *, numbers, a-b, lists, */n, a-b/n,
//   jan-dec, sun-sat, 0 and 7 both Sunday. As in Vixie cron, when neither day field starts
//   with '*' a day matches if EITHER matches, otherwise both must. No L, W, #, ?, seconds or
//   @macros.
// Caveat: the tz library reads only the transitions listed in /usr/share/zoneinfo, which end in
// 2037; later dates keep the offset in force after the last one (HowardHinnant/date#794).
//
// Thread-safety: pure functions over immutable tz data.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace s3u::service {

enum class ScheduleKind { kManual, kEveryMinutes, kEveryHours, kDaily, kWeekly, kMonthly, kCron };

// Fields a kind does not use keep their defaults (ParseSchedule leaves them so), which makes
// operator== meaningful.
struct Schedule {
  ScheduleKind kind = ScheduleKind::kManual;
  int every_minutes = 15;         // kEveryMinutes: 15 or 30
  int every_hours = 1;            // kEveryHours: 1..23
  int hour = 0, minute = 0;       // kDaily/kWeekly/kMonthly: HH:MM local; kEveryHours: minute past
  std::vector<int> weekdays;      // kWeekly: 0=Sunday..6=Saturday, sorted, unique, non-empty
  int day_of_month = 1;           // kMonthly: 1..31
  std::string cron;               // kCron: five fields separated by single spaces
  std::string time_zone = "UTC";  // IANA name; every kind is evaluated in it
  bool operator==(const Schedule&) const = default;
};

using SysMs = std::chrono::sys_time<std::chrono::milliseconds>;

// The API/page form: {"kind":"manual"}, {"kind":"every_minutes","minutes":15},
// {"kind":"every_hours","hours":6,"minute":0} ("minute" optional, default 0),
// {"kind":"daily","time":"02:30"}, {"kind":"weekly","days":["mon","thu"],"time":"06:00"},
// {"kind":"monthly","day":31,"time":"00:00"}, {"kind":"cron","expression":"0 */2 * * 1-5"};
// every kind also takes "time_zone" (default "UTC"). Reports every problem at once, with fields
// "schedule.kind", ".minutes", ".hours", ".minute", ".time", ".days", ".day", ".cron" (the
// "expression" key), ".time_zone", "schedule.<key>" for a key the kind does not take, and
// "schedule" when the form is not an object. The cron text is stored with single spaces.
Checked<Schedule> ParseSchedule(const nlohmann::json& form);

// The form of `s` for its kind (always with "time_zone"); ParseSchedule gives `s` back.
nlohmann::json ScheduleToJson(const Schedule& s);

// The first fire time strictly after `after`; nullopt for kManual, and for a schedule that
// ParseSchedule would reject (e.g. a stored zone tzdata no longer has), which never fires.
// Cost: a few tz lookups; rare crons (Feb 29 on a Sunday) skip whole months and stay bounded.
std::optional<SysMs> NextRun(const Schedule& s, SysMs after);

// One line for the page: "Every day at 02:30 (Europe/Paris)", "Every 15 minutes",
// "Mondays and Thursdays at 06:00 (UTC)", "Cron 0 */2 * * 1-5 (UTC)", "Manually", ...
std::string DescribeSchedule(const Schedule& s);

}  // namespace s3u::service
