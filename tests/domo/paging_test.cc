#include "domo/paging.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace s3u::domo {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

std::vector<Cell> Cells(QueryRows::Row row) {
  std::vector<Cell> cells;
  row.packed().CopyTo(cells);
  return cells;
}

std::vector<std::vector<Cell>> AllCells(const QueryRows& rows) {
  std::vector<std::vector<Cell>> all;
  for (QueryRows::Row row : rows) all.push_back(Cells(row));
  return all;
}

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

// The edges of JSON the page parser reads itself (query_page.cc) and those it leaves to the
// tree parser: either way, the tree parser's result or error.
TEST(ParseQueryPageTest, TheEdgesOfJsonAreReadAsTheTreeParserReadsThem) {
  const std::vector<std::string> bodies = {
      // every escape, surrogate pairs, escaped keys, whitespace between every token
      R"({"columns":["a","b\u0041"],"rows":[["\"\\\/\b\f\n\r\t\u0000\u00e9\ud83d\ude00",1]]})",
      R"({"colu\u006dns":["a"],"r\u006fws":[["x"]]})",
      " \t\r\n{ \"columns\" : [ \"a\" , \"b\" ] ,\n\"rows\" : [ [ true , false ] , "
      "[ null , -1.5E+3 ] ] } \n",
      // raw UTF-8 of every length, DEL, and what is not UTF-8 or not allowed raw
      "{\"columns\":[\"a\"],\"rows\":[[\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x7F\"]]}",
      "{\"columns\":[\"a\"],\"rows\":[[\"\xC0\xAF\"]]}",          // overlong
      "{\"columns\":[\"a\"],\"rows\":[[\"\xED\xA0\x80\"]]}",      // a surrogate in UTF-8
      "{\"columns\":[\"a\"],\"rows\":[[\"\xF4\x90\x80\x80\"]]}",  // above U+10FFFF
      "{\"columns\":[\"a\"],\"rows\":[[\"\xE2\x82\"]]}",          // truncated
      "{\"columns\":[\"a\"],\"rows\":[[\"tab\there\"]]}",         // a raw control character
      "\xEF\xBB\xBF{\"columns\":[\"a\"],\"rows\":[[\"bom\"]]}",
      R"({"columns":["a"],"rows":[["\ud800"]]})",   // a lone high surrogate
      R"({"columns":["a"],"rows":[["\udc00x"]]})",  // a lone low surrogate
      R"({"columns":["a"],"rows":[["\ud800\u0041"]]})",
      R"({"columns":["a"],"rows":[["\x"]]})",
      R"({"columns":["a"],"rows":[["\u12"]]})",
      // numbers: exponents, underflow, overflow, very long
      R"({"columns":["a","b","c"],"rows":[[1e-400,1.5E+308,-0e0]]})",
      R"({"columns":["a"],"rows":[[2e308]]})",
      R"({"columns":["a"],"n":1e999,"rows":[]})",
      "{\"columns\":[\"a\"],\"rows\":[[" + std::string(301, '7') + "]]}",
      "{\"columns\":[\"a\"],\"rows\":[[" + std::string(400, '7') + "]]}",
      R"({"columns":["a"],"rows":[[-]]})",
      R"({"columns":["a"],"rows":[[1.]]})",
      R"({"columns":["a"],"rows":[[.5]]})",
      R"({"columns":["a"],"rows":[[+5]]})",
      R"({"columns":["a"],"rows":[[1e]]})",
      R"({"columns":["a"],"rows":[[-01]]})",
      // metadata: null, not an array, repeated types, types beyond the columns
      R"({"columns":["a"],"metadata":null,"rows":[]})",
      R"({"columns":["a"],"metadata":{"type":"LONG"},"rows":[]})",
      R"({"columns":["a","b"],"metadata":[{"type":"LONG","type":"DATE"},{"type":7}],"rows":[]})",
      R"({"columns":["a","b"],"metadata":[{"type":"LONG","type":1},"x",{"type":"DATE"}],"rows":[]})",
      R"({"columns":["a"],"metadata":[{"type":"LONG"},{"type":"DATE"}],"rows":[]})",
      R"({"metadata":[{"type":"LONG"}],"columns":["a"],"rows":[]})",
      // members: repeated, nested, empty; other values of every kind
      R"({"columns":["a"],"columns":["a","b"],"rows":[["x","y"]]})",
      R"({"columns":["a"],"metadata":[],"metadata":[{"type":"LONG"}],"rows":[]})",
      R"({"x":{"y":[1,{"z":[true,false,null,"s"]}],"w":{}},"columns":["a"],"rows":[]})",
      "{\"deep\":" + std::string(100, '[') + std::string(100, ']') +
          ",\"columns\":[\"a\"],\"rows\":[]}",
      R"({"columns":[],"rows":[]})",
      R"({"columns":[],"rows":[[]]})",
      R"({})",
      "",
      R"({"columns":["a"],"rows":null})",
      R"({"columns":null,"rows":[]})",
      R"({"columns":["a"],"rows":[["x"]],})",
      R"({"columns":["a"],"rows":[["x"],]})",
      R"({"columns":["a"],"rows":[["x",]]})",
      R"({"columns":["a"] "rows":[]})",
      R"({"columns":["a"],"rows":[[nul]]})",
      R"({"columns":["a"],"rows":[[True]]})",
  };
  for (const std::string& body : bodies) ExpectSameAsTreeParser(body);
}

// A string's scan reads sixteen, then eight bytes at a time: a quote, an escape, a multi-byte
// character or a control character at every position of every length across two 16-byte
// steps, and strings ending at the page's last bytes.
TEST(ParseQueryPageTest, AStopByteIsFoundAtEveryPositionOfEveryLength) {
  for (const std::string special : {"\\\"", "\\n", "\xC3\xA9", "\x01", "\xFF"}) {
    for (size_t length = 1; length <= 40; ++length) {
      for (size_t at = 0; at < length; ++at) {
        std::string text(length, 'x');
        text.replace(at, 1, special);
        ExpectSameAsTreeParser(R"({"columns":["a","b"],"rows":[[")" + text + R"(",")" + text +
                               R"("]]})");
        ExpectSameAsTreeParser(R"({"columns":["a"],"rows":[[")" + text + R"("]]})");
        ExpectSameAsTreeParser(R"({"columns":["a"],"rows":[[")" + text);  // cut in the string
      }
    }
  }
}

TEST(ParseQueryPageTest, ReadIntoAnEarlierPagesRowsItGivesWhatAFreshTableGets) {
  // Each page is read into the rows of the one before (PageMemory's cycle): wider, narrower,
  // longer and shorter texts, and an empty page, one after another.
  const std::vector<std::string> bodies = {
      R"({"columns":["a","b"],"rows":[["x",1],["yy",null]]})",
      R"({"columns":["a","b","c","d"],"rows":[["a long text that needs more room than before",
          2.50,true,"\u00e9"],["",-0,false,null],["z",1e3,null,"w"]]})",
      R"({"columns":["a"],"rows":[["q"]]})",
      R"({"columns":["a"],"rows":[]})",
      R"({"columns":["a","b","c"],"rows":[[1,2,3],[4,5,6],[7,8,9],[10,11,12]]})",
  };
  QueryRows reused;
  for (const std::string& body : bodies) {
    auto fresh = ParseQueryPage(body, "q");
    auto into = ParseQueryPage(body, "q", std::move(reused));
    ASSERT_TRUE(fresh.has_value()) << body;
    ASSERT_TRUE(into.has_value()) << body;
    EXPECT_EQ(into->columns, fresh->columns) << body;
    EXPECT_EQ(into->rows, fresh->rows) << body;
    EXPECT_EQ(into->rows.size(), fresh->rows.size()) << body;
    reused = std::move(into->rows);
  }
}

TEST(PageMemoryTest, GivesBackWhatWasGivenEmptiedAndMakesNewOnlyWhenNoneIsThere) {
  PageMemory memory;
  EXPECT_EQ(memory.TakeBody().capacity(), std::string().capacity());
  EXPECT_TRUE(memory.TakeRows().empty());
  std::string body(100000, 'x');
  const char* data = body.data();
  memory.GiveBody(std::move(body));
  std::string again = memory.TakeBody();
  EXPECT_TRUE(again.empty());
  EXPECT_GE(again.capacity(), 100000u);
  EXPECT_EQ(again.data(), data);
  EXPECT_EQ(memory.TakeBody().capacity(), std::string().capacity());  // only one was given

  auto page = ParseQueryPage(R"({"columns":["a"],"rows":[["kept"]]})", "q");
  ASSERT_TRUE(page.has_value());
  const char* text = page->rows[0][0]->data();
  memory.GiveRows(std::move(page->rows));
  QueryRows rows = memory.TakeRows();
  ASSERT_EQ(rows.size(), 1u);  // as given: ParseQueryPage resets it
  EXPECT_EQ(rows[0][0]->data(), text);
  EXPECT_TRUE(memory.TakeRows().empty());
}

TEST(PageMemoryTest, KeepsNoMoreThanKKeepOfEachAndFreesTheRest) {
  PageMemory memory;
  std::vector<const char*> kept_bodies;
  std::vector<const char*> kept_texts;
  for (size_t i = 0; i < PageMemory::kKeep + 3; ++i) {
    std::string body(1000, 'x');
    auto page = ParseQueryPage(R"({"columns":["a"],"rows":[["t"]]})", "q");
    ASSERT_TRUE(page.has_value());
    if (i < PageMemory::kKeep) {
      kept_bodies.push_back(body.data());
      kept_texts.push_back(page->rows[0][0]->data());
    }
    memory.GiveBody(std::move(body));
    memory.GiveRows(std::move(page->rows));
  }
  std::vector<const char*> bodies;
  std::vector<const char*> texts;
  for (size_t i = 0; i < PageMemory::kKeep; ++i) {
    bodies.push_back(memory.TakeBody().data());
    texts.push_back(memory.TakeRows()[0][0]->data());
  }
  EXPECT_THAT(bodies, UnorderedElementsAreArray(kept_bodies));
  EXPECT_THAT(texts, UnorderedElementsAreArray(kept_texts));
  EXPECT_EQ(memory.TakeBody().capacity(), std::string().capacity());  // the rest were freed
  EXPECT_TRUE(memory.TakeRows().empty());
}

// Issue 13: a number cell is the text Domo sent, never an int64 or a double re-spelled.
const std::vector<std::string> kExactNumbers = {
    "9007199254740993",                          // 2^53 + 1: a double would give ...992
    "-9223372036854775808",                      // -2^63
    "9223372036854775807",                       // 2^63 - 1
    "9223372036854775808",                       // 2^63 (beyond int64)
    "18446744073709551615",                      // 2^64 - 1
    "12345678901234567890.123456789",            // DECIMAL (29 digits)
    "-99999999999999.9999",                      // a double would give -100000000000000.0
    "123456789012345678901234567890.123456789",  // DECIMAL (39 digits)
    "10.50",                                     // trailing zero kept
    "1e3",
    "1e300",
    "-0.0",
    "5e-324",
    "1.7976931348623157e308",
    "1E+300",
    "2.5E-3",
    "1.0E300",
    "-0",
    "0",
};

// A page with one row of `cells` (JSON texts) in column "v0".., numbers also before "rows"
// (metadata, numRows) and in strings and keys, which must not be taken for cells.
std::string PageOf(const std::vector<std::string>& cells) {
  std::string columns, metadata, row;
  for (size_t i = 0; i < cells.size(); ++i) {
    const std::string sep = i ? "," : "";
    columns += sep + "\"v" + std::to_string(i) + "\"";
    metadata += sep + R"({"type":"DECIMAL","maxLength":-1,"minLength":-1,"periodIndex":0})";
    row += sep + cells[i];
  }
  return R"({"datasource":"d-1","numRows":1,"3":[4.5e1,{"6":-7}],"columns":[)" + columns +
         R"(],"metadata":[)" + metadata + R"(],"note":"12 \"34\" 5\\","rows":[[)" + row + R"(],[)" +
         row + R"(]],"numColumns":)" + std::to_string(cells.size()) + "}";
}

// ParseQueryPage into a new table, as a plain function beside ParseQueryResult.
Result<QueryResult> FastParse(std::string_view body, std::string_view subject) {
  return ParseQueryPage(body, subject);
}

TEST(ParseQueryPageTest, NumbersAreTheTextDomoSent) {
  const std::string body = PageOf(kExactNumbers);
  for (auto parse : {&FastParse, &ParseQueryResult}) {
    auto page = parse(body, "q");
    ASSERT_TRUE(page.has_value()) << page.error().ToString();
    ASSERT_EQ(page->rows.size(), 2u);
    for (const auto& row : page->rows) {
      ASSERT_EQ(row.size(), kExactNumbers.size());
      for (size_t i = 0; i < row.size(); ++i) EXPECT_EQ(row[i], kExactNumbers[i]);
    }
    EXPECT_EQ(page->types[0], "DECIMAL");
  }
  ExpectSameAsTreeParser(body);
}

// Each number alone, beyond 64 bits too: both parsers keep the text.
TEST(ParseQueryPageTest, EveryNumberAloneAndBeyondSixtyFourBitsIsKept) {
  std::vector<std::string> cases = kExactNumbers;
  cases.push_back("18446744073709551616");  // 2^64
  cases.push_back("123456789012345678901234567890123456789");
  cases.push_back("-123456789012345678901234567890");
  for (const std::string& number : cases) {
    auto page = ParseQueryPage(PageOf({number, "null", R"("x1")"}), "q");
    ASSERT_TRUE(page.has_value()) << number << ": " << page.error().ToString();
    EXPECT_EQ(Cells(page->rows[1]), (std::vector<Cell>{number, std::nullopt, "x1"})) << number;
    ExpectSameAsTreeParser(PageOf({number, "null", R"("x1")"}));
  }
}

TEST(ParseQueryPageTest, NullsStringsAndBooleansAroundNumbersStayInPlace) {
  const std::string body = R"({"columns":["a","b","c","d"],"rows":[[null,1.50,"2.50",true],)"
                           R"([-1e-7,null,null,false],["\"9\\",0.0,"",null]]})";
  for (auto parse : {&FastParse, &ParseQueryResult}) {
    auto page = parse(body, "q");
    ASSERT_TRUE(page.has_value()) << page.error().ToString();
    EXPECT_EQ(Cells(page->rows[0]), (std::vector<Cell>{std::nullopt, "1.50", "2.50", "true"}));
    EXPECT_EQ(Cells(page->rows[1]),
              (std::vector<Cell>{"-1e-7", std::nullopt, std::nullopt, "false"}));
    EXPECT_EQ(Cells(page->rows[2]), (std::vector<Cell>{"\"9\\", "0.0", "", std::nullopt}));
  }
}

TEST(ParseQueryPageTest, ARepeatedRowsKeyIsReadAsTheTreeParserReadsIt) {
  ExpectSameAsTreeParser(R"({"columns":["a"],"rows":[[1.0]],"n":2,"rows":[[3.00],[4e0]]})");
  auto page =
      ParseQueryPage(R"({"columns":["a"],"rows":[[1.0]],"n":2,"rows":[[3.00],[4e0]]})", "q");
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(AllCells(page->rows), (std::vector<std::vector<Cell>>{{"3.00"}, {"4e0"}}));
}

TEST(ParseQueryPageTest, MalformedAnswersFailAsWithTheTreeParser) {
  for (const std::string body : {
           "", "[1]", R"({"columns":["a"]})", R"({"rows":[]})",
           R"({"columns":["a","b"],"rows":[[1]]})", R"({"columns":["a"],"rows":[[{"x":1}]]})",
           R"({"columns":["a"],"rows":[[1],[[2]]]})", R"({"columns":["a"],"rows":[[01]]})",
           R"({"columns":[1],"rows":[]})",
           R"({"columns":["a"],"rows":[[1],[2)",  // truncated mid-body
           R"({"columns":["a"],"rows":[]} x)",
           R"({"columns":["a"],"rows":[[1e400]]})",  // beyond a double (docs/decisions.md)
       }) {
    auto page = ParseQueryPage(body, "query of d");
    EXPECT_FALSE(page.has_value()) << body;
    ExpectSameAsTreeParser(body);
  }
}

}  // namespace
}  // namespace s3u::domo
