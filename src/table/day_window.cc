#include "table/day_window.h"

#include <date/tz.h>

#include <exception>

namespace s3u::table {
namespace {

// The first instant of local day `d`. date::choose::earliest resolves an ambiguous midnight
// (clocks set back over it) to its first occurrence and a skipped midnight (clocks set forward
// over it) to the transition instant, which is the first instant of the day that exists.
Seconds StartOfLocalDay(const date::time_zone& zone, Days d) {
  const date::local_seconds midnight{d.time_since_epoch()};
  return std::chrono::floor<std::chrono::seconds>(zone.to_sys(midnight, date::choose::earliest));
}

}  // namespace

Result<const date::time_zone*> FindTimeZone(std::string_view name, std::string_view subject) {
  if (name.empty()) {
    return Fail(ErrorCode::kInvalidArgument, std::string(subject),
                "time zone is empty; give an IANA name such as UTC, America/New_York or "
                "Europe/Paris");
  }
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return Fail(ErrorCode::kInvalidArgument, std::string(subject),
                "unknown time zone \"" + std::string(name) +
                    "\"; give an IANA name such as UTC, America/New_York or Europe/Paris "
                    "(see /usr/share/zoneinfo)");
  }
}

DayWindow WindowForDate(Days local_date, const date::time_zone& zone) {
  return DayWindow{local_date, StartOfLocalDay(zone, local_date),
                   StartOfLocalDay(zone, local_date + date::days{1}), std::string(zone.name())};
}

Days LocalToday(std::chrono::system_clock::time_point now, const date::time_zone& zone) {
  const auto local_now = zone.to_local(std::chrono::floor<std::chrono::seconds>(now));
  return Days{std::chrono::floor<date::days>(local_now).time_since_epoch()};
}

DayWindow ResolveDayWindow(std::chrono::system_clock::time_point now, const date::time_zone& zone,
                           int days_ago) {
  return WindowForDate(LocalToday(now, zone) - date::days{days_ago}, zone);
}

}  // namespace s3u::table
