// The "specific day" of a run as a time window: day N before today in the job's time zone,
// as a half-open UTC interval [start, end). Pure: "now" and the zone are inputs.
//
// A local day is not always 24 hours: DST days last 23 or 25 hours (America/New_York),
// 23.5 or 24.5 (Australia/Lord_Howe), and where midnight itself is skipped by a transition
// the day starts at the first instant that exists (the transition). DATETIME values are UTC
// in Domo, so a DATETIME column is filtered by [start_utc, end_utc); a DATE column carries no
// zone and is filtered by equality with the local date.
//
// Thread-safety: pure functions over immutable tz data.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.h"
#include "table/types.h"

namespace date {
class time_zone;
}

namespace s3u::table {

struct DayWindow {
  Days local_date;    // the day in the job's zone
  Seconds start_utc;  // first instant of the local day
  Seconds end_utc;    // first instant of the next local day
  std::string zone;   // IANA name

  std::chrono::seconds length() const { return end_utc - start_utc; }
};

// Looks up an IANA zone name ("UTC", "America/New_York"). kInvalidArgument with `subject` as
// the field, saying the name is unknown and giving examples, when tzdata has no such zone.
Result<const date::time_zone*> FindTimeZone(std::string_view name, std::string_view subject);

// The local date of `now` in `zone`: "today" for the job.
Days LocalToday(std::chrono::system_clock::time_point now, const date::time_zone& zone);

// REQUIRES: days_ago >= 0 (validated by the job spec). The window of the local day that was
// `days_ago` days before the local date of `now` in `zone`.
DayWindow ResolveDayWindow(std::chrono::system_clock::time_point now, const date::time_zone& zone,
                           int days_ago);

// The window of a given local date in `zone` (for re-running a past day explicitly).
DayWindow WindowForDate(Days local_date, const date::time_zone& zone);

}  // namespace s3u::table
