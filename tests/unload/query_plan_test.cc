#include "unload/query_plan.h"

#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

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

TEST(DuplicateCounterTest, CountsRepeatsOfTheOrderedKey) {
  DuplicateCounter counter;
  EXPECT_FALSE(counter.Next({"1"}));
  EXPECT_FALSE(counter.Next({"2"}));
  EXPECT_TRUE(counter.Next({"2"}));
  EXPECT_TRUE(counter.Next({"2"}));
  EXPECT_EQ(counter.run_length(), 3u);
  EXPECT_FALSE(counter.Next({"3"}));
  EXPECT_EQ(counter.duplicates(), 2u);
  EXPECT_EQ(counter.run_length(), 1u);
  EXPECT_FALSE(counter.Next({"3", "a"}));  // composite keys compare whole
}

}  // namespace
}  // namespace s3u::unload
