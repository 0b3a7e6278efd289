#include "table/day_range.h"

#include <date/tz.h>

#include <string>

#include "table/day_window.h"

namespace s3u::table {

int DaysAgo(Days day, std::chrono::system_clock::time_point now, const date::time_zone& zone) {
  return static_cast<int>((LocalToday(now, zone) - day).count());
}

Checked<std::vector<Days>> BackfillDates(std::string_view from, std::string_view to,
                                         std::chrono::system_clock::time_point now,
                                         const date::time_zone& zone, std::string_view from_field,
                                         std::string_view to_field) {
  FieldErrors errors;
  const Days today = LocalToday(now, zone);
  const std::string zone_name(zone.name());
  auto read = [&](std::string_view text, std::string_view field) -> std::optional<Days> {
    const std::optional<Days> day = ParseDate(text);
    if (!day) {
      errors.push_back({std::string(field), "expected a date as YYYY-MM-DD, such as 2026-03-01"});
    } else if (*day > today) {
      errors.push_back({std::string(field), FormatDate(*day) + " has not begun yet in " +
                                                zone_name + " (today there is " +
                                                FormatDate(today) + ")"});
    } else if ((today - *day).count() > kMaxDaysAgo) {
      errors.push_back({std::string(field), "at most " + std::to_string(kMaxDaysAgo) +
                                                " days ago (the oldest is " +
                                                FormatDate(today - date::days{kMaxDaysAgo}) + ")"});
    }
    return day;
  };
  const std::optional<Days> first = read(from, from_field);
  const std::optional<Days> last = read(to, to_field);
  if (first && last && *first > *last) {
    errors.push_back({std::string(to_field), "must be on or after " + std::string(from_field) +
                                                 " (" + FormatDate(*first) + ")"});
  } else if (first && last && (*last - *first).count() + 1 > kMaxBackfillDays) {
    errors.push_back({std::string(to_field),
                      "at most " + std::to_string(kMaxBackfillDays) + " days in one backfill (" +
                          FormatDate(*first) + " to " + FormatDate(*last) + " is " +
                          std::to_string((*last - *first).count() + 1) + "); split the range"});
  }
  if (!errors.empty()) return tl::unexpected<FieldErrors>(std::move(errors));
  std::vector<Days> days;
  for (Days d = *first; d <= *last; d += date::days{1}) days.push_back(d);
  return days;
}

}  // namespace s3u::table
