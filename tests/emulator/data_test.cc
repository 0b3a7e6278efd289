#include "emulator/data.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace s3u::emulator {
namespace {

// 2000 rows over 5 days: ~400 a day, several rows per second of "minute", nulls in `note`.
DataSnapshot Synthetic(double id_null_ratio = 0, uint64_t rows = 2000) {
  auto spec = ParseSyntheticSpec(
      {{"rows", rows},
       {"seed", 7},
       {"columns",
        {{{"name", "id"}, {"type", "LONG"}, {"kind", "sequence"}, {"null_ratio", id_null_ratio}},
         {{"name", "event_time"},
          {"type", "DATETIME"},
          {"kind", "timeline"},
          {"from", "2026-11-20T00:00:00"},
          {"to", "2026-11-25T00:00:00"}},
         {{"name", "day"},
          {"type", "DATE"},
          {"kind", "timeline"},
          {"from", "2026-11-20"},
          {"to", "2026-11-25"}},
         {{"name", "amount"}, {"type", "LONG"}, {"kind", "number"}, {"min", 0}, {"max", 50}},
         {{"name", "note"}, {"type", "STRING"}, {"kind", "text"}, {"null_ratio", 0.2}}}}});
  EXPECT_TRUE(spec) << spec.error().ToString();
  DataSnapshot snapshot;
  snapshot.schema = SchemaOf(*spec);
  snapshot.synthetic = *spec;
  return snapshot;
}

// The plan's rows as the unoptimised path computes them: every row generated, then Execute.
std::vector<Row> Reference(const DataSnapshot& data, const SelectPlan& plan) {
  std::vector<Row> rows;
  Execute(
      plan,
      [&](const std::function<bool(const Row&)>& emit) {
        Row row;
        for (uint64_t i = 0; i < data.synthetic->rows; ++i) {
          GenerateRow(*data.synthetic, i, row);
          if (!emit(row)) return;
        }
      },
      [&](const Row& row) {
        rows.push_back(row);
        return true;
      });
  return rows;
}

std::vector<Row> Queried(const DataSnapshot& data, const SelectPlan& plan) {
  std::vector<Row> rows;
  data.Query(plan, [&](const Row& row) {
    rows.push_back(row);
    return true;
  });
  return rows;
}

const char* const kDay =
    "`event_time` >= '2026-11-22T00:00:00' AND `event_time` < '2026-11-23T00:00:00'";

std::vector<std::string> Queries() {
  const std::string day = kDay;
  std::vector<std::string> where = {
      "",
      " WHERE " + day,
      " WHERE " + day + " AND ((`id` > 1000) OR (`id` = 1000))",
      " WHERE " + day + " AND ((`id` > 1300) OR (`id` = 1300))",  // past the day's end
      " WHERE " + day + " AND `id` > 0",
      " WHERE id >= 1990",
      " WHERE id > 1999.5 OR id < 2.5",
      " WHERE id BETWEEN 10.5 AND 20 AND amount < 25",
      " WHERE id IN (5, 3, 1999, 4000)",
      " WHERE id = 4.5",
      " WHERE id <= 0",
      " WHERE id > 2000",
      " WHERE NOT id < 1995",
      " WHERE id IS NULL OR id = 7",
      " WHERE note IS NULL AND id < 50",
      " WHERE day = '2026-11-21' AND id >= 600",
  };
  std::vector<std::string> tails = {"",
                                    " ORDER BY id",
                                    " ORDER BY `id` ASC LIMIT 7",
                                    " ORDER BY id LIMIT 5 OFFSET 3",
                                    " ORDER BY id LIMIT 0",
                                    " ORDER BY id OFFSET 100000",
                                    " ORDER BY id DESC LIMIT 4",
                                    " ORDER BY event_time, id LIMIT 9 OFFSET 2",
                                    " ORDER BY day, event_time LIMIT 9",
                                    " ORDER BY day LIMIT 9 OFFSET 390",
                                    " ORDER BY id, amount DESC LIMIT 9",
                                    " ORDER BY amount, id LIMIT 6",
                                    " ORDER BY note LIMIT 6",
                                    " LIMIT 3 OFFSET 1"};
  std::vector<std::string> queries;
  for (const auto& w : where) {
    for (const auto& t : tails) queries.push_back("SELECT * FROM table" + w + t);
  }
  queries.push_back("SELECT COUNT(*) FROM table WHERE " + day + " AND id >= 1000");
  queries.push_back("SELECT note, id FROM table WHERE id > 1500 ORDER BY id LIMIT 3");
  return queries;
}

void ExpectSameAsReference(const DataSnapshot& data) {
  for (const std::string& sql : Queries()) {
    const auto plan = ParseSelect(sql, data.schema);
    ASSERT_TRUE(plan) << sql << ": " << plan.error().ToString();
    EXPECT_EQ(Queried(data, *plan), Reference(data, *plan)) << sql;
  }
}

TEST(DataSnapshotQueryTest, SameRowsAsGeneratingEveryRow) { ExpectSameAsReference(Synthetic()); }

TEST(DataSnapshotQueryTest, NullableSequenceFallsBackToSortingWithTheSameRows) {
  ExpectSameAsReference(Synthetic(0.1));
}

TEST(DataSnapshotQueryTest, KeysetPageOfAHugeDatasetReadsOnlyItsRows) {
  // A trillion rows: generating (or sorting) the day would not finish.
  const DataSnapshot data = Synthetic(0, 1'000'000'000'000);
  const auto plan =
      ParseSelect(std::string("SELECT id FROM table WHERE ") + kDay +
                      " AND ((`id` > 500000000123) OR (`id` = 500000000123)) ORDER BY `id` LIMIT 3",
                  data.schema);
  ASSERT_TRUE(plan);
  EXPECT_EQ(Queried(data, *plan),
            (std::vector<Row>{{"500000000123"}, {"500000000124"}, {"500000000125"}}));
}

TEST(DataSnapshotScanTest, SequenceBoundsSkipRowsWithoutGeneratingThem) {
  const DataSnapshot data = Synthetic();
  auto ids = [&](const std::string& condition) {
    const auto plan = ParseSelect("SELECT * FROM table WHERE " + condition, data.schema);
    EXPECT_TRUE(plan) << condition;
    std::vector<std::string> scanned;
    data.Scan(
        [&](const Row& row) {
          scanned.push_back(*row[0]);
          return true;
        },
        &*plan->where);
    return scanned;
  };
  EXPECT_EQ(ids("id >= 1998"), (std::vector<std::string>{"1998", "1999", "2000"}));
  EXPECT_EQ(ids("id > 3 AND id < 6.5"), (std::vector<std::string>{"4", "5", "6"}));
  EXPECT_EQ(ids("id < 1"), std::vector<std::string>{});
  EXPECT_EQ(ids("id > 2000 AND id < 3000"), std::vector<std::string>{});
  EXPECT_EQ(ids("id = 1e30"), std::vector<std::string>{});
  EXPECT_EQ(ids("id >= -5 AND id <= 2"), (std::vector<std::string>{"1", "2"}));
  // The sequence holds no null, so IS NULL matches nothing and the range narrows (a parallel
  // reader's first range, "(k IS NULL OR k < b)", reads only its own rows).
  EXPECT_EQ(ids("id IS NULL OR id > 1999"), (std::vector<std::string>{"2000"}));
  EXPECT_EQ(ids("id < 1 OR id > 1999").size(), 2000u);  // the hull is everything
}

TEST(DataSnapshotScanTest, IsNullCannotNarrowASequenceWithNulls) {
  const DataSnapshot data = Synthetic(/*id_null_ratio=*/0.1);
  const auto plan = ParseSelect("SELECT * FROM table WHERE id IS NULL OR id > 1999", data.schema);
  ASSERT_TRUE(plan);
  uint64_t scanned = 0;
  data.Scan(
      [&](const Row&) {
        ++scanned;
        return true;
      },
      &*plan->where);
  EXPECT_EQ(scanned, 2000u);  // a null may be on any row
}

// The query API serves a number as the digits stored (issue 13): nothing goes through a
// double, so a DECIMAL keeps every digit and a LONG beyond 2^53 stays exact.
TEST(AppendQueryValueJsonTest, NumbersAreTheStoredTextVerbatim) {
  using table::ColumnType;
  const std::pair<ColumnType, std::string> cases[] = {
      {ColumnType::kLong, "42"},
      {ColumnType::kLong, "9007199254740993"},  // 2^53 + 1
      {ColumnType::kLong, "-9223372036854775808"},
      {ColumnType::kLong, "9223372036854775807"},
      {ColumnType::kDecimal, "12345678901234567890.123456789"},
      {ColumnType::kDecimal, "-99999999999999.9999"},
      {ColumnType::kDecimal, "1234.50"},
      {ColumnType::kDecimal, "123456789012345678901234567890.000000001"},
      {ColumnType::kDouble, "1e300"},
      {ColumnType::kDouble, "1E-7"},
      {ColumnType::kDouble, "-0.0"},
      {ColumnType::kDouble, "5e-324"},
      {ColumnType::kDouble, "1.7976931348623157e308"},
      {ColumnType::kDouble, "1e999"},  // beyond a double: still the text sent
  };
  for (const auto& [type, text] : cases) {
    std::string out = "x";
    AppendQueryValueJson(type, text, out);
    EXPECT_EQ(out, "x" + text) << text;
  }
}

// Stored numbers JSON cannot spell as a number go as a string of the same text, so neither a
// digit nor a sign is changed; other types are always strings; null is null.
TEST(AppendQueryValueJsonTest, OtherValuesAreStringsOrNull) {
  using table::ColumnType;
  const std::tuple<ColumnType, Value, std::string> cases[] = {
      {ColumnType::kLong, "007", R"("007")"},
      {ColumnType::kLong, "+5", R"("+5")"},
      {ColumnType::kDecimal, "1.", R"("1.")"},
      {ColumnType::kDouble, ".5", R"(".5")"},
      {ColumnType::kLong, std::nullopt, "null"},
      {ColumnType::kDecimal, std::nullopt, "null"},
      {ColumnType::kString, "12", R"("12")"},
      {ColumnType::kString, "plain text", R"("plain text")"},
      {ColumnType::kString, "", R"("")"},
      {ColumnType::kString, "quote \" back \\ tab\t", R"("quote \" back \\ tab\t")"},
      {ColumnType::kString, "line\nCR\r\x01\x7f", "\"line\\nCR\\r\\u0001\x7f\""},
      {ColumnType::kString, "\xc3\xa9\xf0\x9f\x98\x80", "\"\xc3\xa9\xf0\x9f\x98\x80\""},
      {ColumnType::kDate, "2026-11-20", R"("2026-11-20")"},
      {ColumnType::kDateTime, "2026-11-20T01:02:03", R"("2026-11-20T01:02:03")"},
  };
  for (const auto& [type, value, expected] : cases) {
    std::string out;
    AppendQueryValueJson(type, value, out);
    EXPECT_EQ(out, expected) << value.value_or("null");
  }
}

}  // namespace
}  // namespace s3u::emulator
