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

}  // namespace
}  // namespace s3u::domo
