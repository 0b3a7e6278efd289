#include "unload/query_plan.h"

#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <set>

#include "emulator/sql.h"

namespace s3u::unload {
namespace {

using table::ColumnType;

const table::Schema kSchema = {{"id", ColumnType::kLong},
                               {"region", ColumnType::kString},
                               {"event_time", ColumnType::kDateTime},
                               {"amount", ColumnType::kDecimal}};

table::DayWindow NewYorkDay() {
  return table::WindowForDate(date::sys_days{date::year{2026} / 3 / 8},
                              *table::FindTimeZone("America/New_York", "tz").value());
}

TEST(ResolveDateColumnTest, PicksTheOnlyDateColumn) {
  auto c = ResolveDateColumn(kSchema, "");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->index, 2u);
  EXPECT_EQ(c->column.name, "event_time");
}

TEST(ResolveDateColumnTest, SeveralCandidatesMustBeNamed) {
  table::Schema schema = kSchema;
  schema.push_back({"day", ColumnType::kDate});
  auto c = ResolveDateColumn(schema, "");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().subject, "details.date_column");
  EXPECT_NE(c.error().message.find("event_time, day"), std::string::npos);
  EXPECT_TRUE(ResolveDateColumn(schema, "day").has_value());
}

TEST(ResolveDateColumnTest, RejectsMissingAndNonDateColumnsListingCandidates) {
  auto missing = ResolveDateColumn(kSchema, "when");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("event_time"), std::string::npos);
  auto wrong = ResolveDateColumn(kSchema, "amount");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_NE(wrong.error().message.find("DECIMAL"), std::string::npos);
  auto none = ResolveDateColumn({{"id", ColumnType::kLong}}, "");
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().message.find("id (LONG)"), std::string::npos);
}

TEST(ResolveKeyColumnsTest, NamesEveryMissingColumn) {
  EXPECT_EQ(ResolveKeyColumns(kSchema, {"region", "id"}).value(), (std::vector<size_t>{1, 0}));
  auto bad = ResolveKeyColumns(kSchema, {"id", "sku", "store"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().subject, "details.primary_key");
  EXPECT_NE(bad.error().message.find("\"sku\", \"store\""), std::string::npos);
}

TEST(QuerySqlTest, QuotesIdentifiersAndLiterals) {
  EXPECT_EQ(QuoteIdentifier("a`b c"), "`a``b c`");
  EXPECT_EQ(QuoteLiteral("O'Brien"), "'O''Brien'");
}

TEST(QuerySqlTest, DateTimeDayFilterUsesTheUtcWindow) {
  const DayFilterColumn column{2, kSchema[2]};
  EXPECT_EQ(DayFilterSql(column, NewYorkDay()),
            "`event_time` >= '2026-03-08T05:00:00' AND `event_time` < '2026-03-09T04:00:00'");
  EXPECT_EQ(CountSql(column, NewYorkDay()),
            "SELECT COUNT(*) FROM table WHERE `event_time` >= '2026-03-08T05:00:00' AND "
            "`event_time` < '2026-03-09T04:00:00'");
}

TEST(QuerySqlTest, DateDayFilterIsTheLocalDate) {
  const DayFilterColumn column{0, {"day", ColumnType::kDate}};
  EXPECT_EQ(DayFilterSql(column, NewYorkDay()), "`day` = '2026-03-08'");
}

TEST(QuerySqlTest, FirstPageHasNoKeyCondition) {
  const DayFilterColumn column{2, kSchema[2]};
  EXPECT_EQ(PageSql(column, NewYorkDay(), kSchema, {0}, std::nullopt, 500),
            "SELECT * FROM table WHERE `event_time` >= '2026-03-08T05:00:00' AND `event_time` < "
            "'2026-03-09T04:00:00' ORDER BY `id` LIMIT 500");
}

TEST(QuerySqlTest, LaterPagesStartAtTheLastKeyLexicographically) {
  const DayFilterColumn column{0, {"day", ColumnType::kDate}};
  const std::string sql =
      PageSql(column, NewYorkDay(), kSchema, {1, 0}, std::vector<std::string>{"We'st", "42"}, 100);
  EXPECT_EQ(sql,
            "SELECT * FROM table WHERE `day` = '2026-03-08' AND ((`region` > 'We''st') OR "
            "(`region` = 'We''st' AND `id` > 42) OR (`region` = 'We''st' AND `id` = 42)) "
            "ORDER BY `region`, `id` LIMIT 100");
}

TEST(ExportQueryTest, DateTimeWindowAsAWhereTree) {
  const DayFilterColumn column{2, kSchema[2]};
  const nlohmann::json q = ExportQueryRequest(column, NewYorkDay(), kSchema, {0});
  EXPECT_EQ(q["query"]["columns"].size(), 4u);
  EXPECT_EQ(q["query"]["orderByColumns"][0]["column"], "id");
  const auto& where = q["query"]["where"];
  EXPECT_EQ(where["exprType"], "AND");
  EXPECT_EQ(where["leftExpr"]["exprType"], "GREATER_THAN_EQUAL");
  EXPECT_EQ(where["leftExpr"]["rightExpr"]["value"], "2026-03-08T05:00:00");
  EXPECT_EQ(where["rightExpr"]["exprType"], "LESS_THAN");
  EXPECT_EQ(where["rightExpr"]["rightExpr"]["value"], "2026-03-09T04:00:00");
}

// DuplicateCounter::Next on a key of literals.
bool Next(DuplicateCounter& counter, std::vector<std::string_view> key) {
  return counter.Next(key);
}

TEST(DuplicateCounterTest, CountsRepeatsOfTheOrderedKey) {
  DuplicateCounter counter;
  EXPECT_FALSE(Next(counter, {"1"}));
  EXPECT_FALSE(Next(counter, {"2"}));
  EXPECT_TRUE(Next(counter, {"2"}));
  EXPECT_TRUE(Next(counter, {"2"}));
  EXPECT_EQ(counter.run_length(), 3u);
  EXPECT_FALSE(Next(counter, {"3"}));
  EXPECT_EQ(counter.duplicates(), 2u);
  EXPECT_EQ(counter.run_length(), 1u);
  EXPECT_FALSE(Next(counter, {"3", "a"}));  // composite keys compare whole
}

// The counter views the caller's memory between rows; Hold copies the last key so that
// memory can be reused (a page's table given back), even when called again before a new key.
TEST(DuplicateCounterTest, HoldKeepsTheLastKeyWhenTheViewedMemoryIsReused) {
  DuplicateCounter counter;
  EXPECT_EQ(counter.last(), std::nullopt);
  counter.Hold();  // nothing to hold yet
  std::string page = "k1";
  const std::string_view key[] = {page};
  EXPECT_FALSE(counter.Next(key));
  counter.Hold();
  page = "zz";  // the same bytes, rewritten in place
  EXPECT_EQ(counter.last(), std::vector<std::string>{"k1"});
  EXPECT_TRUE(Next(counter, {"k1"}));
  counter.Hold();  // the key it holds already
  EXPECT_EQ(counter.last(), std::vector<std::string>{"k1"});
  EXPECT_EQ(counter.run_length(), 2u);
  EXPECT_FALSE(Next(counter, {"k2"}));
  EXPECT_EQ(counter.last(), std::vector<std::string>{"k2"});
}

using Row = std::vector<domo::Cell>;

domo::QueryRows Rows(const std::vector<Row>& rows, size_t columns = 1) {
  domo::QueryRows out(columns, 0);
  for (const Row& row : rows) {
    for (const domo::Cell& cell : row) out.Add(cell);
  }
  return out;
}

TEST(CursorAfterPageTest, LastKeyAndHowManyRowsOfThePageCarryIt) {
  const std::vector<Row> page = {{"1", "a"}, {"2", "b"}, {"2", "c"}, {"2", "d"}};
  const auto cursor = CursorAfterPage(Rows(page, 2), {0});
  ASSERT_TRUE(cursor);
  EXPECT_EQ(cursor->after, std::vector<std::string>{"2"});
  EXPECT_EQ(cursor->skip, 3u);
  // A composite key: the run is of rows whose every key column matches.
  const auto composite = CursorAfterPage(Rows(page, 2), {0, 1});
  ASSERT_TRUE(composite);
  EXPECT_EQ(composite->after, (std::vector<std::string>{"2", "d"}));
  EXPECT_EQ(composite->skip, 1u);
}

TEST(CursorAfterPageTest, NoCursorForAnEmptyPageOrANullLastKey) {
  EXPECT_FALSE(CursorAfterPage(Rows({}), {0}));
  EXPECT_FALSE(CursorAfterPage(Rows({{"1"}, {std::nullopt}}), {0}));
  // A null earlier in the page ends the run (the rows' loop fails the run on it anyway).
  const auto cursor = CursorAfterPage(Rows({{std::nullopt}, {"1"}, {"1"}}), {0});
  ASSERT_TRUE(cursor);
  EXPECT_EQ(cursor->skip, 2u);
}

// The cursor known before a page is written is the one the DuplicateCounter holds after it,
// for pages cut anywhere in days with keys repeated across boundaries, whole pages of one key
// included (the runner asks for the next page ahead only when the two agree).
TEST(CursorAfterPageTest, AgreesWithTheCounterAcrossEveryPageBoundary) {
  std::mt19937 random(17);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<std::string> day;
    const int rows = 1 + static_cast<int>(random() % 60);
    int key = 0;
    for (int i = 0; i < rows; ++i) {
      if (random() % 3 != 0) key += 1 + static_cast<int>(random() % 2);
      day.push_back(std::to_string(key));
    }
    const uint64_t page_rows = 1 + random() % 7;
    // Keyset paging as the runner does it: each page is the rows at or after the cursor's key,
    // page_rows + skip of them, the first `skip` already written.
    DuplicateCounter counter;
    std::optional<PageCursor> cursor;
    size_t start = 0;  // the day's index of the page's first row
    size_t written = 0;
    for (;;) {
      const uint64_t skip = cursor ? cursor->skip : 0;
      const uint64_t limit = page_rows + skip;
      std::vector<Row> page;
      for (size_t i = start; i < day.size() && page.size() < limit; ++i) page.push_back({day[i]});
      const std::optional<PageCursor> ahead = CursorAfterPage(Rows(page), {0});
      for (size_t i = skip; i < page.size(); ++i) {
        const std::string_view key[] = {*page[i][0]};
        counter.Next(key);
        ++written;
      }
      counter.Hold();  // as the runner does before the page's memory goes
      if (page.size() < limit) break;
      const PageCursor left{*counter.last(), counter.run_length()};
      ASSERT_EQ(ahead, left) << "trial " << trial;
      cursor = left;
      start += page.size() - left.skip;
    }
    EXPECT_EQ(written, day.size()) << "trial " << trial;
  }
}

}  // namespace
}  // namespace s3u::unload

namespace s3u::unload {
namespace {

const table::Column kId{"id", table::ColumnType::kLong};

TEST(SplitKeyRangeTest, EqualWidthRangesOpenAtBothEnds) {
  const std::vector<ReadRange> ranges = SplitKeyRange(kId, 1, 2000, 4);
  ASSERT_EQ(ranges.size(), 4u);
  EXPECT_EQ(ranges[0].filter, "(`id` IS NULL OR `id` < 501)");
  EXPECT_EQ(ranges[1].filter, "`id` >= 501 AND `id` < 1001");
  EXPECT_EQ(ranges[2].filter, "`id` >= 1001 AND `id` < 1501");
  EXPECT_EQ(ranges[3].filter, "`id` >= 1501");
}

TEST(SplitKeyRangeTest, FewerRangesThanReadersWhenTheKeysAreFew) {
  const std::vector<ReadRange> ranges = SplitKeyRange(kId, 10, 12, 8);
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0].filter, "(`id` IS NULL OR `id` < 11)");
  EXPECT_EQ(ranges[1].filter, "`id` >= 11 AND `id` < 12");
  EXPECT_EQ(ranges[2].filter, "`id` >= 12");
  // One key value, one reader, or an empty day: one range reading the whole day.
  EXPECT_EQ(SplitKeyRange(kId, 5, 5, 8).size(), 1u);
  EXPECT_EQ(SplitKeyRange(kId, 1, 100, 1)[0].filter, "");
  EXPECT_EQ(SplitKeyRange(kId, 9, 1, 4)[0].filter, "");
}

TEST(SplitKeyRangeTest, TheWidestKeysDoNotOverflow) {
  const int64_t lo = std::numeric_limits<int64_t>::min();
  const int64_t hi = std::numeric_limits<int64_t>::max();
  const std::vector<ReadRange> ranges = SplitKeyRange(kId, lo, hi, 4);
  ASSERT_EQ(ranges.size(), 4u);
  EXPECT_EQ(ranges[1].filter, "`id` >= -4611686018427387904 AND `id` < 0");
  EXPECT_EQ(ranges[2].filter, "`id` >= 0 AND `id` < 4611686018427387904");
}

TEST(SplitTimeSlicesTest, EqualSlicesOfTheWindowInOrder) {
  const DayFilterColumn column{2, {"event_time", ColumnType::kDateTime}};
  // 2026-03-08 in New York lasts 23 hours (DST): slices of 23/4 h = 5h45m.
  const std::vector<ReadRange> ranges = SplitTimeSlices(column, NewYorkDay(), 4);
  ASSERT_EQ(ranges.size(), 4u);
  EXPECT_EQ(ranges[0].filter,
            "`event_time` >= '2026-03-08T05:00:00' AND `event_time` < '2026-03-08T10:45:00'");
  EXPECT_EQ(ranges[3].filter,
            "`event_time` >= '2026-03-08T22:15:00' AND `event_time` < '2026-03-09T04:00:00'");
  const DayFilterColumn date{0, {"day", ColumnType::kDate}};
  EXPECT_EQ(SplitTimeSlices(date, NewYorkDay(), 4).size(), 1u);
}

TEST(ChooseSplitTest, KeyRangesForALongKeyElseTimeSlicesOnlyWhenDuplicatesAreKept) {
  const DayFilterColumn time{2, {"event_time", ColumnType::kDateTime}};
  const DayFilterColumn day{0, {"day", ColumnType::kDate}};
  EXPECT_EQ(ChooseSplit(kSchema, {0}, time, false), SplitKind::kKeyRanges);
  EXPECT_EQ(ChooseSplit(kSchema, {1, 0}, time, true), SplitKind::kTimeSlices);
  EXPECT_EQ(ChooseSplit(kSchema, {1, 0}, time, false), SplitKind::kNone);
  EXPECT_EQ(ChooseSplit(kSchema, {3}, day, true), SplitKind::kNone);
}

TEST(OneObjectRangesTest, NineTenthsOfAPageEachWithinBounds) {
  EXPECT_EQ(OneObjectRanges(9000, 1000, 4), 10);  // 900 rows each
  EXPECT_EQ(OneObjectRanges(9001, 1000, 4), 11);  // rounded up: no range above its share
  EXPECT_EQ(OneObjectRanges(1000, 1000, 4), 4);   // at least one per reader
  EXPECT_EQ(OneObjectRanges(0, 20000, 8), 8);
  EXPECT_EQ(OneObjectRanges(17'318'416, 20000, 8), 963);
  EXPECT_EQ(OneObjectRanges(10'000'000'000, 1000, 8), 100'000);  // the cap
}

TEST(AutoReadersMaxTest, OnePerFourPagesUpToSixteen) {
  EXPECT_EQ(AutoReadersMax(0, 20000), 1);
  EXPECT_EQ(AutoReadersMax(7 * 20000, 20000), 1);  // under 8 pages: one reader
  EXPECT_EQ(AutoReadersMax(8 * 20000, 20000), 2);
  EXPECT_EQ(AutoReadersMax(63 * 20000 + 1, 20000), 16);
  EXPECT_EQ(AutoReadersMax(1'000'000'000, 20000), 16);
}

TEST(WidenReadersTest, MoreWhileTheWriterWaitsAndTheCpuHasRoom) {
  EXPECT_EQ(WidenReaders(4, 16, 0.95, 0.90), 16);   // Domo far away: the writer mostly waits
  EXPECT_EQ(WidenReaders(2, 16, 0.80, 0.90), 8);    // at most four times as many
  EXPECT_EQ(WidenReaders(3, 16, 0.60, 0.90), 8);    // 3 / 0.4 = 7.5 would have kept it busy
  EXPECT_EQ(WidenReaders(8, 16, 0.25, 0.25), 16);   // at least twice
  EXPECT_EQ(WidenReaders(16, 16, 0.90, 0.90), 16);  // never above the most
  EXPECT_EQ(WidenReaders(8, 12, 0.50, 0.50), 12);
  EXPECT_EQ(WidenReaders(4, 16, 0.24, 0.90), 4);  // the readers keep up: unchanged
  EXPECT_EQ(WidenReaders(4, 16, 0.80, 0.24), 4);  // the CPU is the limit: unchanged
  EXPECT_EQ(WidenReaders(0, 16, 0.9, 0.9), 4);    // within bounds
  EXPECT_EQ(WidenReaders(20, 16, 0.0, 0.0), 16);
}

TEST(AutoReadersTest, OnePer25PagesUpToEight) {
  EXPECT_EQ(AutoReaders(0, 20000), 1);
  EXPECT_EQ(AutoReaders(49 * 20000, 20000), 1);
  EXPECT_EQ(AutoReaders(50 * 20000, 20000), 2);
  EXPECT_EQ(AutoReaders(200 * 20000, 20000), 8);
  EXPECT_EQ(AutoReaders(100'000'000, 20000), 8);
}

TEST(PageSqlTest, ARangeNarrowsTheDayBeforeTheKeysetCondition) {
  const DayFilterColumn column{2, kSchema[2]};
  EXPECT_EQ(PageSql(column, NewYorkDay(), kSchema, {0}, std::vector<std::string>{"7"}, 10,
                    "`id` >= 5 AND `id` < 9"),
            "SELECT * FROM table WHERE `event_time` >= '2026-03-08T05:00:00' AND `event_time` < "
            "'2026-03-09T04:00:00' AND `id` >= 5 AND `id` < 9 AND ((`id` > 7) OR (`id` = 7)) "
            "ORDER BY `id` LIMIT 10");
  EXPECT_EQ(KeyBoundSql(column, NewYorkDay(), kSchema[0], true),
            "SELECT `id` FROM table WHERE `event_time` >= '2026-03-08T05:00:00' AND "
            "`event_time` < '2026-03-09T04:00:00' AND `id` IS NOT NULL ORDER BY `id` DESC LIMIT 1");
}

// Every row of a day lands in exactly one range, keys repeated on both sides of every
// boundary included: the ranges' filters, run by the emulator's SQL engine (the same one
// that answers the end-to-end tests), partition the rows.
TEST(SplitKeyRangeTest, RangesPartitionTheRowsWithRepeatedKeysAtTheBoundaries) {
  const table::Schema schema = {{"id", ColumnType::kLong}};
  std::vector<emulator::Row> rows;
  for (int64_t id : {-3, 0, 1, 2, 3, 3, 3, 4, 5, 5, 6, 7, 7, 7, 7, 8, 9, 10, 10}) {
    rows.push_back({std::to_string(id)});
  }
  rows.push_back({std::nullopt});  // a null key: read (and refused) by the first reader
  for (int n = 1; n <= 12; ++n) {
    std::multiset<std::optional<std::string>> seen;
    for (const ReadRange& range : SplitKeyRange(schema[0], -3, 10, n)) {
      const std::string where = range.filter.empty() ? "" : " WHERE " + range.filter;
      auto plan = emulator::ParseSelect("SELECT * FROM table" + where, schema);
      ASSERT_TRUE(plan) << plan.error().ToString();
      emulator::Execute(
          *plan,
          [&](const std::function<bool(const emulator::Row&)>& emit) {
            for (const emulator::Row& row : rows) {
              if (!emit(row)) return;
            }
          },
          [&](const emulator::Row& row) {
            seen.insert(row[0]);
            return true;
          });
    }
    std::multiset<std::optional<std::string>> all;
    for (const emulator::Row& row : rows) all.insert(row[0]);
    EXPECT_EQ(seen, all) << n << " readers";
  }
}

}  // namespace
}  // namespace s3u::unload
