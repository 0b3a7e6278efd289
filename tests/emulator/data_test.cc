#include "emulator/data.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace s3u::emulator {
namespace {

struct Shape {
  double id_null_ratio = 0;
  uint64_t rows = 2000;
  double time_null_ratio = 0;  // of event_time
  // event_time spans [from, to): 5 days by default (~400 rows a day, 216 s apart).
  const char* from = "2026-11-20T00:00:00";
  const char* to = "2026-11-25T00:00:00";
};

// `id` a sequence, `event_time` and `day` timelines, nulls in `note`.
DataSnapshot Synthetic(const Shape& shape) {
  auto spec = ParseSyntheticSpec(
      {{"rows", shape.rows},
       {"seed", 7},
       {"columns",
        {{{"name", "id"},
          {"type", "LONG"},
          {"kind", "sequence"},
          {"null_ratio", shape.id_null_ratio}},
         {{"name", "event_time"},
          {"type", "DATETIME"},
          {"kind", "timeline"},
          {"from", shape.from},
          {"to", shape.to},
          {"null_ratio", shape.time_null_ratio}},
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

DataSnapshot Synthetic(double id_null_ratio = 0, uint64_t rows = 2000) {
  Shape shape;
  shape.id_null_ratio = id_null_ratio;
  shape.rows = rows;
  return Synthetic(shape);
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
      "", " WHERE " + day, " WHERE " + day + " AND ((`id` > 1000) OR (`id` = 1000))",
      " WHERE " + day + " AND ((`id` > 1300) OR (`id` = 1300))",  // past the day's end
      " WHERE " + day + " AND `id` > 0", " WHERE id >= 1990", " WHERE id > 1999.5 OR id < 2.5",
      " WHERE id BETWEEN 10.5 AND 20 AND amount < 25", " WHERE id IN (5, 3, 1999, 4000)",
      " WHERE id = 4.5", " WHERE id <= 0", " WHERE id > 2000", " WHERE NOT id < 1995",
      " WHERE id IS NULL OR id = 7", " WHERE note IS NULL AND id < 50",
      " WHERE day = '2026-11-21' AND id >= 600",
      // What the unload sends: the day on a DATE column, a reader's key range, a time slice.
      " WHERE `day` = '2026-11-22'",
      " WHERE `day` = '2026-11-20'",  // the dataset's first day
      " WHERE `day` = '2026-11-24'",  // its last
      " WHERE `day` = '2026-11-25'",  // after it: empty
      " WHERE `event_time` >= '2026-11-19T00:00:00' AND `event_time` < '2026-11-20T00:00:00'",
      " WHERE `event_time` >= '2026-11-24T00:00:00' AND `event_time` < '2026-11-25T00:00:00'",
      " WHERE " + day + " AND (`id` IS NULL OR `id` < 900)",
      " WHERE " + day + " AND `id` >= 900 AND `id` < 1000", " WHERE " + day + " AND `id` >= 1000",
      " WHERE " + day + " AND `id` IS NOT NULL",
      " WHERE `event_time` >= '2026-11-22T06:00:00' AND `event_time` < '2026-11-22T12:00:00'",
      // Exact in other spellings, or not exact at all (the count is then scanned).
      " WHERE event_time BETWEEN '2026-11-22T00:00:00' AND '2026-11-22T10:00:00'",
      " WHERE event_time BETWEEN '2026-11-23T00:00:00' AND '2026-11-22T00:00:00'",
      " WHERE id BETWEEN 30 AND 20", " WHERE day IN ('2026-11-23', '2026-11-23') AND id IN (1000)",
      " WHERE day IN ('2026-11-21', '2026-11-23')",
      " WHERE (id >= 10 AND id < 20) OR (id >= 20 AND id <= 25)",
      " WHERE (id < 10 OR id > 1990) AND day = '2026-11-20'",
      " WHERE NOT (id IS NULL) AND NOT (event_time IS NULL) AND id <= 77",
      " WHERE id <> 5 AND " + day, " WHERE note IS NOT NULL AND " + day,
      " WHERE event_time IS NOT NULL AND day = '2026-11-23'",
      " WHERE event_time IS NULL OR event_time < '2026-11-21T00:00:00'",
      " WHERE amount = 7 AND " + day,
      " WHERE day = '2026-11-22T12:00:00'",  // a DATE is its midnight: no row
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
                                    " LIMIT 3 OFFSET 1",
                                    " ORDER BY id DESC",
                                    " ORDER BY `id` DESC LIMIT 1",
                                    " ORDER BY id DESC, amount LIMIT 5 OFFSET 2",
                                    " ORDER BY event_time DESC LIMIT 5",
                                    " ORDER BY day DESC LIMIT 7 OFFSET 380",
                                    " ORDER BY day DESC, event_time DESC LIMIT 9",
                                    " ORDER BY day DESC, id DESC LIMIT 3",
                                    " ORDER BY event_time DESC, id LIMIT 4",
                                    " ORDER BY amount DESC LIMIT 4"};
  std::vector<std::string> queries;
  for (const auto& w : where) {
    for (const auto& t : tails) queries.push_back("SELECT * FROM table" + w + t);
  }
  for (const auto& w : where) {
    queries.push_back("SELECT COUNT(*) FROM table" + w);
    queries.push_back("SELECT COUNT(*) FROM table" + w + " LIMIT 0");
    queries.push_back("SELECT COUNT(*) FROM table" + w + " OFFSET 1");
    queries.push_back("SELECT `id` FROM table" + w + " ORDER BY `id` LIMIT 1");
  }
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

TEST(DataSnapshotQueryTest, NullableTimelineFallsBackWithTheSameRows) {
  Shape shape;
  shape.time_null_ratio = 0.1;
  ExpectSameAsReference(Synthetic(shape));
}

TEST(DataSnapshotQueryTest, TiedTimelinesKeepTheirRowOrderWhenDescending) {
  // 2000 rows in ten minutes of 2026-11-22: 3 or 4 rows share each second.
  Shape shape;
  shape.from = "2026-11-22T00:00:00";
  shape.to = "2026-11-22T00:10:00";
  ExpectSameAsReference(Synthetic(shape));
}

TEST(DataSnapshotQueryTest, SparseRowsLeaveEmptyDaysWithTheSameRows) {
  // 3 rows over 5 days: on the 20th, 21st and 23rd; the 22nd (kDay) has none.
  ExpectSameAsReference(Synthetic(0, 3));
  ExpectSameAsReference(Synthetic(0, 0));
}

// The rows of a query and how many rows answering it generated.
std::pair<std::vector<Row>, uint64_t> QueryWithStats(const DataSnapshot& data,
                                                     const std::string& sql) {
  const auto plan = ParseSelect(sql, data.schema);
  EXPECT_TRUE(plan) << sql << ": " << plan.error().ToString();
  if (!plan) return {};
  ScanStats stats;
  std::vector<Row> rows;
  data.Query(
      *plan,
      [&](const Row& row) {
        rows.push_back(row);
        return true;
      },
      &stats);
  return {rows, stats.rows_generated};
}

// As QueryWithStats, the rows checked against generating every row.
std::pair<std::vector<Row>, uint64_t> QueriedWithStats(const DataSnapshot& data,
                                                       const std::string& sql) {
  auto answer = QueryWithStats(data, sql);
  if (const auto plan = ParseSelect(sql, data.schema)) {
    EXPECT_EQ(answer.first, Reference(data, *plan)) << sql;
  }
  return answer;
}

TEST(DataSnapshotQueryTest, CountOfExactRangesGeneratesNoRow) {
  const DataSnapshot data = Synthetic();
  const std::string day = kDay;
  for (const std::string& where : {
           day,
           std::string("`day` = '2026-11-22'"),
           day + " AND (`id` IS NULL OR `id` < 900)",
           day + " AND `id` >= 900 AND `id` < 1000",
           day + " AND `id` IS NOT NULL",
           std::string("`day` = '2026-12-01'"),
           std::string("id BETWEEN 30 AND 20"),
       }) {
    const auto [rows, generated] =
        QueriedWithStats(data, "SELECT COUNT(*) FROM table WHERE " + where);
    EXPECT_EQ(generated, 0u) << where;
  }
  // The day holds rows 800..1199 (ids 801..1200); the readers' ranges cut it.
  EXPECT_EQ(QueriedWithStats(data, "SELECT COUNT(*) FROM table WHERE " + day).first,
            std::vector<Row>{{"400"}});
  EXPECT_EQ(QueriedWithStats(data, "SELECT COUNT(*) FROM table WHERE " + day +
                                       " AND (`id` IS NULL OR `id` < 900)")
                .first,
            std::vector<Row>{{"99"}});
}

TEST(DataSnapshotQueryTest, CountOfAnythingElseIsScanned) {
  const std::string day = kDay;
  const DataSnapshot data = Synthetic();
  for (const std::string& where : {
           "note IS NOT NULL AND " + day,  // note may be null
           "amount = 7 AND " + day,        // not a timeline or a sequence
           "id <> 900 AND " + day,
           std::string("day IN ('2026-11-21', '2026-11-23')"),
           std::string("(id < 10 OR id > 1990) AND day = '2026-11-20'"),
       }) {
    EXPECT_GT(QueriedWithStats(data, "SELECT COUNT(*) FROM table WHERE " + where).second, 0u)
        << where;
  }
  // A sequence or a timeline that may be null is scanned too.
  EXPECT_GT(
      QueriedWithStats(Synthetic(0.1), "SELECT COUNT(*) FROM table WHERE " + day + " AND id < 900")
          .second,
      0u);
  Shape shape;
  shape.time_null_ratio = 0.1;
  EXPECT_GT(QueriedWithStats(Synthetic(shape), "SELECT COUNT(*) FROM table WHERE " + day).second,
            0u);
}

TEST(DataSnapshotQueryTest, DescendingLimitGeneratesOnlyTheRowsItReturns) {
  const DataSnapshot data = Synthetic();
  const std::string day = kDay;
  auto [last, generated] =
      QueriedWithStats(data, "SELECT `id` FROM table WHERE " + day +
                                 " AND `id` IS NOT NULL ORDER BY `id` DESC LIMIT 1");
  EXPECT_EQ(last, std::vector<Row>{{"1200"}});
  EXPECT_EQ(generated, 1u);
  std::tie(last, generated) = QueriedWithStats(
      data, "SELECT id FROM table WHERE " + day + " ORDER BY event_time DESC, day DESC LIMIT 3");
  EXPECT_EQ(last, (std::vector<Row>{{"1200"}, {"1199"}, {"1198"}}));
  EXPECT_EQ(generated, 3u);
  // A DATE ties the whole day: its rows come in row order, from the day's first.
  std::tie(last, generated) =
      QueriedWithStats(data, "SELECT id FROM table WHERE id < 1000 ORDER BY day DESC LIMIT 2");
  EXPECT_EQ(last, (std::vector<Row>{{"801"}, {"802"}}));
  EXPECT_EQ(generated, 2u);
  // Rows the WHERE rejects are generated to be rejected: walking stops at the limit.
  std::tie(last, generated) =
      QueriedWithStats(data, "SELECT id FROM table WHERE amount < 0 ORDER BY id DESC LIMIT 1");
  EXPECT_EQ(last, std::vector<Row>{});
  EXPECT_EQ(generated, 2000u);
}

TEST(DataSnapshotQueryTest, HugeDayIsCountedAndBoundedWithoutScanning) {
  // A trillion rows over 5 days: 2 * 10^11 on 2026-11-22, rows 4 * 10^11 .. 6 * 10^11 - 1.
  const DataSnapshot data = Synthetic(0, 1'000'000'000'000);
  const std::string day = kDay;
  auto run = [&](const std::string& sql) {
    auto [rows, generated] = QueryWithStats(data, sql);
    EXPECT_LE(generated, 1u) << sql;
    return rows;
  };
  EXPECT_EQ(run("SELECT COUNT(*) FROM table WHERE " + day), std::vector<Row>{{"200000000000"}});
  EXPECT_EQ(run("SELECT COUNT(*) FROM table WHERE `day` = '2026-11-22'"),
            std::vector<Row>{{"200000000000"}});
  EXPECT_EQ(run("SELECT COUNT(*) FROM table WHERE " + day + " AND `id` >= 500000000001"),
            std::vector<Row>{{"100000000000"}});
  EXPECT_EQ(run("SELECT COUNT(*) FROM table"), std::vector<Row>{{"1000000000000"}});
  EXPECT_EQ(run("SELECT `id` FROM table WHERE " + day +
                " AND `id` IS NOT NULL ORDER BY `id` DESC LIMIT 1"),
            std::vector<Row>{{"600000000000"}});
  EXPECT_EQ(
      run("SELECT `id` FROM table WHERE " + day + " AND `id` IS NOT NULL ORDER BY `id` LIMIT 1"),
      std::vector<Row>{{"400000000001"}});
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
