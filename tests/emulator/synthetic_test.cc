#include "emulator/synthetic.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

namespace s3u::emulator {
namespace {

using nlohmann::json;
using table::ColumnType;

const json kSpec = json::parse(R"({
  "rows": 3000, "seed": 42, "columns": [
    {"name": "id", "type": "LONG", "kind": "sequence"},
    {"name": "event_time", "type": "DATETIME", "kind": "timeline",
     "from": "2026-10-01T00:00:00", "to": "2026-11-25T00:00:00"},
    {"name": "day", "type": "DATE", "kind": "timeline", "from": "2026-10-01", "to": "2026-11-25"},
    {"name": "customer", "type": "STRING", "kind": "text", "min_length": 3, "max_length": 40,
     "hostile": true, "null_ratio": 0.05},
    {"name": "note", "type": "STRING", "kind": "text", "min_length": 0, "max_length": 12},
    {"name": "amount", "type": "DECIMAL", "kind": "number", "min": -5.5, "max": 10000, "scale": 2},
    {"name": "ratio", "type": "DOUBLE", "kind": "number", "min": 0.1, "max": 0.3, "scale": 4},
    {"name": "qty", "type": "LONG", "kind": "number", "min": -3.5, "max": 7.5},
    {"name": "region", "type": "STRING", "kind": "choice", "values": ["West", "East"]},
    {"name": "code", "type": "LONG", "kind": "choice", "values": ["7", "-12"], "null_ratio": 1}
  ]})");

SyntheticSpec Spec(const json& spec = kSpec) {
  auto parsed = ParseSyntheticSpec(spec);
  if (!parsed) ADD_FAILURE() << parsed.error().ToString();
  return parsed.value_or(SyntheticSpec{});
}

Row Generate(const SyntheticSpec& spec, uint64_t index) {
  Row row;
  GenerateRow(spec, index, row);
  return row;
}

int64_t SecondsOf(const Value& value) {
  return table::ParseDateTime(*value)->time_since_epoch().count();
}

// --- ParseSyntheticSpec ----------------------------------------------------------------------

TEST(ParseSyntheticSpecTest, ReadsEveryKindAndOption) {
  const SyntheticSpec spec = Spec();
  EXPECT_EQ(spec.rows, 3000u);
  EXPECT_EQ(spec.seed, 42u);
  ASSERT_EQ(spec.columns.size(), 10u);
  EXPECT_EQ(spec.columns[1].from, SecondsOf("2026-10-01T00:00:00"));
  EXPECT_EQ(spec.columns[2].to, SecondsOf("2026-11-25T00:00:00"));
  EXPECT_EQ(spec.columns[3].max_length, 40u);
  EXPECT_TRUE(spec.columns[3].hostile);
  EXPECT_DOUBLE_EQ(spec.columns[3].null_ratio, 0.05);
  EXPECT_EQ(spec.columns[5].scale, 2);
  EXPECT_DOUBLE_EQ(spec.columns[5].min, -5.5);
  EXPECT_EQ(spec.columns[8].values, (std::vector<std::string>{"West", "East"}));
  EXPECT_EQ(SchemaOf(spec)[1], (table::Column{"event_time", ColumnType::kDateTime}));
  EXPECT_EQ(SchemaOf(spec).size(), 10u);
}

TEST(ParseSyntheticSpecTest, DefaultsSeedAndOptions) {
  const SyntheticSpec spec = Spec(json::parse(
      R"({"rows": 1, "columns": [{"name": "t", "type": "STRING", "kind": "text"},
                                 {"name": "n", "type": "DECIMAL", "kind": "number"}]})"));
  EXPECT_EQ(spec.seed, 1u);
  EXPECT_EQ(spec.columns[0].min_length, 1u);
  EXPECT_EQ(spec.columns[0].max_length, 24u);
  EXPECT_FALSE(spec.columns[0].hostile);
  EXPECT_EQ(spec.columns[1].scale, 2);
  EXPECT_DOUBLE_EQ(spec.columns[1].max, 1000);
}

TEST(ParseSyntheticSpecTest, RejectsNamingTheField) {
  struct Case {
    std::string spec;
    std::string subject;
    std::string message_part;
  };
  auto one = [](const std::string& column) {
    return R"({"rows": 10, "columns": [)" + column + "]}";
  };
  const Case cases[] = {
      {"[]", "synthetic", "must be an object"},
      {R"({"rows": 1, "columns": [], "extra": 1})", "synthetic.extra",
       "unknown field here; accepted: rows, seed, columns"},
      {R"({"columns": [{"name": "a", "type": "LONG", "kind": "sequence"}]})", "synthetic.rows",
       "required"},
      {R"({"rows": -1, "columns": []})", "synthetic.rows", "must be a whole number"},
      {R"({"rows": 1.5, "columns": []})", "synthetic.rows", "must be a whole number"},
      {R"({"rows": 1, "seed": "x", "columns": []})", "synthetic.seed", "must be a whole number"},
      {R"({"rows": 1, "columns": []})", "synthetic.columns", "non-empty array"},
      {R"({"rows": 1, "columns": [1]})", "synthetic.columns[0]", "must be an object"},
      {one(R"({"type": "LONG", "kind": "sequence"})"), "synthetic.columns[0].name", "required"},
      {one(R"({"name": "a", "type": "long", "kind": "sequence"})"), "synthetic.columns[0].type",
       "STRING"},
      {one(R"({"name": "a", "type": "LONG", "kind": "random"})"), "synthetic.columns[0].kind",
       "unknown kind \"random\"; accepted: sequence, timeline, text, number, choice"},
      {one(R"({"name": "a", "type": "LONG", "kind": "sequence", "nul_ratio": 0.1})"),
       "synthetic.columns[0].nul_ratio", "accepted: name, type, kind, null_ratio"},
      {one(R"({"name": "a", "type": "LONG", "kind": "sequence", "null_ratio": 1.5})"),
       "synthetic.columns[0].null_ratio", "from 0 to 1"},
      {one(R"({"name": "a", "type": "LONG", "kind": "sequence", "null_ratio": "x"})"),
       "synthetic.columns[0].null_ratio", "must be a number"},
      {one(R"({"name": "a", "type": "STRING", "kind": "sequence"})"), "synthetic.columns[0].type",
       "a sequence is LONG"},
      {one(R"({"name": "a", "type": "LONG", "kind": "timeline", "from": "2026-01-01",
               "to": "2026-01-02"})"),
       "synthetic.columns[0].type", "a timeline is DATE or DATETIME"},
      {one(R"({"name": "a", "type": "DATE", "kind": "timeline", "from": "2026-01-02",
               "to": "2026-01-02"})"),
       "synthetic.columns[0].to", "must be later than from"},
      {one(R"({"name": "a", "type": "DATE", "kind": "timeline", "from": "2026-02-30",
               "to": "2026-03-02"})"),
       "synthetic.columns[0].from", "'2026-02-30' is not a date; use yyyy-MM-dd"},
      {one(R"({"name": "a", "type": "DATETIME", "kind": "timeline", "from": "2026-01-01"})"),
       "synthetic.columns[0].to", "required"},
      {one(R"({"name": "a", "type": "DATETIME", "kind": "timeline", "from": "noon",
               "to": "2026-01-02"})"),
       "synthetic.columns[0].from", "is not a date-time"},
      {one(R"({"name": "a", "type": "LONG", "kind": "text"})"), "synthetic.columns[0].type",
       "text is STRING"},
      {one(R"({"name": "a", "type": "STRING", "kind": "text", "min_length": 5,
               "max_length": 4})"),
       "synthetic.columns[0].max_length", "must be >= min_length"},
      {one(R"({"name": "a", "type": "STRING", "kind": "text", "max_length": 2000000})"),
       "synthetic.columns[0].max_length", "from 0 to 1048576"},
      {one(R"({"name": "a", "type": "STRING", "kind": "text", "hostile": "yes"})"),
       "synthetic.columns[0].hostile", "true or false"},
      {one(R"({"name": "a", "type": "STRING", "kind": "number"})"), "synthetic.columns[0].type",
       "a number is LONG, DOUBLE or DECIMAL"},
      {one(R"({"name": "a", "type": "LONG", "kind": "number", "scale": 2})"),
       "synthetic.columns[0].scale", "LONG values are integers"},
      {one(R"({"name": "a", "type": "DECIMAL", "kind": "number", "scale": 16})"),
       "synthetic.columns[0].scale", "from 0 to 15"},
      {one(R"({"name": "a", "type": "DECIMAL", "kind": "number", "min": 5, "max": 4})"),
       "synthetic.columns[0].max", "no value with 2 decimals lies in [min, max]"},
      {one(R"({"name": "a", "type": "LONG", "kind": "number", "min": 0.2, "max": 0.8})"),
       "synthetic.columns[0].max", "no value with 0 decimals"},
      {one(R"({"name": "a", "type": "DECIMAL", "kind": "number", "max": 1e14, "scale": 4})"),
       "synthetic.columns[0]", "within +-2^53"},
      {one(R"({"name": "a", "type": "STRING", "kind": "choice"})"), "synthetic.columns[0].values",
       "non-empty array"},
      {one(R"({"name": "a", "type": "STRING", "kind": "choice", "values": [1]})"),
       "synthetic.columns[0].values[0]", "must be a string"},
      {one(R"({"name": "a", "type": "LONG", "kind": "choice", "values": ["1", "x"]})"),
       "synthetic.columns[0].values[1]", "'x' is not a valid LONG"},
      {one(R"({"name": "a", "type": "STRING", "kind": "choice", "values": ["x"], "min": 1})"),
       "synthetic.columns[0].min", "accepted: name, type, kind, null_ratio, values"},
      {R"({"rows": 1, "columns": [{"name": "a", "type": "LONG", "kind": "sequence"},
                                  {"name": "a", "type": "LONG", "kind": "sequence"}]})",
       "synthetic.columns[1].name", "duplicate column name \"a\""},
  };
  for (const Case& c : cases) {
    const auto spec = ParseSyntheticSpec(json::parse(c.spec));
    ASSERT_FALSE(spec) << c.spec;
    EXPECT_EQ(spec.error().code, ErrorCode::kInvalidArgument) << c.spec;
    EXPECT_EQ(spec.error().subject, c.subject) << c.spec;
    EXPECT_NE(spec.error().message.find(c.message_part), std::string::npos)
        << c.spec << " -> " << spec.error().message;
  }
}

// --- GenerateRow -------------------------------------------------------------------------------

TEST(GenerateRowTest, SameInputsSameRowInAnyOrder) {
  const SyntheticSpec spec = Spec();
  std::vector<Row> forward;
  for (uint64_t i = 0; i < 200; ++i) forward.push_back(Generate(spec, i));
  Row reused;  // one buffer, filled backwards: stale contents must never leak through
  for (uint64_t i = 200; i-- > 0;) {
    GenerateRow(spec, i, reused);
    ASSERT_EQ(reused, forward[i]) << "row " << i;
  }
  EXPECT_EQ(Generate(Spec(), 123), forward[123]);  // a fresh parse of the same spec
}

TEST(GenerateRowTest, SeedAndIndexChangeTheRow) {
  const SyntheticSpec spec = Spec();
  json reseeded = kSpec;
  reseeded["seed"] = 43;
  const SyntheticSpec other = Spec(reseeded);
  int same_customer = 0, same_amount = 0;
  for (uint64_t i = 0; i < 100; ++i) {
    const Row a = Generate(spec, i), b = Generate(other, i), next = Generate(spec, i + 1);
    EXPECT_EQ(a[0], b[0]);  // the sequence and timelines do not depend on the seed
    EXPECT_EQ(a[1], b[1]);
    same_customer += a[3] == b[3];
    same_amount += a[5] == b[5] || a[5] == next[5];
  }
  EXPECT_LT(same_customer, 20);  // nulls and short hostile shapes can coincide
  EXPECT_LT(same_amount, 5);
}

TEST(GenerateRowTest, SequenceCountsFromOne) {
  const SyntheticSpec spec = Spec();
  EXPECT_EQ(Generate(spec, 0)[0], "1");
  EXPECT_EQ(Generate(spec, 2999)[0], "3000");
}

TEST(GenerateRowTest, TimelineRowsAreSpreadEvenly) {
  const SyntheticSpec spec = Spec(json::parse(R"({"rows": 4, "columns": [
      {"name": "t", "type": "DATETIME", "kind": "timeline",
       "from": "2026-10-01T00:00:00", "to": "2026-10-02T00:00:00"},
      {"name": "d", "type": "DATE", "kind": "timeline", "from": "2026-10-01", "to": "2026-10-03"}]})"));
  const std::string expected_t[] = {"2026-10-01T00:00:00", "2026-10-01T06:00:00",
                                    "2026-10-01T12:00:00", "2026-10-01T18:00:00"};
  const std::string expected_d[] = {"2026-10-01", "2026-10-01", "2026-10-02", "2026-10-02"};
  for (uint64_t i = 0; i < 4; ++i) {
    const Row row = Generate(spec, i);
    EXPECT_EQ(row[0], expected_t[i]);
    EXPECT_EQ(row[1], expected_d[i]);
  }
}

TEST(GenerateRowTest, TimelineIsNonDecreasingAndCoversTheRange) {
  for (const uint64_t rows : {uint64_t{1}, uint64_t{7}, uint64_t{1000}, uint64_t{20000}}) {
    json spec_json = kSpec;
    spec_json["rows"] = rows;
    const SyntheticSpec spec = Spec(spec_json);
    const int64_t from = spec.columns[1].from, to = spec.columns[1].to;
    int64_t previous_t = from, previous_d = from;
    std::set<int64_t> days;
    for (uint64_t i = 0; i < rows; ++i) {
      const Row row = Generate(spec, i);
      const int64_t t = SecondsOf(row[1]), d = SecondsOf(row[2]);
      ASSERT_GE(t, previous_t) << i;
      ASSERT_GE(d, previous_d) << i;
      ASSERT_LT(t, to);
      ASSERT_EQ(d % 86400, 0);
      ASSERT_LE(d, t);  // same instants, floored to the day
      ASSERT_GT(d + 86400, t);
      previous_t = t;
      previous_d = d;
      days.insert(d);
    }
    EXPECT_EQ(SecondsOf(Generate(spec, 0)[1]), from);
    // The last row lies within one step of the end.
    EXPECT_GE(previous_t, to - (to - from) / static_cast<int64_t>(rows) - 1) << rows;
    if (rows >= 1000) {
      EXPECT_EQ(days.size(), 55u) << "every day from 2026-10-01 to 11-24";
    }
  }
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

TEST(GenerateRowTest, EveryValueIsValidForItsColumn) {
  const SyntheticSpec spec = Spec();
  const table::Schema schema = SchemaOf(spec);
  Row row;
  for (uint64_t i = 0; i < spec.rows; ++i) {
    GenerateRow(spec, i, row);
    ASSERT_EQ(row.size(), schema.size());
    for (size_t c = 0; c < row.size(); ++c) {
      if (row[c]) {
        ASSERT_TRUE(table::IsValidValue(schema[c].type, *row[c]))
            << schema[c].name << " row " << i << ": " << *row[c];
        ASSERT_TRUE(IsValidUtf8(*row[c])) << schema[c].name << " row " << i;
      }
    }
    // DECIMAL / DOUBLE: exactly `scale` decimals, within [min, max].
    for (const auto& [c, scale] : {std::pair<size_t, size_t>{5, 2}, {6, 4}}) {
      const std::string& text = row[c].value();
      ASSERT_EQ(text.size() - text.find('.') - 1, scale) << text;
      const double value = std::strtod(text.c_str(), nullptr);
      ASSERT_GE(value, spec.columns[c].min) << text;
      ASSERT_LE(value, spec.columns[c].max) << text;
    }
    const long qty = std::stol(row[7].value());
    ASSERT_GE(qty, -3);
    ASSERT_LE(qty, 7);
    ASSERT_TRUE(row[8] == "West" || row[8] == "East");
    ASSERT_FALSE(row[9]) << "null_ratio 1";
    const std::string& note = row[4].value();
    ASSERT_LE(note.size(), 12u);
    ASSERT_EQ(note.find_first_not_of("abcdefghijklmnopqrstuvwxyz "), std::string::npos) << note;
    if (!note.empty()) {
      ASSERT_TRUE(note.front() != ' ' && note.back() != ' ') << note;
    }
  }
}

TEST(GenerateRowTest, NumbersReachBothEnds) {
  const SyntheticSpec spec = Spec(json::parse(R"({"rows": 2000, "columns": [
      {"name": "n", "type": "DECIMAL", "kind": "number", "min": 0.1, "max": 0.13, "scale": 2},
      {"name": "l", "type": "LONG", "kind": "number", "min": -2, "max": 1}]})"));
  std::set<std::string> decimals, longs;
  for (uint64_t i = 0; i < spec.rows; ++i) {
    const Row row = Generate(spec, i);
    decimals.insert(*row[0]);
    longs.insert(*row[1]);
  }
  EXPECT_EQ(decimals, (std::set<std::string>{"0.10", "0.11", "0.12", "0.13"}));
  EXPECT_EQ(longs, (std::set<std::string>{"-2", "-1", "0", "1"}));
}

bool HasLoneCarriageReturn(std::string_view s) {
  for (size_t i = s.find('\r'); i != std::string_view::npos; i = s.find('\r', i + 1)) {
    if (i + 1 == s.size() || s[i + 1] != '\n') return true;
  }
  return false;
}

TEST(GenerateRowTest, HostileTextHasEveryTroublesomeShape) {
  json spec_json = kSpec;
  spec_json["rows"] = 60000;
  const SyntheticSpec spec = Spec(spec_json);
  std::map<std::string, int> seen;
  Row row;
  for (uint64_t i = 0; i < spec.rows; ++i) {
    GenerateRow(spec, i, row);
    if (!row[3]) continue;
    const std::string& s = *row[3];
    ASSERT_TRUE(IsValidUtf8(s)) << i;
    seen["quote"] += s.find('"') != std::string::npos;
    seen["comma"] += s.find(',') != std::string::npos;
    seen["crlf"] += s.find("\r\n") != std::string::npos;
    seen["lone cr"] += HasLoneCarriageReturn(s);
    seen["lf"] += s.find('\n') != std::string::npos;
    seen["4-byte utf-8"] += s.find("\xF0\x9F\x98\x80") != std::string::npos;
    seen["leading zeros"] += s.size() > 1 && s[0] == '0' && s[1] == '0';
    seen["leading space"] += !s.empty() && s.front() == ' ';
    seen["trailing space"] += !s.empty() && s.back() == ' ';
    seen["\\N"] += s == "\\N";
    seen["empty"] += s.empty();
    seen["very long"] += s.size() >= 65536;
    seen["plain"] += s.size() >= 3 && s.size() <= 40 &&
                     s.find_first_not_of("abcdefghijklmnopqrstuvwxyz ") == std::string::npos;
  }
  for (const auto& [shape, count] : seen) EXPECT_GT(count, 0) << shape;
  EXPECT_GT(seen["plain"], 60000 / 5) << "most values stay ordinary";
}

TEST(GenerateRowTest, NullRatioIsRoughlyRespected) {
  json spec_json = json::parse(R"({"rows": 20000, "columns": [
      {"name": "a", "type": "STRING", "kind": "text", "null_ratio": 0.2},
      {"name": "b", "type": "STRING", "kind": "text"}]})");
  const SyntheticSpec spec = Spec(spec_json);
  spec_json["columns"][0]["null_ratio"] = 0.5;
  const SyntheticSpec more_nulls = Spec(spec_json);
  int nulls = 0, nulls_b = 0, more = 0;
  for (uint64_t i = 0; i < spec.rows; ++i) {
    const Row row = Generate(spec, i), other = Generate(more_nulls, i);
    nulls += !row[0];
    nulls_b += !row[1];
    more += !other[0];
    // A higher ratio nulls more rows but changes no value it keeps.
    if (other[0]) {
      ASSERT_EQ(other[0], row[0]) << i;
    }
  }
  EXPECT_NEAR(nulls, 4000, 400);
  EXPECT_NEAR(more, 10000, 500);
  EXPECT_EQ(nulls_b, 0);
}

// --- TimelineRange -----------------------------------------------------------------------------

std::pair<uint64_t, uint64_t> BruteForceRange(const SyntheticSpec& spec, size_t column,
                                              int64_t from, int64_t to) {
  uint64_t first = spec.rows, last = 0;
  Row row;
  for (uint64_t i = 0; i < spec.rows; ++i) {
    GenerateRow(spec, i, row);
    const int64_t t = SecondsOf(row[column]);
    if (t >= from && t < to) {
      first = std::min(first, i);
      last = i + 1;
    }
  }
  return first < last ? std::make_pair(first, last) : std::make_pair(uint64_t{0}, uint64_t{0});
}

table::Seconds AtSecond(int64_t s) { return table::Seconds{std::chrono::seconds{s}}; }

RC_GTEST_PROP(TimelineRangeTest, MatchesBruteForce, ()) {
  const bool date = *rc::gen::arbitrary<bool>();
  const auto rows = *rc::gen::inRange<uint64_t>(1, 1500);
  const int64_t from = 1790812800;  // 2026-10-01
  const int64_t span =
      date ? 86400 * *rc::gen::inRange<int64_t>(1, 60) : *rc::gen::inRange<int64_t>(1, 86400 * 60);
  json spec_json = {
      {"rows", rows},
      {"columns", json::array({{{"name", "t"},
                                {"type", date ? "DATE" : "DATETIME"},
                                {"kind", "timeline"},
                                {"from", table::FormatDateTime(AtSecond(from))},
                                {"to", table::FormatDateTime(AtSecond(from + span))}}})}};
  if (date) {
    spec_json["columns"][0]["from"] = "2026-10-01";
    spec_json["columns"][0]["to"] =
        table::FormatDate(std::chrono::floor<std::chrono::days>(AtSecond(from + span)));
  }
  const SyntheticSpec spec = Spec(spec_json);
  RC_ASSERT(spec.rows == rows);
  // Query bounds around and inside the range, often exactly on generated values.
  auto bound = rc::gen::oneOf(rc::gen::inRange<int64_t>(from - 100, from + span + 100),
                              rc::gen::map(rc::gen::inRange<uint64_t>(0, rows), [&](uint64_t i) {
                                Row row;
                                GenerateRow(spec, i, row);
                                return SecondsOf(row[0]);
                              }));
  const int64_t a = *bound, b = *bound;
  const auto [first, last] = TimelineRange(spec, 0, AtSecond(a), AtSecond(b));
  const auto expected = BruteForceRange(spec, 0, a, b);
  RC_ASSERT(last - first == expected.second - expected.first);
  if (first < last) {
    RC_ASSERT(std::make_pair(first, last) == expected);
  }
}

TEST(TimelineRangeTest, OneDayOfAHundredThousandRows) {
  json spec_json = kSpec;
  spec_json["rows"] = 100000;
  const SyntheticSpec spec = Spec(spec_json);
  const auto day = [&](size_t column) {
    return TimelineRange(spec, column, AtSecond(SecondsOf("2026-10-05")),
                         AtSecond(SecondsOf("2026-10-06")));
  };
  const auto [first, last] = day(1);
  EXPECT_EQ(day(2), day(1)) << "DATE and DATETIME columns over the same range agree";
  // 100000 rows over 55 days: ~1818 per day.
  EXPECT_NEAR(static_cast<double>(last - first), 100000.0 / 55, 2);
  EXPECT_EQ(Generate(spec, first)[2], "2026-10-05");
  EXPECT_EQ(Generate(spec, first - 1)[2], "2026-10-04");
  EXPECT_EQ(Generate(spec, last - 1)[2], "2026-10-05");
  EXPECT_EQ(Generate(spec, last)[2], "2026-10-06");
}

TEST(TimelineRangeTest, UnboundedEmptyAndNonTimeline) {
  const SyntheticSpec spec = Spec();
  EXPECT_EQ(TimelineRange(spec, 1, table::Seconds::min(), table::Seconds::max()),
            std::make_pair(uint64_t{0}, uint64_t{3000}));
  const auto inverted =
      TimelineRange(spec, 1, AtSecond(SecondsOf("2026-10-06")), AtSecond(SecondsOf("2026-10-05")));
  EXPECT_EQ(inverted.first, inverted.second);
  EXPECT_EQ(TimelineRange(spec, 1, AtSecond(SecondsOf("2030-01-01")), table::Seconds::max()),
            std::make_pair(uint64_t{3000}, uint64_t{3000}));
  EXPECT_EQ(TimelineRange(spec, 0, AtSecond(0), AtSecond(1)),
            std::make_pair(uint64_t{0}, uint64_t{3000}))
      << "a sequence column cannot be narrowed";
  EXPECT_EQ(TimelineRange(spec, 99, AtSecond(0), AtSecond(1)),
            std::make_pair(uint64_t{0}, uint64_t{3000}));
}

TEST(TimelineRangeTest, WithInstantBoundsSelectsExactlyTheMatchingRows) {
  const SyntheticSpec spec = Spec();
  const auto plan = ParseSelect(
      "SELECT * FROM table WHERE day = '2026-10-20' AND event_time < '2026-10-20T12:00:00'",
      SchemaOf(spec));
  ASSERT_TRUE(plan) << plan.error().ToString();
  // Each timeline narrows by its own bounds; the rows that can match are the intersection.
  uint64_t first = 0, last = spec.rows;
  for (size_t column : {size_t{1}, size_t{2}}) {
    const InstantRange bounds = plan->where->InstantBounds(column);
    const auto range = TimelineRange(spec, column, bounds.from, bounds.to);
    first = std::max(first, range.first);
    last = std::min(last, range.second);
  }
  ASSERT_LT(first, last);
  EXPECT_LT(last - first, spec.rows / 55);
  Row row;
  for (uint64_t i = 0; i < spec.rows; ++i) {
    GenerateRow(spec, i, row);
    EXPECT_EQ(plan->where->Matches(row), i >= first && i < last) << i;
  }
}

}  // namespace
}  // namespace s3u::emulator
