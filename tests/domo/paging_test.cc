#include "domo/paging.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace s3u::domo {
namespace {

using ::testing::HasSubstr;

// The offsets a pager asks for when the server holds `total` items.
std::vector<int64_t> Offsets(Pager pager, int64_t total) {
  std::vector<int64_t> offsets;
  while (!pager.done()) {
    offsets.push_back(pager.offset());
    const int64_t left = std::max<int64_t>(0, total - pager.offset());
    pager.Record(static_cast<size_t>(std::min(left, pager.limit())));
  }
  return offsets;
}

TEST(PagerTest, EmptyPageEndingAsksOnePageMoreThanTheData) {
  EXPECT_EQ(Offsets(Pager(50, PageEnd::kEmptyPage), 120), (std::vector<int64_t>{0, 50, 100, 120}));
  EXPECT_EQ(Offsets(Pager(50, PageEnd::kEmptyPage), 100), (std::vector<int64_t>{0, 50, 100}));
}

TEST(PagerTest, ShortPageEndingStopsAtTheShortPage) {
  EXPECT_EQ(Offsets(Pager(50, PageEnd::kShortPage), 120), (std::vector<int64_t>{0, 50, 100}));
}

TEST(PagerTest, ShortPageEndingNeedsAnEmptyPageAfterAnExactMultiple) {
  EXPECT_EQ(Offsets(Pager(50, PageEnd::kShortPage), 100), (std::vector<int64_t>{0, 50, 100}));
}

TEST(PagerTest, NothingToListTakesOneRequest) {
  EXPECT_EQ(Offsets(Pager(50, PageEnd::kEmptyPage), 0), (std::vector<int64_t>{0}));
  EXPECT_EQ(Offsets(Pager(50, PageEnd::kShortPage), 0), (std::vector<int64_t>{0}));
}

TEST(PagerTest, EmptyPageEndingKeepsGoingAfterAShortPage) {
  // Domo's dataset list may return fewer than the limit mid-list (filtered items).
  Pager pager(50, PageEnd::kEmptyPage);
  pager.Record(30);
  EXPECT_FALSE(pager.done());
  EXPECT_EQ(pager.offset(), 30);
}

TEST(PagerTest, ServerIgnoringOffsetCannotLoopForever) {
  Pager pager(50, PageEnd::kEmptyPage, /*max_items=*/200);
  int pages = 0;
  while (!pager.done()) {
    pager.Record(50);  // always a full page
    ++pages;
  }
  EXPECT_EQ(pages, 4);
}

TEST(PagerTest, NonPositiveLimitIsClampedToOne) {
  Pager pager(0, PageEnd::kShortPage);
  EXPECT_EQ(pager.limit(), 1);
}

TEST(PageSqlTest, AppendsLimitAndOffset) {
  EXPECT_EQ(PageSql("SELECT * FROM table", 1000, 2000),
            "SELECT * FROM table LIMIT 1000 OFFSET 2000");
}

TEST(PageSqlTest, DropsTrailingSemicolonAndSpace) {
  EXPECT_EQ(PageSql("select a from table ;\n ", 10, 0), "select a from table LIMIT 10 OFFSET 0");
}

TEST(PageSqlTest, IgnoresKeywordsInsideQuotes) {
  EXPECT_EQ(
      PageSql("SELECT `limit` FROM table WHERE note = 'no limit' AND \"offset\" > 1", 5, 5),
      "SELECT `limit` FROM table WHERE note = 'no limit' AND \"offset\" > 1 LIMIT 5 OFFSET 5");
}

TEST(PageSqlTest, RefusesAStatementWithItsOwnLimit) {
  auto r = PageSql("SELECT * FROM table limit 3", 10, 0);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().subject, "sql");
  EXPECT_THAT(r.error().message, HasSubstr("LIMIT"));
  EXPECT_FALSE(PageSql("SELECT * FROM table OFFSET 3", 10, 0).has_value());
}

TEST(PageSqlTest, RefusesWhatIsNotASelect) {
  EXPECT_FALSE(PageSql("", 10, 0).has_value());
  EXPECT_FALSE(PageSql("DELETE FROM table", 10, 0).has_value());
  EXPECT_FALSE(PageSql("  ;", 10, 0).has_value());
}

TEST(PageSqlTest, RefusesBadPageBounds) {
  EXPECT_FALSE(PageSql("SELECT 1", 0, 0).has_value());
  EXPECT_FALSE(PageSql("SELECT 1", 10, -1).has_value());
}

// ParseQueryPage must read every page exactly as the tree parser ParseQueryResult does.
void ExpectSameAsTreeParser(const std::string& body) {
  auto fast = ParseQueryPage(body, "query of d");
  auto tree = ParseQueryResult(body, "query of d");
  ASSERT_EQ(fast.has_value(), tree.has_value()) << body;
  if (!tree) {
    EXPECT_EQ(fast.error().code, tree.error().code) << body;
    EXPECT_EQ(fast.error().subject, tree.error().subject) << body;
    EXPECT_EQ(fast.error().message, tree.error().message) << body;
    return;
  }
  EXPECT_EQ(fast->columns, tree->columns) << body;
  EXPECT_EQ(fast->types, tree->types) << body;
  EXPECT_EQ(fast->rows, tree->rows) << body;
}

TEST(ParseQueryPageTest, AgreesWithTheTreeParser) {
  ExpectSameAsTreeParser(R"({"columns":["id","name","amount","ok","note"],
    "datasource":"d","fromcache":false,
    "metadata":[{"type":"LONG"},{"type":"STRING"},{"type":"DECIMAL"},{},null,{"type":"X"}],
    "numColumns":5,"numRows":3,
    "rows":[[1,"a \"quoted\"\nline",0.5,true,null],
            [-20,"",1e3,false,"\u00e9\ud83d\ude00"],
            [9223372036854775807,"tab\tx",-0.0035,true,"\\N"],
            [18446744073709551615,"",10.50,false,""]]})");
  ExpectSameAsTreeParser(R"({"rows":[["x"]],"columns":["a"]})");  // any key order
  ExpectSameAsTreeParser(R"({"columns":["a"],"rows":[]})");
  ExpectSameAsTreeParser(R"({"columns":["a"],"rows":[[123456789012345678901234567890]]})");
  ExpectSameAsTreeParser(R"({"columns":["a","b","c"],"rows":[[-0, -0.0, 1E-7]]})");
}

TEST(ParseQueryPageTest, NumbersAreSpelledAsTheTreeParserSpellsThem) {
  auto page = ParseQueryPage(R"({"columns":["a","b","c"],"rows":[[10.50, 1e3 , 7]]})", "q");
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(page->rows[0], (std::vector<Cell>{"10.5", "1000.0", "7"}));
  EXPECT_EQ(page->types, (std::vector<std::string>{"", "", ""}));
}

TEST(ParseQueryPageTest, MalformedAnswersFailAsWithTheTreeParser) {
  for (const std::string body : {
           "",
           "[1]",
           R"({"columns":["a"]})",
           R"({"rows":[]})",
           R"({"columns":["a","b"],"rows":[[1]]})",
           R"({"columns":["a"],"rows":[[{"x":1}]]})",
           R"({"columns":["a"],"rows":[[1],[[2]]]})",
           R"({"columns":["a"],"rows":[[01]]})",
           R"({"columns":[1],"rows":[]})",
           R"({"columns":["a"],"rows":[[1],[2)",  // truncated mid-body
           R"({"columns":["a"],"rows":[]} x)",
       }) {
    auto page = ParseQueryPage(body, "query of d");
    EXPECT_FALSE(page.has_value()) << body;
    ExpectSameAsTreeParser(body);
  }
}

}  // namespace
}  // namespace s3u::domo
