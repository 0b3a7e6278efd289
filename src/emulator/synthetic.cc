#include "emulator/synthetic.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <string_view>

namespace s3u::emulator {
namespace {

using nlohmann::json;
using table::ColumnType;

__extension__ typedef unsigned __int128 Uint128;  // -Wpedantic: a GCC/Clang extension

constexpr int64_t kSecondsPerDay = 86400;
constexpr uint32_t kMaxTextLength = 1 << 20;
constexpr size_t kLongTextLength = 64 * 1024;  // hostile "very long" values
constexpr int kMaxScale = 15;
// Numbers are drawn as integers of 10^-scale units; below 2^53 they convert to and from
// double exactly, so min/max (JSON doubles) bound them without rounding surprises.
constexpr double kMaxUnits = 9007199254740992.0;  // 2^53

// ---- randomness: counter-based, so row i needs no state from rows before it -------------

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

// The draws of one field: a splitmix64 stream seeded from (seed, row, column).
class FieldRandom {
 public:
  FieldRandom(uint64_t seed, uint64_t index, size_t column)
      : state_(Mix(seed * 0xD1B54A32D192ED03ULL +
                   Mix(index * kGolden + (column + 1) * 0xA0761D6478BD642FULL))) {}

  uint64_t Next() { return Mix(state_ += kGolden); }
  // Uniform in [0, n) (Lemire's multiply-shift; the bias is below 2^-64 * n).
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>((Uint128{Next()} * n) >> 64); }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

// ---- values -------------------------------------------------------------------------------

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t TimelineSecond(const SyntheticColumn& column, uint64_t rows, uint64_t index) {
  const auto span = static_cast<uint64_t>(column.to - column.from);
  const auto offset = static_cast<int64_t>(Uint128{span} * index / rows);
  const int64_t t = column.from + offset;
  return column.type == ColumnType::kDate ? FloorDiv(t, kSecondsPerDay) * kSecondsPerDay : t;
}

char* WriteDigits(char* p, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i, value /= 10) p[i] = static_cast<char>('0' + value % 10);
  return p + width;
}

// "yyyy-MM-dd" or "yyyy-MM-ddTHH:mm:ss", written in place (table::Format* would allocate).
void AssignInstant(std::string& out, int64_t seconds, bool date_only) {
  const int64_t days = FloorDiv(seconds, kSecondsPerDay);
  const auto second_of_day = static_cast<unsigned>(seconds - days * kSecondsPerDay);
  const std::chrono::year_month_day ymd{table::Days{std::chrono::days{days}}};
  char buffer[20];
  char* p = WriteDigits(buffer, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
  *p++ = '-';
  p = WriteDigits(p, static_cast<unsigned>(ymd.month()), 2);
  *p++ = '-';
  p = WriteDigits(p, static_cast<unsigned>(ymd.day()), 2);
  if (!date_only) {
    *p++ = 'T';
    p = WriteDigits(p, second_of_day / 3600, 2);
    *p++ = ':';
    p = WriteDigits(p, second_of_day / 60 % 60, 2);
    *p++ = ':';
    p = WriteDigits(p, second_of_day % 60, 2);
  }
  out.assign(buffer, p);
}

int64_t Pow10(int n) {
  int64_t p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

struct Units {
  int64_t low = 0, high = 0;  // inclusive, in 10^-scale
  int scale = 0;
};

// The integers k with min <= k / 10^scale <= max. REQUIRES: |min|, |max| * 10^scale <= 2^53.
Units UnitsOf(const SyntheticColumn& column) {
  Units units;
  units.scale = column.type == ColumnType::kLong ? 0 : column.scale;
  const auto factor = static_cast<double>(Pow10(units.scale));
  // Rounding then correcting (rather than ceil/floor) keeps 0.1 * 100 = 10.000000000000002
  // from excluding 0.10.
  units.low = std::llround(column.min * factor);
  if (static_cast<double>(units.low) / factor < column.min) ++units.low;
  units.high = std::llround(column.max * factor);
  if (static_cast<double>(units.high) / factor > column.max) --units.high;
  return units;
}

void AssignFixed(std::string& out, int64_t units, int scale) {
  char buffer[48];
  char* p = buffer;
  if (units < 0) *p++ = '-';
  const uint64_t magnitude = units < 0 ? 0 - static_cast<uint64_t>(units) : units;
  const auto factor = static_cast<uint64_t>(Pow10(scale));
  p = std::to_chars(p, buffer + sizeof buffer, magnitude / factor).ptr;
  if (scale > 0) {
    *p++ = '.';
    uint64_t fraction = magnitude % factor;
    for (int i = scale - 1; i >= 0; --i, fraction /= 10)
      p[i] = static_cast<char>('0' + fraction % 10);
    p += scale;
  }
  out.assign(buffer, p);
}

constexpr std::array<std::string_view, 32> kWords = {
    "alpha",  "bravo",   "cedar",   "delta",  "ember", "fjord", "garnet", "harbor",
    "iris",   "juniper", "kestrel", "lumen",  "maple", "north", "onyx",   "pine",
    "quartz", "river",   "summit",  "tundra", "umber", "vale",  "willow", "xenon",
    "yarrow", "zephyr",  "acme",    "orders", "west",  "east",  "supply", "retail"};

// Appends exactly `length` bytes of space-separated words (the last may be cut short).
void AppendWords(std::string& out, FieldRandom& random, size_t length) {
  const size_t target = out.size() + length;
  bool first = true;
  while (out.size() < target) {
    if (!first) out.push_back(' ');
    first = false;
    out.append(kWords[random.Below(kWords.size())]);
  }
  out.resize(target);
  if (length > 0 && out.back() == ' ') out.back() = 'a';  // no accidental trailing space
}

// Words of `length` bytes with `middle` spliced in halfway.
void AppendAround(std::string& out, FieldRandom& random, size_t length, std::string_view middle) {
  AppendWords(out, random, length / 2);
  out.append(middle);
  AppendWords(out, random, length - length / 2);
}

// Text that breaks careless CSV handling in 14 draws of 20; the rest is plain words.
void AssignHostile(std::string& out, FieldRandom& random, size_t length) {
  out.clear();
  switch (random.Below(20)) {
    case 0:
      out = "\\N";  // RDOMO's null spelling, as a real string
      return;
    case 1:
      out = "NULL";
      return;
    case 2:  // leading zeros: "007", "0042"
      out.assign(1 + random.Below(3), '0');
      out.append(std::to_string(random.Below(1000)));
      return;
    case 3:
      out = "  ";
      AppendWords(out, random, length);
      out += ' ';
      return;
    case 4:
      return AppendAround(out, random, length, " \"quoted\" ");
    case 5:  // looks quoted already
      out = "\"";
      AppendWords(out, random, length);
      out += "\"";
      return;
    case 6:
      return AppendAround(out, random, length, ", ");
    case 7:
      return AppendAround(out, random, length, "\n");
    case 8:
      return AppendAround(out, random, length, "\r\n");
    case 9:
      return AppendAround(out, random, length, "\r");
    case 10:  // U+1F600 (4 bytes), e-acute (2), two CJK characters (3 each)
      return AppendAround(out, random, length,
                          " \xF0\x9F\x98\x80 caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 ");
    case 11:
      return;  // the empty string, which is not null
    case 12:
      out = "\"";
      return;
    case 13:  // everything at once
      return AppendAround(out, random, length, "\"a,b\"\"\r\n\\N\xF0\x9F\x98\x80\n");
    case 14:
      return AppendWords(out, random, random.Below(256) == 0 ? kLongTextLength : length);
    default:
      return AppendWords(out, random, length);
  }
}

void Generate(const SyntheticColumn& column, uint64_t rows, uint64_t index, FieldRandom& random,
              std::string& out) {
  if (column.kind == "timeline") {
    AssignInstant(out, TimelineSecond(column, rows, index), column.type == ColumnType::kDate);
  } else if (column.kind == "number") {
    const Units units = UnitsOf(column);
    const auto span = static_cast<uint64_t>(units.high - units.low) + 1;
    AssignFixed(out, units.low + static_cast<int64_t>(random.Below(span)), units.scale);
  } else if (column.kind == "text") {
    const size_t length =
        column.min_length + random.Below(column.max_length - column.min_length + 1ULL);
    if (column.hostile) {
      AssignHostile(out, random, length);
    } else {
      out.clear();
      AppendWords(out, random, length);
    }
  } else if (column.kind == "choice") {
    out.assign(column.values[random.Below(column.values.size())]);
  } else {  // sequence
    char buffer[24];
    out.assign(buffer, std::to_chars(buffer, buffer + sizeof buffer, index + 1).ptr);
  }
}

// ---- spec parsing -------------------------------------------------------------------------

tl::unexpected<Error> Invalid(const std::string& path, const std::string& message) {
  return Fail(ErrorCode::kInvalidArgument, path, message);
}

std::string Join(std::initializer_list<std::string_view> words) {
  std::string joined;
  for (std::string_view word : words) {
    if (!joined.empty()) joined += ", ";
    joined += word;
  }
  return joined;
}

Result<void> CheckKeys(const json& object, const std::string& path,
                       std::initializer_list<std::string_view> accepted) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(accepted.begin(), accepted.end(), key) == accepted.end()) {
      return Invalid(path + "." + key, "unknown field here; accepted: " + Join(accepted));
    }
  }
  return {};
}

// Reads an optional non-negative integer <= max.
Result<uint64_t> ReadCount(const json& object, const std::string& key, const std::string& path,
                           uint64_t fallback, uint64_t max) {
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  // A JSON integer is signed or unsigned depending on how it was produced; accept both.
  const bool whole = it->is_number_unsigned() || (it->is_number_integer() && *it >= 0);
  if (!whole || it->get<uint64_t>() > max) {
    return Invalid(path + "." + key, "must be a whole number from 0 to " + std::to_string(max));
  }
  return it->get<uint64_t>();
}

Result<double> ReadNumber(const json& object, const std::string& key, const std::string& path,
                          double fallback) {
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (!it->is_number()) return Invalid(path + "." + key, "must be a number");
  return it->get<double>();
}

Result<std::string> ReadString(const json& object, const std::string& key,
                               const std::string& path) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string() || it->get<std::string>().empty()) {
    return Invalid(path + "." + key, "required, a non-empty string");
  }
  return it->get<std::string>();
}

Result<int64_t> ReadInstant(const json& object, const std::string& key, const std::string& path,
                            ColumnType type) {
  auto text = ReadString(object, key, path);
  if (!text) return Fail(text.error());
  if (type == ColumnType::kDate) {
    if (auto day = table::ParseDate(*text)) {
      return std::chrono::sys_seconds(*day).time_since_epoch().count();
    }
    return Invalid(path + "." + key, "'" + *text + "' is not a date; use yyyy-MM-dd");
  }
  if (auto instant = table::ParseDateTime(*text)) return instant->time_since_epoch().count();
  return Invalid(path + "." + key,
                 "'" + *text + "' is not a date-time; use yyyy-MM-ddTHH:mm:ss (or yyyy-MM-dd)");
}

Result<void> ParseTimeline(const json& object, const std::string& path, SyntheticColumn& column) {
  if (column.type != ColumnType::kDate && column.type != ColumnType::kDateTime) {
    return Invalid(path + ".type", "a timeline is DATE or DATETIME");
  }
  auto from = ReadInstant(object, "from", path, column.type);
  if (!from) return Fail(from.error());
  auto to = ReadInstant(object, "to", path, column.type);
  if (!to) return Fail(to.error());
  if (*to <= *from) return Invalid(path + ".to", "must be later than from");
  column.from = *from;
  column.to = *to;
  return {};
}

Result<void> ParseText(const json& object, const std::string& path, SyntheticColumn& column) {
  if (column.type != ColumnType::kString) return Invalid(path + ".type", "text is STRING");
  auto min_length = ReadCount(object, "min_length", path, column.min_length, kMaxTextLength);
  if (!min_length) return Fail(min_length.error());
  auto max_length = ReadCount(object, "max_length", path, column.max_length, kMaxTextLength);
  if (!max_length) return Fail(max_length.error());
  if (*max_length < *min_length) return Invalid(path + ".max_length", "must be >= min_length");
  column.min_length = static_cast<uint32_t>(*min_length);
  column.max_length = static_cast<uint32_t>(*max_length);
  if (const auto it = object.find("hostile"); it != object.end()) {
    if (!it->is_boolean()) return Invalid(path + ".hostile", "must be true or false");
    column.hostile = it->get<bool>();
  }
  return {};
}

Result<void> ParseNumber(const json& object, const std::string& path, SyntheticColumn& column) {
  if (column.type == ColumnType::kLong) {
    if (object.contains("scale")) {
      return Invalid(path + ".scale",
                     "LONG values are integers; scale applies to DOUBLE and "
                     "DECIMAL");
    }
  } else if (column.type != ColumnType::kDouble && column.type != ColumnType::kDecimal) {
    return Invalid(path + ".type", "a number is LONG, DOUBLE or DECIMAL");
  }
  auto min = ReadNumber(object, "min", path, column.min);
  if (!min) return Fail(min.error());
  auto max = ReadNumber(object, "max", path, column.max);
  if (!max) return Fail(max.error());
  auto scale = ReadCount(object, "scale", path, static_cast<uint64_t>(column.scale), kMaxScale);
  if (!scale) return Fail(scale.error());
  column.min = *min;
  column.max = *max;
  column.scale = static_cast<int>(*scale);
  const double factor =
      static_cast<double>(Pow10(column.type == ColumnType::kLong ? 0 : column.scale));
  if (std::max(std::abs(column.min), std::abs(column.max)) * factor > kMaxUnits) {
    return Invalid(path, "min and max times 10^scale must lie within +-2^53");
  }
  const Units units = UnitsOf(column);
  if (units.low > units.high) {
    return Invalid(path + ".max",
                   "no value with " + std::to_string(units.scale) + " decimals lies in [min, max]");
  }
  return {};
}

Result<void> ParseChoice(const json& object, const std::string& path, SyntheticColumn& column) {
  const auto it = object.find("values");
  if (it == object.end() || !it->is_array() || it->empty()) {
    return Invalid(path + ".values", "required, a non-empty array of strings");
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const json& value = (*it)[i];
    const std::string value_path = path + ".values[" + std::to_string(i) + "]";
    if (!value.is_string()) return Invalid(value_path, "must be a string (the CSV text)");
    if (!table::IsValidValue(column.type, value.get<std::string>())) {
      return Invalid(value_path, "'" + value.get<std::string>() + "' is not a valid " +
                                     std::string(table::ColumnTypeName(column.type)));
    }
    column.values.push_back(value.get<std::string>());
  }
  return {};
}

Result<SyntheticColumn> ParseColumn(const json& object, const std::string& path) {
  if (!object.is_object()) return Invalid(path, "must be an object");
  SyntheticColumn column;
  auto name = ReadString(object, "name", path);
  if (!name) return Fail(name.error());
  column.name = *name;
  auto type_text = ReadString(object, "type", path);
  if (!type_text) return Fail(type_text.error());
  auto type = table::ParseColumnType(*type_text, path + ".type");
  if (!type) return Fail(type.error());
  column.type = *type;
  auto kind = ReadString(object, "kind", path);
  if (!kind) return Fail(kind.error());
  column.kind = *kind;
  auto null_ratio = ReadNumber(object, "null_ratio", path, 0);
  if (!null_ratio) return Fail(null_ratio.error());
  if (!(*null_ratio >= 0 && *null_ratio <= 1)) {
    return Invalid(path + ".null_ratio", "must be from 0 to 1");
  }
  column.null_ratio = *null_ratio;

  Result<void> ok;
  if (column.kind == "sequence") {
    ok = CheckKeys(object, path, {"name", "type", "kind", "null_ratio"});
    if (ok && column.type != ColumnType::kLong) ok = Invalid(path + ".type", "a sequence is LONG");
  } else if (column.kind == "timeline") {
    ok = CheckKeys(object, path, {"name", "type", "kind", "null_ratio", "from", "to"});
    if (ok) ok = ParseTimeline(object, path, column);
  } else if (column.kind == "text") {
    ok = CheckKeys(object, path,
                   {"name", "type", "kind", "null_ratio", "min_length", "max_length", "hostile"});
    if (ok) ok = ParseText(object, path, column);
  } else if (column.kind == "number") {
    ok = CheckKeys(object, path, {"name", "type", "kind", "null_ratio", "min", "max", "scale"});
    if (ok) ok = ParseNumber(object, path, column);
  } else if (column.kind == "choice") {
    ok = CheckKeys(object, path, {"name", "type", "kind", "null_ratio", "values"});
    if (ok) ok = ParseChoice(object, path, column);
  } else {
    ok = Invalid(path + ".kind", "unknown kind \"" + column.kind +
                                     "\"; accepted: sequence, timeline, text, number, choice");
  }
  if (!ok) return Fail(ok.error());
  return column;
}

}  // namespace

Result<SyntheticSpec> ParseSyntheticSpec(const nlohmann::json& spec) {
  const std::string root = "synthetic";
  if (!spec.is_object()) return Invalid(root, "must be an object with rows, seed and columns");
  if (auto ok = CheckKeys(spec, root, {"rows", "seed", "columns"}); !ok) return Fail(ok.error());
  SyntheticSpec parsed;
  if (!spec.contains("rows")) return Invalid(root + ".rows", "required, a whole number");
  auto rows = ReadCount(spec, "rows", root, 0, std::numeric_limits<int64_t>::max());
  if (!rows) return Fail(rows.error());
  parsed.rows = *rows;
  auto seed = ReadCount(spec, "seed", root, parsed.seed, std::numeric_limits<uint64_t>::max());
  if (!seed) return Fail(seed.error());
  parsed.seed = *seed;
  const auto columns = spec.find("columns");
  if (columns == spec.end() || !columns->is_array() || columns->empty()) {
    return Invalid(root + ".columns", "required, a non-empty array of columns");
  }
  for (size_t i = 0; i < columns->size(); ++i) {
    const std::string path = root + ".columns[" + std::to_string(i) + "]";
    auto column = ParseColumn((*columns)[i], path);
    if (!column) return Fail(column.error());
    for (const auto& earlier : parsed.columns) {
      if (earlier.name == column->name) {
        return Invalid(path + ".name", "duplicate column name \"" + column->name + "\"");
      }
    }
    parsed.columns.push_back(std::move(*column));
  }
  return parsed;
}

table::Schema SchemaOf(const SyntheticSpec& spec) {
  table::Schema schema;
  for (const auto& column : spec.columns) schema.push_back({column.name, column.type});
  return schema;
}

void GenerateRow(const SyntheticSpec& spec, uint64_t index, Row& out) {
  out.resize(spec.columns.size());
  for (size_t c = 0; c < spec.columns.size(); ++c) {
    const SyntheticColumn& column = spec.columns[c];
    FieldRandom random(spec.seed, index, c);
    // Drawn whatever the ratio, so changing null_ratio leaves the non-null values unchanged.
    if (random.Unit() < column.null_ratio) {
      out[c].reset();
      continue;
    }
    Generate(column, spec.rows, index, random, out[c] ? *out[c] : out[c].emplace());
  }
}

std::pair<uint64_t, uint64_t> TimelineRange(const SyntheticSpec& spec, size_t column,
                                            table::Seconds from, table::Seconds to) {
  if (column >= spec.columns.size() || spec.columns[column].kind != "timeline") {
    return {0, spec.rows};
  }
  // Values are non-decreasing in the row index: binary-search the first row at or after x.
  auto first_at_or_after = [&](table::Seconds x) {
    uint64_t low = 0, high = spec.rows;
    while (low < high) {
      const uint64_t mid = low + (high - low) / 2;
      if (TimelineSecond(spec.columns[column], spec.rows, mid) >= x.time_since_epoch().count()) {
        high = mid;
      } else {
        low = mid + 1;
      }
    }
    return low;
  };
  const uint64_t first = first_at_or_after(from);
  return {first, std::max(first, first_at_or_after(to))};
}

std::pair<uint64_t, uint64_t> TimelineTies(const SyntheticSpec& spec, size_t column,
                                           uint64_t index) {
  const table::Seconds value{
      std::chrono::seconds(TimelineSecond(spec.columns[column], spec.rows, index))};
  return TimelineRange(spec, column, value, value + std::chrono::seconds(1));
}

}  // namespace s3u::emulator
