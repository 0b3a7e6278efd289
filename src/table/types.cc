#include "table/types.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <system_error>

namespace s3u::table {
namespace {

using std::chrono::days;
using std::chrono::hh_mm_ss;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::year_month_day;

struct TypeName {
  ColumnType type;
  std::string_view name;
};
constexpr std::array<TypeName, 6> kTypeNames = {{
    {ColumnType::kString, "STRING"},
    {ColumnType::kDecimal, "DECIMAL"},
    {ColumnType::kLong, "LONG"},
    {ColumnType::kDouble, "DOUBLE"},
    {ColumnType::kDate, "DATE"},
    {ColumnType::kDateTime, "DATETIME"},
}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `count` digits at text[pos...] into `value`.
bool FixedDigits(std::string_view text, size_t pos, size_t count, unsigned& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!IsDigit(text[i])) return false;
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return true;
}

// Advances `pos` over a run of digits; returns how many there were.
size_t SkipDigits(std::string_view text, size_t& pos) {
  const size_t start = pos;
  while (pos < text.size() && IsDigit(text[pos])) ++pos;
  return pos - start;
}

// [+-]? (digits ('.' digits*)? | '.' digits), then an exponent [eE][+-]?digits when allowed.
// One scanner for DOUBLE and DECIMAL so the two cannot drift apart. No spaces, no inf/nan:
// pandas and the SDKs never write them, and Domo's acceptance of them is unknown.
bool IsNumber(std::string_view text, bool allow_exponent) {
  size_t pos = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
  size_t mantissa_digits = SkipDigits(text, pos);
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    mantissa_digits += SkipDigits(text, pos);
  }
  if (mantissa_digits == 0) return false;
  if (allow_exponent && pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
    if (SkipDigits(text, pos) == 0) return false;
  }
  return pos == text.size();
}

// A signed 64-bit decimal. from_chars does the overflow check; it rejects a leading '+', which
// is accepted here for symmetry with the other numeric types.
bool IsLong(std::string_view text) {
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (!text.empty() && text.front() == '-') return false;
  }
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

std::string_view ColumnTypeName(ColumnType type) {
  for (const auto& entry : kTypeNames) {
    if (entry.type == type) return entry.name;
  }
  return "STRING";  // unreachable for valid enumerators
}

Result<ColumnType> ParseColumnType(std::string_view text, std::string_view subject) {
  for (const auto& entry : kTypeNames) {
    if (entry.name == text) return entry.type;
  }
  return Fail(ErrorCode::kInvalidArgument, std::string(subject),
              "unknown column type '" + std::string(text) +
                  "'; accepted (case-sensitive): STRING, DECIMAL, LONG, DOUBLE, DATE, DATETIME");
}

std::optional<size_t> FindColumn(const Schema& schema, std::string_view name) {
  for (size_t i = 0; i < schema.size(); ++i) {
    if (schema[i].name == name) return i;
  }
  return std::nullopt;
}

std::optional<Days> ParseDate(std::string_view text) {
  unsigned year = 0, month = 0, day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !FixedDigits(text, 0, 4, year) ||
      !FixedDigits(text, 5, 2, month) || !FixedDigits(text, 8, 2, day)) {
    return std::nullopt;
  }
  const year_month_day ymd{std::chrono::year(static_cast<int>(year)), std::chrono::month(month),
                           std::chrono::day(day)};
  if (!ymd.ok()) return std::nullopt;
  return Days(ymd);
}

std::optional<Seconds> ParseDateTime(std::string_view text) {
  const auto date = ParseDate(text.substr(0, 10));
  if (!date) return std::nullopt;
  if (text.size() == 10) return Seconds(*date);
  // "T" or " ", then "HH:mm:ss" (no leap second: Domo's are UTC civil times).
  unsigned hour = 0, minute = 0, second = 0;
  if ((text[10] != 'T' && text[10] != ' ') || text.size() < 19 || text[13] != ':' ||
      text[16] != ':' || !FixedDigits(text, 11, 2, hour) || !FixedDigits(text, 14, 2, minute) ||
      !FixedDigits(text, 17, 2, second) || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    if (SkipDigits(text, pos) == 0) return std::nullopt;  // the fraction is truncated
  }
  if (pos < text.size() && text[pos] == 'Z') ++pos;
  if (pos != text.size()) return std::nullopt;
  return Seconds(*date) + hours(hour) + minutes(minute) + seconds(second);
}

std::string FormatDate(Days day) {
  const year_month_day ymd(day);
  char out[32];
  const int n = std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                              static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return std::string(out, static_cast<size_t>(n));
}

std::string FormatDateTime(Seconds instant) {
  const Days day = std::chrono::floor<days>(instant);
  const hh_mm_ss<seconds> time(instant - day);
  char out[16];
  const int n = std::snprintf(
      out, sizeof out, "T%02d:%02d:%02d", static_cast<int>(time.hours().count()),
      static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()));
  return FormatDate(day) + std::string(out, static_cast<size_t>(n));
}

bool IsValidValue(ColumnType type, std::string_view text) {
  switch (type) {
    case ColumnType::kString:
      return true;
    case ColumnType::kLong:
      return IsLong(text);
    case ColumnType::kDouble:
      return IsNumber(text, /*allow_exponent=*/true);
    case ColumnType::kDecimal:
      return IsNumber(text, /*allow_exponent=*/false);
    case ColumnType::kDate:
      return ParseDate(text).has_value();
    case ColumnType::kDateTime:
      return ParseDateTime(text).has_value();
    default:
      return false;
  }
}

bool IsJsonNumber(std::string_view text) {
  size_t pos = 0;
  if (pos < text.size() && text[pos] == '-') ++pos;
  if (pos < text.size() && text[pos] == '0') {
    ++pos;
  } else if (SkipDigits(text, pos) == 0) {
    return false;
  }
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    if (SkipDigits(text, pos) == 0) return false;
  }
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
    if (SkipDigits(text, pos) == 0) return false;
  }
  return pos == text.size();
}

}  // namespace s3u::table
