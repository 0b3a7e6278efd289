#include "store/store_url.h"

#include <gtest/gtest.h>

namespace s3u::store {
namespace {

TEST(ParseStoreUrlTest, APlainPathIsSqliteAsBefore) {
  for (const char* text : {"/var/lib/s3unload/s3unload.db", "relative/s3unload.db"}) {
    auto url = ParseStoreUrl(text);
    ASSERT_TRUE(url.has_value()) << url.error().ToString();
    EXPECT_EQ(url->backend, Backend::kSqlite);
    EXPECT_EQ(url->path, text);
    EXPECT_EQ(url->redacted, text);
  }
}

TEST(ParseStoreUrlTest, ASqliteUrlGivesItsAbsolutePath) {
  auto url = ParseStoreUrl("sqlite:///var/lib/s3unload/s3unload.db");
  ASSERT_TRUE(url.has_value()) << url.error().ToString();
  EXPECT_EQ(url->backend, Backend::kSqlite);
  EXPECT_EQ(url->path, "/var/lib/s3unload/s3unload.db");
  EXPECT_EQ(url->redacted, "/var/lib/s3unload/s3unload.db");
}

TEST(ParseStoreUrlTest, ASqliteUrlWithARelativePathIsRefused) {
  auto url = ParseStoreUrl("sqlite://data/s3unload.db");
  ASSERT_FALSE(url.has_value());
  EXPECT_EQ(url.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(url.error().subject, "store");
  EXPECT_NE(url.error().message.find("absolute path"), std::string::npos);
}

TEST(ParseStoreUrlTest, PostgresUrlsGoToLibpqAsGivenAndAreNamedWithoutThePassword) {
  for (const std::string scheme : {"postgresql", "postgres"}) {
    const std::string text =
        scheme + "://s3u:Sup3r-Secret@db.internal:5432/s3unload?sslmode=require";
    auto url = ParseStoreUrl(text);
    ASSERT_TRUE(url.has_value()) << url.error().ToString();
    EXPECT_EQ(url->backend, Backend::kPostgres);
    EXPECT_EQ(url->conninfo, text);
    EXPECT_EQ(url->redacted, scheme + "://s3u:***@db.internal:5432/s3unload?sslmode=require");
  }
}

TEST(ParseStoreUrlTest, EmptyAndUnknownSchemesAreRefused) {
  auto empty = ParseStoreUrl("");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
  auto mysql = ParseStoreUrl("mysql://root:pw@localhost/s3u");
  ASSERT_FALSE(mysql.has_value());
  EXPECT_EQ(mysql.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(mysql.error().message.find("'mysql'"), std::string::npos);
  EXPECT_EQ(mysql.error().message.find("pw"), std::string::npos);
}

TEST(RedactPasswordTest, HidesTheUserInfoPasswordAndThePasswordParameter) {
  EXPECT_EQ(RedactPassword("postgresql://u:p%40ss@h/db"), "postgresql://u:***@h/db");
  EXPECT_EQ(RedactPassword("postgresql://u:p@ss@h/db"), "postgresql://u:***@h/db");
  EXPECT_EQ(RedactPassword("postgresql://h/db?user=u&password=pw&sslmode=require"),
            "postgresql://h/db?user=u&password=***&sslmode=require");
  EXPECT_EQ(RedactPassword("postgresql:///db?password=pw"), "postgresql:///db?password=***");
}

TEST(RedactPasswordTest, LeavesUrlsWithoutAPasswordAlone) {
  EXPECT_EQ(RedactPassword("postgresql://u@h:5432/db"), "postgresql://u@h:5432/db");
  EXPECT_EQ(RedactPassword("postgresql://h/db"), "postgresql://h/db");
  EXPECT_EQ(RedactPassword("postgresql://[::1]:5432/db"), "postgresql://[::1]:5432/db");
  EXPECT_EQ(RedactPassword("/var/lib/s3unload/s3unload.db"), "/var/lib/s3unload/s3unload.db");
}

}  // namespace
}  // namespace s3u::store
