// The days of a backfill: an inclusive range of local dates ["from", "to"] in the job's time
// zone, turned into the list the runs go through, oldest first. Pure: "now" and the zone are
// inputs.
//
// The rules (docs/decisions.md, "Backfill"):
//   - dates are "YYYY-MM-DD" calendar dates in the job's own zone (details.time_zone), the
//     zone its day windows are in; both ends are included;
//   - "from" after "to" is refused (field "to"), as is a date after today in that zone (field
//     of the date: a day that has not begun has no rows); today is allowed, like
//     specific_day 0, and unloads the day so far;
//   - at most kMaxBackfillDays days, and no date more than kMaxDaysAgo days ago (the job's
//     own limit on details.specific_day);
//   - a day is a calendar day whatever its length: a DST day of 23 or 25 hours is one day,
//     and its window (day_window.h) is what the run unloads.
// A run names its day as "N days ago" (specific_day); DaysAgo converts a date at the moment
// its run starts, so a backfill that crosses local midnight still unloads the dates asked for.
//
// Thread-safety: pure functions over immutable tz data.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "table/types.h"

namespace date {
class time_zone;
}

namespace s3u::table {

// 366: a leap year, the longest "last year" a user would ask for in one go.
inline constexpr int kMaxBackfillDays = 366;
// The job spec's upper bound on details.specific_day.
inline constexpr int kMaxDaysAgo = 3650;

// The dates from `from` to `to` (both "YYYY-MM-DD"), oldest first; or every problem, each
// on the field `from_field` or `to_field` (a date unreadable, or a rule above broken).
Checked<std::vector<Days>> BackfillDates(std::string_view from, std::string_view to,
                                         std::chrono::system_clock::time_point now,
                                         const date::time_zone& zone, std::string_view from_field,
                                         std::string_view to_field);

// How many days before the local date of `now` in `zone` `day` is (0: today). Negative for a
// future date.
int DaysAgo(Days day, std::chrono::system_clock::time_point now, const date::time_zone& zone);

}  // namespace s3u::table
