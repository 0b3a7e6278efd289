#include "emulator/sql.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace s3u::emulator {
namespace {

using nlohmann::json;
using table::ColumnType;

const table::Schema kSchema = {{"id", ColumnType::kLong},        {"name", ColumnType::kString},
                               {"amount", ColumnType::kDecimal}, {"ratio", ColumnType::kDouble},
                               {"day", ColumnType::kDate},       {"ts", ColumnType::kDateTime}};

// nullptr is a null value.
Row MakeRow(std::initializer_list<const char*> values) {
  Row row;
  for (const char* value : values) row.push_back(value ? Value(value) : std::nullopt);
  return row;
}

// id, name, amount, ratio, day, ts
const std::vector<Row> kRows = {
    MakeRow({"1", "alice", "10.50", "0.5", "2026-10-01", "2026-10-01T08:00:00"}),
    MakeRow({"9", "Bob", "9.999", "1e-3", "2026-10-02", "2026-10-02T00:00:00"}),
    MakeRow({"10", nullptr, "-3", "2.5", nullptr, "2026-10-01T23:59:59"}),
    MakeRow({nullptr,
             "\xC3\xA7"
             "a va",
             nullptr, nullptr, "2026-10-03", nullptr}),
    MakeRow({"-2", "a_b%c", "100", "-0", "2026-09-30", "2026-09-30T12:00:00"}),
};

RowScan ScanOf(const std::vector<Row>& rows, size_t* pulled = nullptr) {
  return [&rows, pulled](const std::function<bool(const Row&)>& emit) {
    for (const Row& row : rows) {
      if (pulled) ++*pulled;
      if (!emit(row)) return;
    }
  };
}

std::vector<Row> RunPlan(const SelectPlan& plan, const std::vector<Row>& rows = kRows) {
  std::vector<Row> out;
  Execute(plan, ScanOf(rows), [&](const Row& row) {
    out.push_back(row);
    return true;
  });
  return out;
}

std::vector<Row> Query(const std::string& sql, const std::vector<Row>& rows = kRows) {
  auto plan = ParseSelect(sql, kSchema);
  if (!plan) {
    ADD_FAILURE() << sql << ": " << plan.error().ToString();
    return {};
  }
  return RunPlan(*plan, rows);
}

// The first output column of each result row ("NULL" for null): the id for SELECT *.
std::vector<std::string> Firsts(const std::vector<Row>& rows) {
  std::vector<std::string> firsts;
  for (const Row& row : rows) firsts.push_back(row.at(0).value_or("NULL"));
  return firsts;
}

std::vector<std::string> IdsWhere(const std::string& condition) {
  return Firsts(Query("SELECT * FROM table WHERE " + condition));
}

using Ids = std::vector<std::string>;

// --- parsing ---------------------------------------------------------------------------------

TEST(ParseSelectTest, AcceptsTheSubset) {
  const char* accepted[] = {
      "SELECT * FROM table",
      "select * from TABLE",
      "  SELECT id, name FROM table ;",
      "SELECT \"name\", `amount` FROM \"table\"",
      "SELECT COUNT(*) FROM table WHERE id > 1",
      "SELECT count ( * ) FROM table",
      "SELECT * FROM table WHERE name = 'it''s'",
      "SELECT * FROM table WHERE NOT (id = 1 OR id = 2) AND name IS NOT NULL",
      "SELECT * FROM table WHERE amount BETWEEN -1.5 AND +2e3",
      "SELECT * FROM table WHERE id NOT IN (1, 2) OR id IN (3)",
      "SELECT * FROM table WHERE name NOT LIKE 'a%' AND name LIKE '_b'",
      "SELECT * FROM table WHERE id <> 1 AND id != 2 AND id <= 3 AND id >= -4 AND ratio < .5",
      "SELECT * FROM table WHERE day >= '2026-10-01' AND ts < '2026-10-02T00:00:00'",
      "SELECT * FROM table WHERE day NOT BETWEEN '2026-10-01' AND '2026-10-02 12:00:00'",
      "SELECT * FROM table ORDER BY id DESC, name ASC, day LIMIT 10 OFFSET 5",
      "SELECT * FROM table OFFSET 5",
      "SELECT ID, Name FROM table WHERE AMOUNT > 1",
  };
  for (const char* sql : accepted) {
    const auto plan = ParseSelect(sql, kSchema);
    EXPECT_TRUE(plan) << sql << ": " << plan.error().ToString();
  }
}

TEST(ParseSelectTest, RejectsWithPositionAndReason) {
  struct Case {
    std::string sql;
    std::string message;  // exact, including the position
  };
  const std::string select = "SELECT * FROM table WHERE ";
  const Case cases[] = {
      {"DELETE FROM table",
       "at character 1: expected SELECT, found 'DELETE' (only SELECT is supported)"},
      {"",
       "at character 1: expected SELECT, found the end of the query (only SELECT is supported)"},
      {"SELECT * FROM sales",
       "at character 15: expected the table name `table` (the dataset is addressed as FROM "
       "table), found 'sales'"},
      {"SELECT * table", "at character 10: expected FROM after the select list, found 'table'"},
      {"SELECT nope FROM table",
       "at character 8: unknown column \"nope\"; the dataset's columns are: id, name, amount, "
       "ratio, day, ts"},
      {"SELECT * FROM table ORDER BY",
       "at character 29: expected a column name after ORDER BY, found the end of the query"},
      {"SELECT * FROM table ORDER id", "at character 27: expected BY after ORDER, found 'id'"},
      {select + "id = 'x'", "at character 32: column \"id\" is LONG and takes a number, not 'x'"},
      {select + "amount > '1'",
       "at character 36: column \"amount\" is DECIMAL and takes a number, not '1'"},
      {select + "name = 5", "at character 34: column \"name\" is STRING and takes 'text', not 5"},
      {select + "day = 'yesterday'",
       "at character 33: column \"day\" is DATE and takes 'yyyy-MM-dd' or "
       "'yyyy-MM-ddTHH:mm:ss' text, not 'yesterday'"},
      {select + "ts < 20261001",
       "at character 32: column \"ts\" is DATETIME and takes 'yyyy-MM-dd' or "
       "'yyyy-MM-ddTHH:mm:ss' text, not 20261001"},
      {select + "id = NULL",
       "at character 32: a comparison with NULL is never true; use IS NULL or IS NOT NULL"},
      {select + "name = 'abc", "at character 34: unterminated string literal; close it with '"},
      {"SELECT \"name FROM table", "at character 8: unterminated quoted name; close it with \""},
      {"SELECT SUM(id) FROM table", "at character 8: the only function supported is COUNT(*)"},
      {"SELECT COUNT(id) FROM table", "at character 8: the only function supported is COUNT(*)"},
      {"SELECT COUNT(*), id FROM table",
       "at character 16: COUNT(*) cannot be combined with columns (there is no GROUP BY)"},
      {"SELECT COUNT(*) FROM table ORDER BY id",
       "at character 37: ORDER BY cannot be used with COUNT(*)"},
      {"SELECT * FROM table LIMIT -1",
       "at character 27: LIMIT takes a whole number from 0 to 18446744073709551615, found '-'"},
      {"SELECT * FROM table LIMIT 1.5",
       "at character 27: LIMIT takes a whole number from 0 to 18446744073709551615, found "
       "'1.5'"},
      {"SELECT * FROM table OFFSET x",
       "at character 28: OFFSET takes a whole number from 0 to 18446744073709551615, found 'x'"},
      {"SELECT * FROM table GROUP BY id",
       "at character 21: expected WHERE, ORDER BY, LIMIT, OFFSET or the end of the query, "
       "found 'GROUP'"},
      {"SELECT * FROM table LIMIT 1 WHERE id = 1",
       "at character 29: expected WHERE, ORDER BY, LIMIT, OFFSET or the end of the query, "
       "found 'WHERE'"},
      {select + "(id = 1",
       "at character 34: expected ')' to close '(', found the end of the query"},
      {select + "id = 1 # comment", "at character 34: unexpected character '#'"},
      {select + "id = amount",
       "at character 32: expected a literal ('text' or a number) after =, found 'amount'"},
      {select + "id",
       "at character 29: expected a comparison (= <> != < <= > >=), BETWEEN, IN, LIKE or IS "
       "after column \"id\", found the end of the query"},
      {select + "order = 1",
       "at character 27: expected a column name in the condition, found 'order'"},
      {select + "id NOT = 1", "at character 34: expected BETWEEN, IN or LIKE after NOT, found '='"},
      {select + "id IS 1", "at character 33: expected NULL after IS, found '1'"},
      {select + "id BETWEEN 1 OR 2",
       "at character 40: expected AND in BETWEEN ... AND ..., found 'OR'"},
      {select + "id IN 1", "at character 33: expected '(' after IN, found '1'"},
      {select + "id IN (1 2)", "at character 36: expected ',' or ')' in the IN list, found '2'"},
      {select + "id IN ('1')",
       "at character 34: column \"id\" is LONG and takes a number, not '1'"},
      {select + "name LIKE 5",
       "at character 37: LIKE takes a 'quoted' pattern (% and _), found '5'"},
      {select + "id = 1 AND",
       "at character 37: expected a column name in the condition, found the "
       "end of the query"},
  };
  for (const Case& c : cases) {
    const auto plan = ParseSelect(c.sql, kSchema);
    ASSERT_FALSE(plan) << c.sql;
    EXPECT_EQ(plan.error().code, ErrorCode::kInvalidArgument) << c.sql;
    EXPECT_EQ(plan.error().subject, "sql") << c.sql;
    EXPECT_EQ(plan.error().message, c.message) << c.sql;
  }
}

// Any input, however mangled, parses or fails with a positioned "sql" error; never crashes.
RC_GTEST_PROP(ParseSelectTest, AnyInputParsesOrSaysWhere, ()) {
  const auto fragment = rc::gen::oneOf(
      rc::gen::element<std::string>("SELECT", "*", "COUNT(*)", "FROM", "table", "WHERE", "id",
                                    "name", "day", "\"ts\"", "NOT", "AND", "OR", "(", ")", "=", "<",
                                    ">=", "<>", "BETWEEN", "IN", "IS", "NULL", "LIKE", "'a%'",
                                    "'2026-10-01'", "'", "\"", "`", "1", "-2.5e3", ",", "ORDER",
                                    "BY", "DESC", "LIMIT", "OFFSET", ";", "#", "\xF0\x9F\x98\x80"),
      rc::gen::arbitrary<std::string>());
  const auto parts = *rc::gen::container<std::vector<std::string>>(fragment);
  // Half the cases start with a valid prefix, so the generator also reaches the conditions.
  std::string sql = *rc::gen::arbitrary<bool>() ? "SELECT * FROM table WHERE " : "";
  for (const auto& part : parts) sql += part + " ";
  const auto plan = ParseSelect(sql, kSchema);
  if (!plan) {
    RC_ASSERT(plan.error().code == ErrorCode::kInvalidArgument);
    RC_ASSERT(plan.error().subject == "sql");
    RC_ASSERT(plan.error().message.rfind("at character ", 0) == 0);
  } else {
    RunPlan(*plan);  // and whatever parses also executes
  }
}

TEST(ParseSelectTest, RejectsNestingBeyondTheDepthLimit) {
  std::string nots;
  for (int i = 0; i < 300; ++i) nots += "NOT ";
  const auto plan = ParseSelect("SELECT * FROM table WHERE " + nots + "id = 1", kSchema);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("nests deeper than 200 levels"), std::string::npos);
  EXPECT_TRUE(ParseSelect("SELECT * FROM table WHERE NOT NOT id = 1", kSchema));
}

TEST(ParseSelectTest, BareNamesFoldCaseOnlyWhenUnambiguous) {
  const table::Schema schema = {
      {"Region", ColumnType::kString}, {"x", ColumnType::kLong}, {"X", ColumnType::kLong}};
  const auto folded = ParseSelect("SELECT region FROM table", schema);
  ASSERT_TRUE(folded);
  EXPECT_EQ(folded->projection, std::vector<size_t>{0});
  EXPECT_EQ(ParseSelect("SELECT X FROM table", schema)->projection, std::vector<size_t>{2});
  // Quoted names match exactly; an ambiguous fold is an unknown column.
  EXPECT_FALSE(ParseSelect("SELECT \"region\" FROM table", schema));
  const table::Schema twins = {{"Ab", ColumnType::kLong}, {"aB", ColumnType::kLong}};
  const auto ambiguous = ParseSelect("SELECT ab FROM table", twins);
  ASSERT_FALSE(ambiguous);
  EXPECT_NE(ambiguous.error().message.find("unknown column \"ab\""), std::string::npos);
}

TEST(ParseSelectTest, QuotedNamesReachColumnsWithSpacesAndKeywords) {
  const table::Schema schema = {{"Customer ID", ColumnType::kLong}, {"order", ColumnType::kString}};
  const auto plan = ParseSelect(
      "SELECT `order` FROM table WHERE \"Customer ID\" = 7 ORDER BY \"order\" DESC", schema);
  ASSERT_TRUE(plan) << plan.error().ToString();
  EXPECT_EQ(plan->projection, std::vector<size_t>{1});
  ASSERT_EQ(plan->order_by.size(), 1u);
  EXPECT_EQ(plan->order_by[0].column, 1u);
  EXPECT_TRUE(plan->order_by[0].descending);
  EXPECT_EQ(plan->order_by[0].type, ColumnType::kString);
}

TEST(ParseSelectTest, PlanShapes) {
  const auto star = ParseSelect("SELECT * FROM table", kSchema);
  ASSERT_TRUE(star);
  EXPECT_EQ(star->projection, (std::vector<size_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(star->output_schema, kSchema);
  EXPECT_FALSE(star->count_only || star->where || star->limit);

  const auto picked = ParseSelect("SELECT ts, id FROM table LIMIT 3 OFFSET 4", kSchema);
  ASSERT_TRUE(picked);
  EXPECT_EQ(picked->projection, (std::vector<size_t>{5, 0}));
  EXPECT_EQ(picked->output_schema,
            (table::Schema{{"ts", ColumnType::kDateTime}, {"id", ColumnType::kLong}}));
  EXPECT_EQ(picked->limit, 3u);
  EXPECT_EQ(picked->offset, 4u);

  const auto count = ParseSelect("SELECT COUNT(*) FROM table", kSchema);
  ASSERT_TRUE(count);
  EXPECT_TRUE(count->count_only);
  EXPECT_EQ(count->output_schema, (table::Schema{{"COUNT(*)", ColumnType::kLong}}));
}

// --- comparisons -----------------------------------------------------------------------------

TEST(CompareValuesTest, FollowsTheColumnType) {
  struct Case {
    ColumnType type;
    Value a, b;
    int expected;
  };
  const Value null;
  const Case cases[] = {
      {ColumnType::kLong, "10", "9", 1},  // numerically, not as text
      {ColumnType::kLong, "-10", "-9", -1},
      {ColumnType::kLong, "9223372036854775807", "9223372036854775806", 1},
      {ColumnType::kDecimal, "1.0", "1", 0},
      {ColumnType::kDecimal, "0.10", "0.1", 0},
      {ColumnType::kDecimal, "12345678901234567890.000000001", "12345678901234567890", 1},
      {ColumnType::kDecimal, "-0.001", "0", -1},
      {ColumnType::kDouble, "1e2", "99.9", 1},
      {ColumnType::kDouble, "-0", "0", 0},
      {ColumnType::kDouble, "1.5E-3", "0.0015", 0},
      {ColumnType::kDate, "2026-10-02", "2026-10-01", 1},
      {ColumnType::kDateTime, "2026-10-01", "2026-10-01T00:00:00", 0},
      {ColumnType::kDateTime, "2026-10-01T00:00:01", "2026-10-01 00:00:00", 1},
      {ColumnType::kString, "B", "a", -1},        // bytewise: uppercase first
      {ColumnType::kString, "\xC3\xA7", "z", 1},  // bytes >= 0x80 after ASCII
      {ColumnType::kString, "", "a", -1},
      {ColumnType::kString, null, "", -1},  // null before everything, even ""
      {ColumnType::kLong, null, null, 0},
      {ColumnType::kLong, "5", null, 1},
      // Text that is not a value of the type: after nulls, before valid values.
      {ColumnType::kLong, "abc", "-99", -1},
      {ColumnType::kLong, "abc", null, 1},
      {ColumnType::kDate, "soon", "later", 1},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CompareValues(c.type, c.a, c.b), c.expected)
        << table::ColumnTypeName(c.type) << " " << c.a.value_or("NULL") << " vs "
        << c.b.value_or("NULL");
    EXPECT_EQ(CompareValues(c.type, c.b, c.a), -c.expected) << "antisymmetric";
  }
}

TEST(WhereTest, LongComparesNumerically) {
  EXPECT_EQ(IdsWhere("id > 9"), (Ids{"10"}));
  EXPECT_EQ(IdsWhere("id > 9.5"), (Ids{"10"}));
  EXPECT_EQ(IdsWhere("id <= -2"), (Ids{"-2"}));
  EXPECT_EQ(IdsWhere("id = 1e1"), (Ids{"10"}));
}

TEST(WhereTest, DecimalAndDoubleCompareExactly) {
  EXPECT_EQ(IdsWhere("amount = 10.5"), (Ids{"1"}));
  EXPECT_EQ(IdsWhere("amount < 10"), (Ids{"9", "10"}));
  EXPECT_EQ(IdsWhere("ratio < 0.01"), (Ids{"9", "-2"}));
  EXPECT_EQ(IdsWhere("ratio = 0"), (Ids{"-2"}));  // "-0"
}

TEST(WhereTest, DateTimeColumnAgainstDateLiteralIsMidnight) {
  EXPECT_EQ(IdsWhere("ts >= '2026-10-02'"), (Ids{"9"}));
  EXPECT_EQ(IdsWhere("ts = '2026-10-02'"), (Ids{"9"}));
  EXPECT_EQ(IdsWhere("ts < '2026-10-01'"), (Ids{"-2"}));
  EXPECT_EQ(IdsWhere("ts >= '2026-10-01' AND ts < '2026-10-02'"), (Ids{"1", "10"}));
}

TEST(WhereTest, DateColumnAgainstDateTimeLiteralComparesItsMidnight) {
  EXPECT_EQ(IdsWhere("day < '2026-10-01T12:00:00'"), (Ids{"1", "-2"}));
  EXPECT_EQ(IdsWhere("day = '2026-10-01T00:00:00'"), (Ids{"1"}));
  EXPECT_EQ(IdsWhere("day > '2026-10-02'"), (Ids{"NULL"}));
}

TEST(WhereTest, StringsCompareBytewise) {
  EXPECT_EQ(IdsWhere("name > 'Z'"), (Ids{"1", "NULL", "-2"}));
  EXPECT_EQ(IdsWhere("name = 'bob'"), Ids{});
  EXPECT_EQ(IdsWhere("name = 'Bob'"), (Ids{"9"}));
}

TEST(WhereTest, NullMakesComparisonsUnknownNotFalse) {
  // Row 10 has a null name: it satisfies neither the comparison nor its negation.
  EXPECT_EQ(IdsWhere("name = 'alice'"), (Ids{"1"}));
  EXPECT_EQ(IdsWhere("NOT name = 'alice'"), (Ids{"9", "NULL", "-2"}));
  EXPECT_EQ(IdsWhere("name <> 'alice'"), (Ids{"9", "NULL", "-2"}));
  // UNKNOWN OR TRUE is TRUE; UNKNOWN AND TRUE is UNKNOWN, and so is its negation.
  EXPECT_EQ(IdsWhere("name = 'alice' OR id = 10"), (Ids{"1", "10"}));
  EXPECT_EQ(IdsWhere("name = 'x' AND id = 10"), Ids{});
  EXPECT_EQ(IdsWhere("NOT (name = 'x' AND id = 10)"), (Ids{"1", "9", "NULL", "-2"}));
  // UNKNOWN AND FALSE is FALSE, so its negation holds, also for the row with a null id.
  EXPECT_EQ(IdsWhere("NOT (id = 1 AND name = 'x')"), (Ids{"1", "9", "10", "NULL", "-2"}));
  EXPECT_EQ(IdsWhere("NOT (id = 10 OR name = 'x')"), (Ids{"1", "9", "-2"}));
}

TEST(WhereTest, IsNullAndIsNotNull) {
  EXPECT_EQ(IdsWhere("name IS NULL"), (Ids{"10"}));
  EXPECT_EQ(IdsWhere("id IS NULL"), (Ids{"NULL"}));
  EXPECT_EQ(IdsWhere("ts IS NOT NULL"), (Ids{"1", "9", "10", "-2"}));
  EXPECT_EQ(IdsWhere("NOT day IS NULL AND amount IS NOT NULL"), (Ids{"1", "9", "-2"}));
}

TEST(WhereTest, BetweenIsInclusive) {
  EXPECT_EQ(IdsWhere("id BETWEEN 1 AND 9"), (Ids{"1", "9"}));
  EXPECT_EQ(IdsWhere("id NOT BETWEEN 1 AND 9"), (Ids{"10", "-2"}));  // not the null id
  EXPECT_EQ(IdsWhere("id BETWEEN 9 AND 1"), Ids{});
  EXPECT_EQ(IdsWhere("day BETWEEN '2026-10-01' AND '2026-10-02'"), (Ids{"1", "9"}));
}

TEST(WhereTest, InAndNotIn) {
  EXPECT_EQ(IdsWhere("id IN (10, 1, 77)"), (Ids{"1", "10"}));
  EXPECT_EQ(IdsWhere("id NOT IN (10, 1)"), (Ids{"9", "-2"}));
  EXPECT_EQ(IdsWhere("name IN ('Bob', 'nobody')"), (Ids{"9"}));
  EXPECT_EQ(IdsWhere("amount IN (100.000, -3)"), (Ids{"10", "-2"}));
}

TEST(WhereTest, LikePercentAndUnderscore) {
  EXPECT_EQ(IdsWhere("name LIKE 'a%'"), (Ids{"1", "-2"}));
  EXPECT_EQ(IdsWhere("name LIKE '%b%'"), (Ids{"9", "-2"}));
  EXPECT_EQ(IdsWhere("name LIKE 'B_b'"), (Ids{"9"}));
  EXPECT_EQ(IdsWhere("name LIKE 'b_b'"), Ids{});            // case-sensitive
  EXPECT_EQ(IdsWhere("name LIKE '_a va'"), (Ids{"NULL"}));  // '_' is one character, 2 bytes
  EXPECT_EQ(IdsWhere("name LIKE '__a va'"), Ids{});
  EXPECT_EQ(IdsWhere("name LIKE '%a%c'"), (Ids{"-2"}));  // backtracks past the first 'a'
  EXPECT_EQ(IdsWhere("name LIKE 'alice%%'"), (Ids{"1"}));
  EXPECT_EQ(IdsWhere("name LIKE 'alic'"), Ids{});
  EXPECT_EQ(IdsWhere("name NOT LIKE 'a%'"), (Ids{"9", "NULL"}));  // not the null name
  EXPECT_EQ(IdsWhere("name LIKE '%'"), (Ids{"1", "9", "NULL", "-2"}));
  // LIKE reads any column's CSV text.
  EXPECT_EQ(IdsWhere("day LIKE '2026-10-%'"), (Ids{"1", "9", "NULL"}));
}

// --- Execute -----------------------------------------------------------------------------------

TEST(ExecuteTest, ProjectsInSelectOrder) {
  const auto rows = Query("SELECT name, id FROM table WHERE id = 9");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], MakeRow({"Bob", "9"}));
}

// Six rows with ties on name, amount and day, for the ordering tests.
std::vector<Row> TiedRows() {
  return {
      MakeRow({"1", "b", "1", "0", "2026-10-01", nullptr}),
      MakeRow({"2", "a", "1", "0", "2026-10-02", nullptr}),
      MakeRow({"3", "b", "1", "0", "2026-10-02", nullptr}),
      MakeRow({"4", "a", "2", "0", "2026-10-01", nullptr}),
      MakeRow({"5", "a", "1", "0", "2026-10-02", nullptr}),
      MakeRow({"6", "b", "1", "0", "2026-10-01", nullptr}),
  };
}

TEST(ExecuteTest, OrderByMultipleKeysIsStable) {
  const std::vector<Row> rows = TiedRows();
  EXPECT_EQ(Firsts(Query("SELECT * FROM table ORDER BY day DESC, name", rows)),
            (Ids{"2", "5", "3", "4", "1", "6"}));
  // Equal keys keep their input order.
  EXPECT_EQ(Firsts(Query("SELECT * FROM table ORDER BY amount", rows)),
            (Ids{"1", "2", "3", "5", "6", "4"}));
  EXPECT_EQ(Firsts(Query("SELECT * FROM table ORDER BY amount DESC", rows)),
            (Ids{"4", "1", "2", "3", "5", "6"}));
}

// With a LIMIT only OFFSET + LIMIT rows are kept (a heap): the same rows, in the same stable
// order, as sorting everything and cutting.
TEST(ExecuteTest, OrderByWithLimitGivesTheStableSortsFirstRows) {
  const std::vector<Row> rows = TiedRows();
  EXPECT_EQ(Firsts(Query("SELECT * FROM table ORDER BY amount LIMIT 3", rows)),
            (Ids{"1", "2", "3"}));
  EXPECT_EQ(Firsts(Query("SELECT * FROM table ORDER BY amount DESC LIMIT 2 OFFSET 1", rows)),
            (Ids{"1", "2"}));
  EXPECT_EQ(Firsts(Query("SELECT * FROM table ORDER BY day DESC, name LIMIT 4", rows)),
            (Ids{"2", "5", "3", "4"}));
  EXPECT_EQ(Firsts(Query("SELECT * FROM table ORDER BY id DESC LIMIT 1", rows)), (Ids{"6"}));
  EXPECT_EQ(Firsts(Query("SELECT * FROM table ORDER BY id LIMIT 10", rows)),
            (Ids{"1", "2", "3", "4", "5", "6"}));
}

TEST(ExecuteTest, OrderByUsesTheColumnTypeAndPutsNullsFirst) {
  EXPECT_EQ(Firsts(Query("SELECT * FROM table ORDER BY id")), (Ids{"NULL", "-2", "1", "9", "10"}));
  EXPECT_EQ(Firsts(Query("SELECT * FROM table ORDER BY id DESC")),
            (Ids{"10", "9", "1", "-2", "NULL"}));
  EXPECT_EQ(Firsts(Query("SELECT * FROM table ORDER BY amount")),
            (Ids{"NULL", "10", "9", "1", "-2"}));
}

TEST(ExecuteTest, LimitAndOffsetWithOrder) {
  EXPECT_EQ(Firsts(Query("SELECT * FROM table ORDER BY id LIMIT 2 OFFSET 1")), (Ids{"-2", "1"}));
  EXPECT_EQ(Firsts(Query("SELECT * FROM table ORDER BY id OFFSET 4")), (Ids{"10"}));
  EXPECT_EQ(Firsts(Query("SELECT * FROM table ORDER BY id OFFSET 5")), Ids{});
  EXPECT_EQ(Firsts(Query("SELECT * FROM table ORDER BY id LIMIT 0")), Ids{});
}

TEST(ExecuteTest, WithoutOrderStreamsAndStopsPullingAtTheLimit) {
  const auto plan =
      ParseSelect("SELECT id FROM table WHERE id IS NOT NULL LIMIT 2 OFFSET 1", kSchema);
  ASSERT_TRUE(plan);
  size_t pulled = 0;
  std::vector<Row> out;
  Execute(*plan, ScanOf(kRows, &pulled), [&](const Row& row) {
    out.push_back(row);
    return true;
  });
  EXPECT_EQ(Firsts(out), (Ids{"9", "10"}));
  EXPECT_EQ(pulled, 3u);  // the 4th and 5th rows were never read
}

TEST(ExecuteTest, OutReturningFalseStops) {
  for (const char* sql : {"SELECT * FROM table", "SELECT * FROM table ORDER BY id"}) {
    const auto plan = ParseSelect(sql, kSchema);
    ASSERT_TRUE(plan);
    int calls = 0;
    Execute(*plan, ScanOf(kRows), [&](const Row&) { return ++calls < 2; });
    EXPECT_EQ(calls, 2) << sql;
  }
}

TEST(ExecuteTest, CountStarCountsMatchingRowsInOneRow) {
  EXPECT_EQ(Query("SELECT COUNT(*) FROM table"), std::vector<Row>{MakeRow({"5"})});
  EXPECT_EQ(Query("SELECT COUNT(*) FROM table WHERE name IS NOT NULL"),
            std::vector<Row>{MakeRow({"4"})});
  EXPECT_EQ(Query("SELECT COUNT(*) FROM table WHERE id > 1000"), std::vector<Row>{MakeRow({"0"})});
  EXPECT_EQ(Query("SELECT COUNT(*) FROM table", {}), std::vector<Row>{MakeRow({"0"})});
  // LIMIT / OFFSET apply to the single result row.
  EXPECT_EQ(Query("SELECT COUNT(*) FROM table OFFSET 1"), std::vector<Row>{});
  EXPECT_EQ(Query("SELECT COUNT(*) FROM table LIMIT 0"), std::vector<Row>{});
}

// --- InstantBounds -----------------------------------------------------------------------------

table::Seconds At(const char* text) { return *table::ParseDateTime(text); }

InstantRange BoundsOf(const std::string& condition, size_t column) {
  const auto plan = ParseSelect("SELECT * FROM table WHERE " + condition, kSchema);
  EXPECT_TRUE(plan) << condition;
  return plan ? plan->where->InstantBounds(column) : InstantRange{};
}

void ExpectRange(const InstantRange& range, table::Seconds from, table::Seconds to) {
  EXPECT_EQ(range.from, from);
  EXPECT_EQ(range.to, to);
}

constexpr size_t kDay = 4, kTs = 5;
const table::Seconds kMin = table::Seconds::min(), kMax = table::Seconds::max();

TEST(InstantBoundsTest, OneDayFilter) {
  ExpectRange(BoundsOf("ts >= '2026-10-01' AND ts < '2026-10-02'", kTs), At("2026-10-01"),
              At("2026-10-02"));
  ExpectRange(BoundsOf("day = '2026-10-01'", kDay), At("2026-10-01"), At("2026-10-01T00:00:01"));
  ExpectRange(BoundsOf("name = 'x' AND day BETWEEN '2026-10-01' AND '2026-10-03'", kDay),
              At("2026-10-01"), At("2026-10-03T00:00:01"));
}

TEST(InstantBoundsTest, StrictAndInclusiveEnds) {
  ExpectRange(BoundsOf("ts > '2026-10-01'", kTs), At("2026-10-01T00:00:01"), kMax);
  ExpectRange(BoundsOf("ts <= '2026-10-01'", kTs), kMin, At("2026-10-01T00:00:01"));
  ExpectRange(BoundsOf("ts < '2026-10-01'", kTs), kMin, At("2026-10-01"));
}

TEST(InstantBoundsTest, OrTakesTheHullAndInTheListHull) {
  ExpectRange(BoundsOf("ts < '2026-10-01' OR ts >= '2026-10-05'", kTs), kMin, kMax);
  ExpectRange(BoundsOf("day = '2026-10-05' OR day = '2026-10-01'", kDay), At("2026-10-01"),
              At("2026-10-05T00:00:01"));
  ExpectRange(BoundsOf("day IN ('2026-10-03', '2026-10-01', '2026-10-02')", kDay), At("2026-10-01"),
              At("2026-10-03T00:00:01"));
}

TEST(InstantBoundsTest, ContradictionGivesAnEmptyRange) {
  const auto range = BoundsOf("ts >= '2026-10-02' AND ts < '2026-10-01'", kTs);
  EXPECT_GE(range.from, range.to);
}

TEST(InstantBoundsTest, DoesNotNarrowWhatItCannotProve) {
  for (const char* condition : {"NOT ts < '2026-10-01'", "ts <> '2026-10-01'",
                                "ts NOT BETWEEN '2026-10-01' AND '2026-10-02'",
                                "ts NOT IN ('2026-10-01')", "ts IS NOT NULL", "ts LIKE '2026%'",
                                "day = '2026-10-01'", "id = 1", "ts >= '2026-10-01' OR id = 1"}) {
    ExpectRange(BoundsOf(condition, kTs), kMin, kMax);
  }
}

// --- LongBounds --------------------------------------------------------------------------------

constexpr size_t kId = 0;
constexpr int64_t kLongMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kLongMax = std::numeric_limits<int64_t>::max();

LongRange LongBoundsOf(const std::string& condition, size_t column = kId) {
  const auto plan = ParseSelect("SELECT * FROM table WHERE " + condition, kSchema);
  EXPECT_TRUE(plan) << condition;
  return plan ? plan->where->LongBounds(column) : LongRange{};
}

void ExpectLongs(const std::string& condition, int64_t min, int64_t max) {
  const LongRange range = LongBoundsOf(condition);
  EXPECT_EQ(range.min, min) << condition;
  EXPECT_EQ(range.max, max) << condition;
}

TEST(LongBoundsTest, KeysetPageFilter) {
  ExpectLongs("ts >= '2026-10-01' AND ts < '2026-10-02' AND ((id > 123456) OR (id = 123456))",
              123456, kLongMax);
  ExpectLongs("id >= 10 AND id < 20", 10, 19);
  ExpectLongs("id BETWEEN -5 AND 5", -5, 5);
  ExpectLongs("id IN (7, 3, 5)", 3, 7);
}

// A reader's first range holds the nulls: on a column that may hold them the range cannot be
// narrowed; on one without them (a synthetic sequence) "IS NULL" matches nothing.
TEST(LongBoundsTest, IsNullNarrowsOnlyAColumnWithoutNulls) {
  const std::string range = "(id IS NULL OR id < 501) AND id >= 100";
  const auto plan = ParseSelect("SELECT * FROM table WHERE " + range, kSchema);
  ASSERT_TRUE(plan);
  const LongRange maybe_null = plan->where->LongBounds(kId);
  EXPECT_EQ(maybe_null.min, 100);
  EXPECT_EQ(maybe_null.max, kLongMax);
  const LongRange never_null = plan->where->LongBounds(kId, /*never_null=*/true);
  EXPECT_EQ(never_null.min, 100);
  EXPECT_EQ(never_null.max, 500);
  const auto only_null = ParseSelect("SELECT * FROM table WHERE id IS NULL", kSchema);
  ASSERT_TRUE(only_null);
  EXPECT_TRUE(only_null->where->LongBounds(kId, true).Empty());
  EXPECT_FALSE(only_null->where->LongBounds(kId).Empty());
  const auto not_null = ParseSelect("SELECT * FROM table WHERE id IS NOT NULL", kSchema);
  ASSERT_TRUE(not_null);
  EXPECT_EQ(not_null->where->LongBounds(kId, true).min, kLongMin);
}

TEST(LongBoundsTest, StrictAndInclusiveEnds) {
  ExpectLongs("id > 4", 5, kLongMax);
  ExpectLongs("id >= 4", 4, kLongMax);
  ExpectLongs("id < 4", kLongMin, 3);
  ExpectLongs("id <= 4", kLongMin, 4);
  ExpectLongs("id = -4", -4, -4);
}

TEST(LongBoundsTest, FractionalLiteralsRoundInward) {
  ExpectLongs("id > 4.5", 5, kLongMax);
  ExpectLongs("id >= 4.5", 5, kLongMax);
  ExpectLongs("id < 4.5", kLongMin, 4);
  ExpectLongs("id <= -4.5", kLongMin, -5);
  ExpectLongs("id > -0.5", 0, kLongMax);
  ExpectLongs("id >= 4e1", 40, kLongMax);
  ExpectLongs("id BETWEEN 0.5 AND 2.5", 1, 2);
  EXPECT_TRUE(LongBoundsOf("id = 4.5").Empty());
  EXPECT_TRUE(LongBoundsOf("id IN (4.5, 0.1)").Empty());
  ExpectLongs("id IN (4.5, 9)", 9, 9);
}

TEST(LongBoundsTest, LiteralsBeyondTheLongRangeSaturate) {
  ExpectLongs("id > -1e30", kLongMin, kLongMax);
  ExpectLongs("id < 1e30", kLongMin, kLongMax);
  ExpectLongs("id >= -9223372036854775808", kLongMin, kLongMax);
  ExpectLongs("id <= 9223372036854775807", kLongMin, kLongMax);
  ExpectLongs("id > -9223372036854775808", kLongMin + 1, kLongMax);
  ExpectLongs("id < 9223372036854775807", kLongMin, kLongMax - 1);
  ExpectLongs("id = -9223372036854775808", kLongMin, kLongMin);
  for (const char* empty :
       {"id > 1e30", "id < -1e30", "id > 9223372036854775807", "id < -9223372036854775808",
        "id >= 9223372036854775807.5", "id = 1e19"}) {
    EXPECT_TRUE(LongBoundsOf(empty).Empty()) << empty;
  }
}

TEST(LongBoundsTest, OrTakesTheHullAndAndTheIntersection) {
  ExpectLongs("id < 3 OR id > 10", kLongMin, kLongMax);
  ExpectLongs("id = 3 OR id = 10", 3, 10);
  ExpectLongs("(id > 3 OR id = 3) AND id <= 8 AND name = 'x'", 3, 8);
  ExpectLongs("id = 4.5 OR id = 10", 10, 10);  // an empty side adds nothing
  EXPECT_TRUE(LongBoundsOf("id >= 10 AND id < 10").Empty());
}

TEST(LongBoundsTest, DoesNotNarrowWhatItCannotProve) {
  for (const char* condition :
       {"NOT id < 3", "id <> 3", "id NOT BETWEEN 1 AND 2", "id NOT IN (1)", "id IS NOT NULL",
        "id IS NULL OR id = 3", "name = 'x'", "id = 3 OR name = 'x'", "amount = 3"}) {
    ExpectLongs(condition, kLongMin, kLongMax);
  }
  // Only LONG columns: amount is DECIMAL, so 3.5 is a possible value and nothing is proven.
  const LongRange amount = LongBoundsOf("amount > 3.5", 2);
  EXPECT_EQ(amount.min, kLongMin);
  EXPECT_EQ(amount.max, kLongMax);
}

// Conservative: a LONG value the filter selects is never outside its bounds.
RC_GTEST_PROP(LongBoundsTest, NoMatchingValueLiesOutside, ()) {
  const auto literal = [] {
    return rc::gen::oneOf(
        rc::gen::map(rc::gen::inRange(-12, 13), [](int v) { return std::to_string(v); }),
        rc::gen::element<std::string>("2.5", "-2.5", "0.5", "-0", "1e1", "-1e30", "1e30"));
  };
  const std::string op = *rc::gen::element<std::string>("=", "<", "<=", ">", ">=");
  const std::string op2 = *rc::gen::element<std::string>("=", "<", "<=", ">", ">=");
  const std::string junction = *rc::gen::element<std::string>("AND", "OR");
  const std::string condition =
      "id " + op + " " + *literal() + " " + junction + " id " + op2 + " " + *literal();
  const auto plan = ParseSelect("SELECT * FROM table WHERE " + condition, kSchema);
  RC_ASSERT(plan.has_value());
  const LongRange range = plan->where->LongBounds(kId);
  for (int64_t v = -15; v <= 15; ++v) {
    Row row = kRows.front();
    row[kId] = std::to_string(v);
    if (plan->where->Matches(row)) RC_ASSERT(v >= range.min && v <= range.max);
  }
}

// --- ParseExportQuery --------------------------------------------------------------------------

json Column(const std::string& name) { return {{"exprType", "COLUMN"}, {"column", name}}; }
json Val(const char* type, json value) { return {{"exprType", type}, {"value", std::move(value)}}; }
// A comparison, or AND / OR in their leftExpr / rightExpr form.
json Cmp(const char* op, json left, json right) {
  return {{"exprType", op}, {"leftExpr", std::move(left)}, {"rightExpr", std::move(right)}};
}

std::vector<std::string> ExportIds(const json& query) {
  const auto plan = ParseExportQuery(query, kSchema);
  if (!plan) {
    ADD_FAILURE() << query.dump() << ": " << plan.error().ToString();
    return {};
  }
  return Firsts(RunPlan(*plan));
}

TEST(ParseExportQueryTest, MissingOrEmptyPartsMeanEverything) {
  for (const json& query : {json(nullptr), json::object(),
                            json{{"columns", json::array()},
                                 {"groupByColumns", json::array()},
                                 {"orderByColumns", json::array()},
                                 {"where", nullptr}}}) {
    const auto plan = ParseExportQuery(query, kSchema);
    ASSERT_TRUE(plan) << query.dump();
    EXPECT_EQ(plan->output_schema, kSchema);
    EXPECT_FALSE(plan->where);
    EXPECT_TRUE(plan->order_by.empty());
  }
}

TEST(ParseExportQueryTest, DocumentedEqualsExample) {
  const json query = {{"columns", {Column("id"), Column("name")}},
                      {"groupByColumns", json::array()},
                      {"orderByColumns", json::array()},
                      {"where", Cmp("EQUALS", Column("name"), Val("STRING_VALUE", "Bob"))}};
  const auto plan = ParseExportQuery(query, kSchema);
  ASSERT_TRUE(plan) << plan.error().ToString();
  EXPECT_EQ(RunPlan(*plan), std::vector<Row>{MakeRow({"9", "Bob"})});
}

TEST(ParseExportQueryTest, OneDayFilterMatchesTheSqlForm) {
  const json day = {
      {"where",
       {{"exprType", "AND"},
        {"exprs",
         {Cmp("GREATER_THAN_EQUAL", Column("ts"), Val("DATE_VALUE", "2026-10-01")),
          Cmp("LESS_THAN", Column("ts"), Val("DATETIME_VALUE", "2026-10-02T00:00:00"))}}}}};
  EXPECT_EQ(ExportIds(day), IdsWhere("ts >= '2026-10-01' AND ts < '2026-10-02T00:00:00'"));
  EXPECT_EQ(ExportIds(day), (Ids{"1", "10"}));
  const auto plan = ParseExportQuery(day, kSchema);
  ASSERT_TRUE(plan);
  ExpectRange(plan->where->InstantBounds(kTs), At("2026-10-01"), At("2026-10-02"));
}

TEST(ParseExportQueryTest, EveryOperatorAgreesWithSql) {
  const std::pair<json, std::string> cases[] = {
      {Cmp("NOT_EQUALS", Column("id"), Val("NUMERIC_VALUE", 9)), "id <> 9"},
      {Cmp("GREATER_THAN", Column("amount"), Val("NUMERIC_VALUE", 9.5)), "amount > 9.5"},
      {Cmp("GREATER_THAN", Column("amount"), Val("NUMERIC_VALUE", "9.5")), "amount > 9.5"},
      {Cmp("LESS_THAN_EQUAL", Column("day"), Val("DATE_VALUE", "2026-10-01")),
       "day <= '2026-10-01'"},
      {Cmp("LESS_THAN", Val("NUMERIC_VALUE", 1), Column("id")), "id > 1"},  // mirrored
      {Cmp("GREATER_THAN_EQUAL", Val("STRING_VALUE", "B"), Column("name")), "name <= 'B'"},
      {Cmp("OR", Cmp("EQUALS", Column("id"), Val("NUMERIC_VALUE", 1)),
           Cmp("EQUALS", Column("name"), Val("STRING_VALUE", "Bob"))),
       "id = 1 OR name = 'Bob'"},
      {Cmp("AND", Cmp("GREATER_THAN", Column("id"), Val("NUMERIC_VALUE", 0)),
           Cmp("LESS_THAN", Column("id"), Val("NUMERIC_VALUE", 10))),
       "id > 0 AND id < 10"},
      {json{{"exprType", "NOT"},
            {"expr", Cmp("EQUALS", Column("name"), Val("STRING_VALUE", "Bob"))}},
       "NOT name = 'Bob'"},
      {json{{"exprType", "IN"},
            {"leftExpr", Column("id")},
            {"rightExpr", {Val("NUMERIC_VALUE", 10), Val("NUMERIC_VALUE", -2)}}},
       "id IN (10, -2)"},
      {Cmp("EQUALS", Column("ts"), Val("STRING_VALUE", "2026-10-02")), "ts = '2026-10-02'"},
  };
  for (const auto& [where, sql] : cases) {
    EXPECT_EQ(ExportIds({{"where", where}}), IdsWhere(sql)) << sql;
  }
}

TEST(ParseExportQueryTest, OrderByBothForms) {
  const json query = {{"columns", json::array({Column("id")})},
                      {"orderByColumns",
                       {{{"expr", Column("day")}, {"direction", "DESCENDING"}},
                        {{"column", "id"}},
                        {{"expr", Column("name")}, {"direction", "ASCENDING"}}}}};
  const auto plan = ParseExportQuery(query, kSchema);
  ASSERT_TRUE(plan) << plan.error().ToString();
  ASSERT_EQ(plan->order_by.size(), 3u);
  EXPECT_TRUE(plan->order_by[0].descending);
  EXPECT_EQ(plan->order_by[0].type, ColumnType::kDate);
  EXPECT_FALSE(plan->order_by[1].descending);
  EXPECT_EQ(Firsts(RunPlan(*plan)), (Ids{"NULL", "9", "1", "-2", "10"}));
}

TEST(ParseExportQueryTest, RejectsNamingTheField) {
  struct Case {
    json query;
    std::string subject;
    std::string message_part;
  };
  const std::string w = "queryRequest.query.where";
  const Case cases[] = {
      {json::array(), "queryRequest.query", "must be an object"},
      {{{"limit", 5}}, "queryRequest.query.limit", "accepted: columns, groupByColumns"},
      {{{"columns", json::array({Column("nope")})}},
       "queryRequest.query.columns[0].column",
       "unknown column \"nope\"; the dataset's columns are: id, name, amount, ratio, day, ts"},
      {{{"columns", json::array({{{"exprType", "SUM"}, {"column", "id"}}})}},
       "queryRequest.query.columns[0]",
       "expected a column expression"},
      {{{"columns", "id"}}, "queryRequest.query.columns", "must be an array"},
      {{{"groupByColumns", json::array({Column("id")})}},
       "queryRequest.query.groupByColumns",
       "grouping is not supported"},
      {{{"orderByColumns", json::array({{{"column", "id"}, {"direction", "UP"}}})}},
       "queryRequest.query.orderByColumns[0].direction",
       "accepted: ASCENDING, DESCENDING"},
      {{{"orderByColumns", json::array({{{"expr", Column("nope")}}})}},
       "queryRequest.query.orderByColumns[0].expr.column",
       "unknown column"},
      {{{"where", "id = 1"}}, w, "must be an object with an exprType"},
      {{{"where", {{"exprType", "LIKE"}}}},
       w + ".exprType",
       "unknown condition \"LIKE\"; accepted:"},
      {{{"where", Cmp("EQUALS", Column("id"), Val("STRING_VALUE", "1"))}},
       w + ".rightExpr",
       "column \"id\" is LONG and takes a number, not '1'"},
      {{{"where", Cmp("EQUALS", Column("name"), Val("NUMERIC_VALUE", 1))}},
       w + ".rightExpr",
       "column \"name\" is STRING and takes 'text', not 1"},
      {{{"where", Cmp("EQUALS", Column("name"), Val("DATE_VALUE", "2026-10-01"))}},
       w + ".rightExpr",
       "column \"name\" is STRING"},
      {{{"where", Cmp("EQUALS", Column("ts"), Val("DATE_VALUE", "2026-10-01T00:00:00"))}},
       w + ".rightExpr",
       "DATE_VALUE takes 'yyyy-MM-dd'"},
      {{{"where", Cmp("EQUALS", Column("ts"), Val("DATETIME_VALUE", "noon"))}},
       w + ".rightExpr",
       "DATETIME_VALUE takes 'yyyy-MM-ddTHH:mm:ss'"},
      {{{"where", Cmp("EQUALS", Column("id"), Val("NUMERIC_VALUE", true))}},
       w + ".rightExpr.value",
       "NUMERIC_VALUE takes a number"},
      {{{"where", Cmp("EQUALS", Column("id"), Val("NUMERIC_VALUE", "one"))}},
       w + ".rightExpr",
       "takes a number, not one"},
      {{{"where", Cmp("EQUALS", Column("name"), Val("STRING_VALUE", 5))}},
       w + ".rightExpr.value",
       "STRING_VALUE takes a string"},
      {{{"where", Cmp("EQUALS", Column("id"), Val("BOOLEAN_VALUE", true))}},
       w + ".rightExpr.exprType",
       "expected a value: STRING_VALUE, NUMERIC_VALUE"},
      {{{"where", Cmp("EQUALS", Column("id"), Column("amount"))}},
       w,
       "compares one COLUMN with one value"},
      {{{"where", Cmp("EQUALS", Val("NUMERIC_VALUE", 1), Val("NUMERIC_VALUE", 1))}},
       w,
       "compares one COLUMN with one value"},
      {{{"where", {{"exprType", "EQUALS"}, {"leftExpr", Column("id")}}}},
       w,
       "EQUALS needs leftExpr and rightExpr"},
      {{{"where", {{"exprType", "NOT"}}}}, w + ".expr", "NOT needs the condition"},
      {{{"where", {{"exprType", "AND"}, {"exprs", json::array()}}}},
       w + ".exprs",
       "non-empty array"},
      {{{"where",
         {{"exprType", "OR"}, {"leftExpr", Cmp("EQUALS", Column("id"), Val("NUMERIC_VALUE", 1))}}}},
       w + ".rightExpr",
       "OR needs exprs or leftExpr and rightExpr"},
      {{{"where",
         {{"exprType", "AND"},
          {"exprs",
           {Cmp("EQUALS", Column("id"), Val("NUMERIC_VALUE", 1)),
            Cmp("EQUALS", Column("zzz"), Val("NUMERIC_VALUE", 1))}}}}},
       w + ".exprs[1].leftExpr.column",
       "unknown column \"zzz\""},
      {{{"where", {{"exprType", "IN"}, {"leftExpr", Column("id")}, {"rightExpr", json::array()}}}},
       w + ".rightExpr",
       "non-empty array of values"},
      {{{"where",
         {{"exprType", "IN"},
          {"leftExpr", Column("id")},
          {"rightExpr", {Val("NUMERIC_VALUE", 1), Val("STRING_VALUE", "x")}}}}},
       w + ".rightExpr[1]",
       "takes a number, not 'x'"},
  };
  for (const Case& c : cases) {
    const auto plan = ParseExportQuery(c.query, kSchema);
    ASSERT_FALSE(plan) << c.query.dump();
    EXPECT_EQ(plan.error().code, ErrorCode::kInvalidArgument) << c.query.dump();
    EXPECT_EQ(plan.error().subject, c.subject) << c.query.dump();
    EXPECT_NE(plan.error().message.find(c.message_part), std::string::npos)
        << c.query.dump() << " -> " << plan.error().message;
  }
}

TEST(ParseExportQueryTest, RejectsNestingBeyondTheDepthLimit) {
  json where = Cmp("EQUALS", Column("id"), Val("NUMERIC_VALUE", 1));
  for (int i = 0; i < 300; ++i) where = {{"exprType", "NOT"}, {"expr", where}};
  const auto plan = ParseExportQuery({{"where", where}}, kSchema);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("nests deeper than 200 levels"), std::string::npos);
}

// --- ExactRanges -------------------------------------------------------------------------------

// Columns "id", "day" and "ts" hold no null; the others may.
std::optional<ColumnRanges> ExactRangesOf(const std::string& condition) {
  const auto plan = ParseSelect("SELECT * FROM table WHERE " + condition, kSchema);
  EXPECT_TRUE(plan) << condition;
  if (!plan) return std::nullopt;
  return plan->where->ExactRanges([](size_t c) { return c == kId || c == kDay || c == kTs; });
}

TEST(ExactRangesTest, TheUnloadsFiltersAreExactRanges) {
  auto ranges = ExactRangesOf(
      "`ts` >= '2026-10-01T00:00:00' AND `ts` < '2026-10-02T00:00:00' AND (`id` IS NULL OR "
      "`id` < 500) AND `id` IS NOT NULL");
  ASSERT_TRUE(ranges);
  EXPECT_FALSE(ranges->never);
  ASSERT_EQ(ranges->instants.size(), 1u);
  EXPECT_EQ(ranges->instants[0].first, kTs);
  ExpectRange(ranges->instants[0].second, At("2026-10-01"), At("2026-10-02"));
  ASSERT_EQ(ranges->longs.size(), 1u);
  EXPECT_EQ(ranges->longs[0].first, kId);
  EXPECT_EQ(ranges->longs[0].second.min, kLongMin);
  EXPECT_EQ(ranges->longs[0].second.max, 499);

  ranges = ExactRangesOf("day = '2026-10-01' AND id >= 10 AND id < 20 AND id IN (12, 12)");
  ASSERT_TRUE(ranges);
  ASSERT_EQ(ranges->longs.size(), 1u);
  EXPECT_EQ(ranges->longs[0].second.min, 12);
  EXPECT_EQ(ranges->longs[0].second.max, 12);
  // Touching ranges join into one.
  ranges = ExactRangesOf("(id >= 1 AND id <= 5) OR (id > 5 AND id < 9)");
  ASSERT_TRUE(ranges);
  ASSERT_EQ(ranges->longs.size(), 1u);
  EXPECT_EQ(ranges->longs[0].second.min, 1);
  EXPECT_EQ(ranges->longs[0].second.max, 8);
}

TEST(ExactRangesTest, ContradictionsAndConstantsAreExact) {
  for (const char* never :
       {"id IS NULL", "id BETWEEN 5 AND 4", "ts BETWEEN '2026-10-02' AND '2026-10-01'", "id = 4.5",
        "ts >= '2026-10-02' AND ts < '2026-10-01'", "NOT (id IS NOT NULL)",
        "id > 10 AND id < 5 AND ts > '2026-10-01'"}) {
    const auto ranges = ExactRangesOf(never);
    ASSERT_TRUE(ranges) << never;
    EXPECT_TRUE(ranges->never) << never;
  }
  const auto always = ExactRangesOf("id IS NOT NULL AND NOT (ts IS NULL)");
  ASSERT_TRUE(always);
  EXPECT_FALSE(always->never);
  EXPECT_TRUE(always->instants.empty() && always->longs.empty());
}

TEST(ExactRangesTest, AnythingElseIsNotExact) {
  for (const char* condition :
       {"id <> 5", "NOT id < 5", "id NOT BETWEEN 1 AND 5", "id NOT IN (1)", "id IN (1, 2)",
        "day IN ('2026-10-01', '2026-10-03')", "id < 5 OR id > 7", "id < 5 OR ts < '2026-10-01'",
        "name LIKE 'a%'", "name = 'a'", "amount < 5", "ratio < 1", "name IS NOT NULL",
        "id < 5 AND amount < 5", "id IS NULL AND name = 'x'"}) {
    EXPECT_FALSE(ExactRangesOf(condition)) << condition;
  }
}

}  // namespace
}  // namespace s3u::emulator
