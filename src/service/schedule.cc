#include "service/schedule.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <cctype>
#include <span>
#include <string_view>
#include <variant>

#include "table/day_window.h"

namespace s3u::service {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using LocalMinutes = date::local_time<minutes>;
using nlohmann::json;

constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed",
                                                       "thu", "fri", "sat"};
constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
// Forms, descriptions and docs list days Monday first.
constexpr std::array<int, 7> kWeekOrder = {1, 2, 3, 4, 5, 6, 0};
constexpr std::array<std::string_view, 7> kDayPlurals = {
    "Sundays", "Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays"};
constexpr std::array<unsigned, 13> kMaxMonthDays = {0,  31, 29, 31, 30, 31, 30,
                                                    31, 31, 30, 31, 30, 31};

// What each field accepts, shared by the "missing", "expected" and "not accepted" messages.
constexpr std::string_view kKindAccepted =
    "one of manual, every_minutes, every_hours, daily, weekly, monthly, cron";
constexpr std::string_view kMinutesAccepted = "15 or 30";
constexpr std::string_view kHoursAccepted = "a whole number of hours from 1 to 23";
constexpr std::string_view kMinuteAccepted = "a minute past the hour from 0 to 59";
constexpr std::string_view kTimeAccepted = "HH:MM from 00:00 to 23:59";
constexpr std::string_view kDaysAccepted =
    "a list of days such as [\"mon\", \"thu\"], each one of mon, tue, wed, thu, fri, sat, sun";
constexpr std::string_view kDayAccepted =
    "a day of the month from 1 to 31 (days past a month's end run on its last day)";
constexpr std::string_view kCronAccepted =
    "five cron fields: minute hour day-of-month month day-of-week, e.g. \"0 */2 * * 1-5\"";
constexpr std::string_view kZoneAccepted =
    "an IANA name such as UTC, America/New_York or Europe/Paris";

// A JSON value quoted in a message, cut short so a huge body cannot flood the reply.
std::string Shown(const json& v) {
  std::string text = v.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

std::string JoinAnd(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " and " : ", ";
    out += items[i];
  }
  return out;
}

std::string HhMm(int hour, int minute) { return fmt::format("{:02}:{:02}", hour, minute); }

std::string NotATime(std::string_view text) {
  return fmt::format("\"{}\" is not a time; use {}", text, kTimeAccepted);
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Up to 9 digits, so the value fits an int; nullopt otherwise.
std::optional<int> SmallNumber(std::string_view s) {
  if (!AllDigits(s) || s.size() > 9) return std::nullopt;
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// --- Cron ----------------------------------------------------------------------------------

// Which local wall-clock minutes fire: daily, weekly, monthly and cron all compile to this.
struct Calendar {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;     // 1..31
  std::bitset<13> months;   // 1..12
  std::bitset<7> weekdays;  // 0 = Sunday
  bool either_day = false;  // Vixie: both day fields restricted -> either may match
  bool clamp_days = false;  // monthly: a day past the month's end fires on its last day
};

Calendar EveryDayAt(int hour, int minute) {
  Calendar c;
  c.minutes.set(minute);
  c.hours.set(hour);
  c.days.set();
  c.days.reset(0);
  c.months.set();
  c.months.reset(0);
  c.weekdays.set();
  return c;
}

struct CronFieldSpec {
  std::string_view name;
  int lo, hi;
  std::span<const std::string_view> names;  // names[i] is the value first_named + i
  int first_named;
  std::string_view accepted;
};

constexpr std::array<CronFieldSpec, 5> kCronFields = {{
    {"minute", 0, 59, {}, 0, "0-59"},
    {"hour", 0, 23, {}, 0, "0-23"},
    {"day-of-month", 1, 31, {}, 0, "1-31"},
    {"month", 1, 12, kMonthNames, 1, "1-12 or jan-dec"},
    {"day-of-week", 0, 7, kDayNames, 0, "0-7 or sun-sat (0 and 7 are both Sunday)"},
}};

constexpr std::string_view kCronSyntax =
    "use *, numbers, names, ranges a-b, lists a,b and steps */n or a-b/n";

tl::expected<int, std::string> CronValue(std::string_view text, const CronFieldSpec& spec) {
  if (AllDigits(text)) {
    const auto v = SmallNumber(text);
    if (!v || *v < spec.lo || *v > spec.hi) {
      return tl::unexpected(fmt::format("{} is out of range; use {}", text, spec.accepted));
    }
    return *v;
  }
  for (size_t i = 0; i < spec.names.size(); ++i) {
    const std::string_view name = spec.names[i];
    if (text.size() == name.size() &&
        std::equal(text.begin(), text.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      return spec.first_named + static_cast<int>(i);
    }
  }
  if (text.find_first_of("LlWw#?") != std::string_view::npos) {
    return tl::unexpected(
        fmt::format("\"{}\": L, W, # and ? are not supported; {}", text, kCronSyntax));
  }
  return tl::unexpected(
      fmt::format("\"{}\" is not a {} value; use {}", text, spec.name, spec.accepted));
}

// The values of one field as bits, or what is wrong with it.
tl::expected<uint64_t, std::string> CronFieldBits(std::string_view text,
                                                  const CronFieldSpec& spec) {
  uint64_t bits = 0;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string_view item = text.substr(start, comma - start);
    if (item.empty()) return tl::unexpected(fmt::format("an empty list item; {}", kCronSyntax));
    const size_t slash = item.find('/');
    const std::string_view base = item.substr(0, slash);
    int lo = spec.lo, hi = spec.hi, step = 1;
    if (base != "*") {
      const size_t dash = base.find('-');
      const auto first = CronValue(base.substr(0, dash), spec);
      if (!first) return tl::unexpected(first.error());
      lo = hi = *first;
      if (dash != std::string_view::npos) {
        const auto last = CronValue(base.substr(dash + 1), spec);
        if (!last) return tl::unexpected(last.error());
        hi = *last;
        if (lo > hi) {
          return tl::unexpected(
              fmt::format("the range {} runs backwards; write the smaller value first", base));
        }
      } else if (slash != std::string_view::npos) {
        return tl::unexpected(
            fmt::format("\"{}\": a step needs * or a range before it, e.g. */15 or 0-30/15", item));
      }
    }
    if (slash != std::string_view::npos) {
      const auto n = SmallNumber(item.substr(slash + 1));
      if (!n) {
        return tl::unexpected(
            fmt::format("\"{}\": the step must be a whole number", item.substr(slash + 1)));
      }
      if (*n == 0) {
        return tl::unexpected(fmt::format("\"{}\": step 0; a step must be 1 or more", item));
      }
      step = *n;
    }
    for (int v = lo; v <= hi; v += step) bits |= uint64_t{1} << v;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return bits;
}

std::vector<std::string_view> SplitSpaces(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (true) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i == text.size()) return out;
    const size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    out.push_back(text.substr(start, i - start));
  }
}

tl::expected<Calendar, std::string> ParseCron(std::string_view expression) {
  const std::vector<std::string_view> fields = SplitSpaces(expression);
  if (fields.empty()) {
    return tl::unexpected(fmt::format("the expression is empty; use {}", kCronAccepted));
  }
  if (fields.front().front() == '@') {
    return tl::unexpected(
        fmt::format("macros such as \"{}\" are not supported; use {} (\"0 0 * * *\" for @daily)",
                    fields.front(), kCronAccepted));
  }
  if (fields.size() != 5) {
    return tl::unexpected(fmt::format("\"{}\" has {} fields; use exactly {} (no seconds or years)",
                                      expression, fields.size(), kCronAccepted));
  }
  std::array<uint64_t, 5> bits{};
  std::vector<std::string> problems;
  for (size_t i = 0; i < 5; ++i) {
    const auto field = CronFieldBits(fields[i], kCronFields[i]);
    if (field) {
      bits[i] = *field;
    } else {
      problems.push_back(
          fmt::format("{} field \"{}\": {}", kCronFields[i].name, fields[i], field.error()));
    }
  }
  if (!problems.empty()) return tl::unexpected(fmt::format("{}", fmt::join(problems, "; ")));

  Calendar c;
  c.minutes = std::bitset<60>(bits[0]);
  c.hours = std::bitset<24>(bits[1]);
  c.days = std::bitset<32>(bits[2]);
  c.months = std::bitset<13>(bits[3]);
  c.weekdays = std::bitset<7>((bits[4] | (bits[4] >> 7)) & 0x7f);  // 7 is Sunday too
  // Vixie cron: a day field that starts with '*' (even "*/2") counts as unrestricted.
  c.either_day = fields[2].front() != '*' && fields[4].front() != '*';
  // With both day fields needed, some chosen month must have a chosen day; every such date
  // falls on every weekday within 28 years (Feb 29 within 40), so the weekday never blocks.
  if (!c.either_day) {
    bool possible = false;
    for (unsigned m = 1; m <= 12; ++m) {
      for (unsigned d = 1; d <= kMaxMonthDays[m]; ++d) possible |= c.months[m] && c.days[d];
    }
    if (!possible) {
      return tl::unexpected(std::string(
          "can never fire: none of the chosen months has any of the chosen days of the month "
          "(February has at most 29 days; April, June, September and November have 30)"));
    }
  }
  return c;
}

// --- Compiled schedules --------------------------------------------------------------------

// Interval kinds: the local times of day first + k * period (< 24 h), matched as instants.
struct DailySlots {
  minutes first;
  minutes period;
};

struct Plan {
  const date::time_zone* zone = nullptr;
  std::variant<std::monostate, DailySlots, Calendar> rule;
};

// Checks `s` and builds its plan; each problem goes to `problems` when given.
std::optional<Plan> Compile(const Schedule& s, FieldErrors* problems) {
  bool ok = true;
  auto problem = [&](std::string field, std::string message) {
    ok = false;
    if (problems) problems->push_back({std::move(field), std::move(message)});
  };
  auto not_accepted = [&](std::string field, int value, std::string_view accepted) {
    problem(std::move(field), fmt::format("{} is not accepted; use {}", value, accepted));
  };
  auto check_time = [&] {
    if (s.hour < 0 || s.hour > 23 || s.minute < 0 || s.minute > 59) {
      problem("schedule.time", NotATime(HhMm(s.hour, s.minute)));
    }
  };

  Plan plan;
  const auto zone = table::FindTimeZone(s.time_zone, "schedule.time_zone");
  if (zone) {
    plan.zone = *zone;
  } else {
    problem(zone.error().subject, zone.error().message);
  }
  switch (s.kind) {
    case ScheduleKind::kManual:
      break;
    case ScheduleKind::kEveryMinutes:
      if (s.every_minutes != 15 && s.every_minutes != 30) {
        not_accepted("schedule.minutes", s.every_minutes, kMinutesAccepted);
      }
      if (ok) plan.rule = DailySlots{minutes{0}, minutes{s.every_minutes}};
      break;
    case ScheduleKind::kEveryHours:
      if (s.every_hours < 1 || s.every_hours > 23) {
        not_accepted("schedule.hours", s.every_hours, kHoursAccepted);
      }
      if (s.minute < 0 || s.minute > 59) not_accepted("schedule.minute", s.minute, kMinuteAccepted);
      if (ok) plan.rule = DailySlots{minutes{s.minute}, std::chrono::hours{s.every_hours}};
      break;
    case ScheduleKind::kDaily:
      check_time();
      if (ok) plan.rule = EveryDayAt(s.hour, s.minute);
      break;
    case ScheduleKind::kWeekly: {
      check_time();
      if (s.weekdays.empty()) {
        problem("schedule.days", fmt::format("no day chosen; use {}", kDaysAccepted));
      }
      for (int d : s.weekdays) {
        if (d < 0 || d > 6) not_accepted("schedule.days", d, "0 (Sunday) to 6 (Saturday)");
      }
      if (!ok) break;
      Calendar c = EveryDayAt(s.hour, s.minute);
      c.weekdays.reset();
      for (int d : s.weekdays) c.weekdays.set(d);
      plan.rule = c;
      break;
    }
    case ScheduleKind::kMonthly: {
      check_time();
      if (s.day_of_month < 1 || s.day_of_month > 31) {
        not_accepted("schedule.day", s.day_of_month, kDayAccepted);
      }
      if (!ok) break;
      Calendar c = EveryDayAt(s.hour, s.minute);
      c.days.reset();
      c.days.set(s.day_of_month);
      c.clamp_days = true;
      plan.rule = c;
      break;
    }
    case ScheduleKind::kCron: {
      auto c = ParseCron(s.cron);
      if (c) {
        plan.rule = *c;
      } else {
        problem("schedule.cron", std::move(c.error()));
      }
      break;
    }
    default:
      problem("schedule.kind", fmt::format("unknown kind; use {}", kKindAccepted));
  }
  if (!ok) return std::nullopt;
  return plan;
}

// --- NextRun -------------------------------------------------------------------------------

// The first instant > after whose local time of day is first + k * period, taking the zone's
// offset periods (between two changes of offset) one at a time.
SysMs NextSlotInstant(const date::time_zone& zone, const DailySlots& slots, SysMs after) {
  const milliseconds first = slots.first, period = slots.period;
  SysMs lo = after + milliseconds{1};  // inclusive from here on
  while (true) {
    const date::sys_info info = zone.get_info(std::chrono::floor<std::chrono::seconds>(lo));
    const milliseconds local = lo.time_since_epoch() + info.offset;
    const milliseconds day = std::chrono::floor<date::days>(local);
    const milliseconds since_first = local - day - first;
    milliseconds slot = first;
    if (since_first > milliseconds{0}) {
      slot += (since_first + period - milliseconds{1}) / period * period;
    }
    if (slot >= date::days{1}) slot = date::days{1} + first;
    const SysMs candidate{day + slot - info.offset};
    if (candidate < info.end) return candidate;
    lo = info.end;  // the offset changed before that slot: look again from the transition
  }
}

bool DayMatches(const Calendar& c, date::local_days day) {
  const date::year_month_day ymd{day};
  const unsigned d = static_cast<unsigned>(ymd.day());
  const unsigned last = static_cast<unsigned>((ymd.year() / ymd.month() / date::last).day());
  const bool dom = c.days[d] || (c.clamp_days && d == last && (c.days >> (last + 1)).any());
  const bool dow = c.weekdays[date::weekday{day}.c_encoding()];
  return c.either_day ? dom || dow : dom && dow;
}

// The first matching local minute > t, skipping months and days that cannot match; nullopt
// after 100 years (only a calendar that can never fire gets there).
std::optional<LocalMinutes> NextLocalMatch(const Calendar& c, LocalMinutes t) {
  t += minutes{1};
  date::local_days day = std::chrono::floor<date::days>(t);
  int hour = static_cast<int>((t - day) / std::chrono::hours{1});
  int minute = static_cast<int>((t - day - std::chrono::hours{hour}) / minutes{1});
  const date::local_days limit = day + date::days{36525};
  while (day < limit) {
    const date::year_month_day ymd{day};
    if (!c.months[static_cast<unsigned>(ymd.month())]) {
      day = date::local_days{(ymd.year() / ymd.month() + date::months{1}) / 1};
      hour = minute = 0;
      continue;
    }
    if (DayMatches(c, day)) {
      for (; hour < 24; ++hour, minute = 0) {
        if (!c.hours[hour]) continue;
        for (; minute < 60; ++minute) {
          if (c.minutes[minute]) return day + std::chrono::hours{hour} + minutes{minute};
        }
      }
    }
    day += date::days{1};
    hour = minute = 0;
  }
  return std::nullopt;
}

// Local times map to instants without going backwards (a skipped time maps to the end of its
// gap, a repeated one to its first occurrence), and no local time at or before local(after)
// maps past `after`; so the answer is the first matching local time after local(after) whose
// instant is past `after` (in a repeated hour, earlier candidates still map before it).
std::optional<SysMs> NextCalendarInstant(const date::time_zone& zone, const Calendar& c,
                                         SysMs after) {
  LocalMinutes t = std::chrono::floor<minutes>(zone.to_local(after));
  while (true) {
    const auto next = NextLocalMatch(c, t);
    if (!next) return std::nullopt;
    t = *next;
    const SysMs fire{zone.to_sys(t, date::choose::earliest)};
    if (fire > after) return fire;
  }
}

// --- The JSON form -------------------------------------------------------------------------

using Reader = void (*)(const json& value, const std::string& field, Schedule& s,
                        FieldErrors& problems);

// Stores a JSON integer small enough for an int; Compile checks the exact range.
void ReadInt(const json& v, const std::string& field, std::string_view accepted, int& out,
             FieldErrors& problems) {
  constexpr int64_t kLimit = 1'000'000;
  if (!v.is_number_integer()) {
    problems.push_back({field, fmt::format("expected {}, got {}", accepted, Shown(v))});
  } else if (v.is_number_unsigned() ? v.get<uint64_t>() > uint64_t{kLimit}
                                    : v.get<int64_t>() < -kLimit || v.get<int64_t>() > kLimit) {
    problems.push_back({field, fmt::format("{} is not accepted; use {}", Shown(v), accepted)});
  } else {
    out = static_cast<int>(v.get<int64_t>());
  }
}

void ReadTime(const json& v, const std::string& field, Schedule& s, FieldErrors& problems) {
  if (!v.is_string()) {
    problems.push_back({field, fmt::format("expected {}, got {}", kTimeAccepted, Shown(v))});
    return;
  }
  const std::string& text = v.get_ref<const std::string&>();
  if (text.size() != 5 || text[2] != ':' || !AllDigits(text.substr(0, 2)) ||
      !AllDigits(text.substr(3))) {
    problems.push_back({field, NotATime(text)});
    return;
  }
  s.hour = *SmallNumber(text.substr(0, 2));
  s.minute = *SmallNumber(text.substr(3));
}

void ReadDays(const json& v, const std::string& field, Schedule& s, FieldErrors& problems) {
  if (!v.is_array()) {
    problems.push_back({field, fmt::format("expected {}, got {}", kDaysAccepted, Shown(v))});
    return;
  }
  std::bitset<7> chosen;
  for (const json& item : v) {
    const auto* name = item.get_ptr<const std::string*>();
    const auto it = name ? std::find(kDayNames.begin(), kDayNames.end(), *name) : kDayNames.end();
    if (it == kDayNames.end()) {
      problems.push_back(
          {field,
           fmt::format("{} is not a day; use mon, tue, wed, thu, fri, sat or sun", Shown(item))});
      return;
    }
    const auto d = static_cast<size_t>(it - kDayNames.begin());
    if (chosen[d]) {
      problems.push_back({field, fmt::format("\"{}\" is listed twice; list each day once", *name)});
      return;
    }
    chosen.set(d);
  }
  s.weekdays.clear();
  for (int d = 0; d < 7; ++d) {
    if (chosen[d]) s.weekdays.push_back(d);
  }
}

void ReadCron(const json& v, const std::string& field, Schedule& s, FieldErrors& problems) {
  if (!v.is_string()) {
    problems.push_back({field, fmt::format("expected {}, got {}", kCronAccepted, Shown(v))});
    return;
  }
  const auto fields = SplitSpaces(v.get_ref<const std::string&>());
  s.cron = fmt::format("{}", fmt::join(fields, " "));
}

void ReadZone(const json& v, const std::string& field, Schedule& s, FieldErrors& problems) {
  if (!v.is_string()) {
    problems.push_back({field, fmt::format("expected {}, got {}", kZoneAccepted, Shown(v))});
    return;
  }
  s.time_zone = v.get<std::string>();
}

struct KeyDef {
  std::string_view key;
  std::string_view field;
  std::string_view accepted;
  Reader read;
};

const std::array<KeyDef, 8>& Keys() {
  static const std::array<KeyDef, 8> keys = {{
      {"minutes", "schedule.minutes", kMinutesAccepted,
       [](const json& v, const std::string& f, Schedule& s, FieldErrors& p) {
         ReadInt(v, f, kMinutesAccepted, s.every_minutes, p);
       }},
      {"hours", "schedule.hours", kHoursAccepted,
       [](const json& v, const std::string& f, Schedule& s, FieldErrors& p) {
         ReadInt(v, f, kHoursAccepted, s.every_hours, p);
       }},
      {"minute", "schedule.minute", kMinuteAccepted,
       [](const json& v, const std::string& f, Schedule& s, FieldErrors& p) {
         ReadInt(v, f, kMinuteAccepted, s.minute, p);
       }},
      {"time", "schedule.time", kTimeAccepted, ReadTime},
      {"days", "schedule.days", kDaysAccepted, ReadDays},
      {"day", "schedule.day", kDayAccepted,
       [](const json& v, const std::string& f, Schedule& s, FieldErrors& p) {
         ReadInt(v, f, kDayAccepted, s.day_of_month, p);
       }},
      {"expression", "schedule.cron", kCronAccepted, ReadCron},
      {"time_zone", "schedule.time_zone", kZoneAccepted, ReadZone},
  }};
  return keys;
}

const KeyDef* FindKey(std::string_view key) {
  for (const KeyDef& k : Keys()) {
    if (k.key == key) return &k;
  }
  return nullptr;
}

struct KindDef {
  ScheduleKind kind;
  std::string_view name;
  std::vector<std::string_view> required;
  std::string_view optional;  // besides time_zone
};

const std::array<KindDef, 7>& Kinds() {
  static const std::array<KindDef, 7> kinds = {{
      {ScheduleKind::kManual, "manual", {}, {}},
      {ScheduleKind::kEveryMinutes, "every_minutes", {"minutes"}, {}},
      {ScheduleKind::kEveryHours, "every_hours", {"hours"}, "minute"},
      {ScheduleKind::kDaily, "daily", {"time"}, {}},
      {ScheduleKind::kWeekly, "weekly", {"days", "time"}, {}},
      {ScheduleKind::kMonthly, "monthly", {"day", "time"}, {}},
      {ScheduleKind::kCron, "cron", {"expression"}, {}},
  }};
  return kinds;
}

const KindDef& KindOf(ScheduleKind kind) {
  for (const KindDef& k : Kinds()) {
    if (k.kind == kind) return k;
  }
  return Kinds().front();
}

bool Takes(const KindDef& kind, std::string_view key) {
  return key == "kind" || key == "time_zone" || (!kind.optional.empty() && key == kind.optional) ||
         std::find(kind.required.begin(), kind.required.end(), key) != kind.required.end();
}

std::string TakesList(const KindDef& kind) {
  std::vector<std::string> keys(kind.required.begin(), kind.required.end());
  if (!kind.optional.empty()) keys.emplace_back(kind.optional);
  keys.emplace_back("time_zone");
  return fmt::format("a {} schedule takes {}{}", kind.name, keys.size() == 1 ? "only " : "",
                     JoinAnd(keys));
}

std::string FieldOf(std::string_view key) {
  const KeyDef* def = FindKey(key);
  return def ? std::string(def->field) : "schedule." + std::string(key);
}

}  // namespace

Checked<Schedule> ParseSchedule(const json& form) {
  if (!form.is_object()) {
    return tl::unexpected(
        FieldErrors{{"schedule", fmt::format("expected a JSON object such as {{\"kind\":\"daily\","
                                             "\"time\":\"02:30\"}}, got {}",
                                             Shown(form))}});
  }
  FieldErrors problems;
  Schedule s;
  const KindDef* kind = nullptr;
  const auto kind_it = form.find("kind");
  if (kind_it == form.end()) {
    problems.push_back({"schedule.kind", fmt::format("missing; use {}", kKindAccepted)});
  } else if (!kind_it->is_string()) {
    problems.push_back(
        {"schedule.kind", fmt::format("expected {}, got {}", kKindAccepted, Shown(*kind_it))});
  } else {
    const auto& name = kind_it->get_ref<const std::string&>();
    for (const KindDef& k : Kinds()) {
      if (k.name == name) kind = &k;
    }
    if (!kind) {
      problems.push_back({"schedule.kind", fmt::format("\"{}\" is not a schedule kind; use {}",
                                                       name, kKindAccepted)});
    }
  }

  for (const auto& [key, value] : form.items()) {
    if (key == "kind") continue;
    const KeyDef* def = FindKey(key);
    if (kind && !Takes(*kind, key)) {
      problems.push_back(
          {FieldOf(key), def ? fmt::format("\"{}\" is not used by a {} schedule; {}", key,
                                           kind->name, TakesList(*kind))
                             : fmt::format("unknown key \"{}\"; {}", key, TakesList(*kind))});
    } else if (!def) {
      problems.push_back(
          {FieldOf(key),
           fmt::format("unknown key \"{}\"; schedule keys are kind, minutes, hours, minute, time, "
                       "days, day, expression and time_zone",
                       key)});
    } else if (kind || key == "time_zone") {
      def->read(value, std::string(def->field), s, problems);
    }
  }
  if (kind) {
    s.kind = kind->kind;
    for (std::string_view key : kind->required) {
      if (!form.contains(key)) {
        const KeyDef* def = FindKey(key);
        problems.push_back(
            {std::string(def->field), fmt::format("missing; use {}", def->accepted)});
      }
    }
  }
  // Value checks, except on fields whose form was already wrong (one message per field).
  FieldErrors value_problems;
  Compile(s, &value_problems);
  for (FieldError& p : value_problems) {
    const bool known = std::any_of(problems.begin(), problems.end(),
                                   [&](const FieldError& e) { return e.field == p.field; });
    if (!known) problems.push_back(std::move(p));
  }
  if (!problems.empty()) return tl::unexpected(std::move(problems));
  return s;
}

json ScheduleToJson(const Schedule& s) {
  json j = {{"kind", KindOf(s.kind).name}};
  switch (s.kind) {
    case ScheduleKind::kManual:
      break;
    case ScheduleKind::kEveryMinutes:
      j["minutes"] = s.every_minutes;
      break;
    case ScheduleKind::kEveryHours:
      j["hours"] = s.every_hours;
      j["minute"] = s.minute;
      break;
    case ScheduleKind::kWeekly: {
      json days = json::array();
      for (int d : kWeekOrder) {
        if (std::find(s.weekdays.begin(), s.weekdays.end(), d) != s.weekdays.end()) {
          days.push_back(kDayNames[d]);
        }
      }
      j["days"] = days;
      j["time"] = HhMm(s.hour, s.minute);
      break;
    }
    case ScheduleKind::kMonthly:
      j["day"] = s.day_of_month;
      j["time"] = HhMm(s.hour, s.minute);
      break;
    case ScheduleKind::kDaily:
      j["time"] = HhMm(s.hour, s.minute);
      break;
    case ScheduleKind::kCron:
      j["expression"] = s.cron;
      break;
  }
  j["time_zone"] = s.time_zone;
  return j;
}

std::optional<SysMs> NextRun(const Schedule& s, SysMs after) {
  const auto plan = Compile(s, nullptr);
  if (!plan) return std::nullopt;
  if (const auto* slots = std::get_if<DailySlots>(&plan->rule)) {
    return NextSlotInstant(*plan->zone, *slots, after);
  }
  if (const auto* calendar = std::get_if<Calendar>(&plan->rule)) {
    return NextCalendarInstant(*plan->zone, *calendar, after);
  }
  return std::nullopt;
}

std::string DescribeSchedule(const Schedule& s) {
  const std::string zone = " (" + s.time_zone + ")";
  const std::string at = " at " + HhMm(s.hour, s.minute) + zone;
  switch (s.kind) {
    case ScheduleKind::kManual:
      return "Manually";
    case ScheduleKind::kEveryMinutes:
      return fmt::format("Every {} minutes", s.every_minutes);
    case ScheduleKind::kEveryHours: {
      if (s.every_hours == 1) return fmt::format("Every hour at :{:02}{}", s.minute, zone);
      std::vector<std::string> times;
      for (int h = 0; h < 24; h += std::max(1, s.every_hours)) times.push_back(HhMm(h, s.minute));
      if (times.size() <= 4) {
        return fmt::format("Every {} hours, at {}{}", s.every_hours, JoinAnd(times), zone);
      }
      return fmt::format("Every {} hours from {} to {}{}", s.every_hours, times.front(),
                         times.back(), zone);
    }
    case ScheduleKind::kDaily:
      return "Every day" + at;
    case ScheduleKind::kWeekly: {
      std::vector<std::string> days;
      for (int d : kWeekOrder) {
        if (std::find(s.weekdays.begin(), s.weekdays.end(), d) != s.weekdays.end()) {
          days.emplace_back(kDayPlurals[d]);
        }
      }
      return JoinAnd(days) + at;
    }
    case ScheduleKind::kMonthly:
      return fmt::format("On day {} of every month{}{}", s.day_of_month,
                         s.day_of_month > 28 ? " (the last day in shorter months)" : "", at);
    case ScheduleKind::kCron:
      return "Cron " + s.cron + zone;
  }
  return "Unknown schedule";
}

}  // namespace s3u::service
