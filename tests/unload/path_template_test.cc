#include "unload/path_template.h"

#include <gtest/gtest.h>

namespace s3u::unload {
namespace {

const PathValues kValues{"08a061e2-12a2-4646-b4bc-20beddb403e3", "Sales / EMEA (daily)",
                         "2026-11-23", "r-20261124-abc"};

std::string Render(std::string_view tmpl, std::string_view ext = ".csv.gz") {
  auto name = RenderObjectName(tmpl, kValues, ext, "details.path");
  EXPECT_TRUE(name.has_value()) << name.error().ToString();
  return name ? name->Key(false, 1) : "";
}

TEST(PathTemplateTest, ExpandsEveryPlaceholder) {
  EXPECT_EQ(Render("x/{dataset_id}/{yyyy}/{mm}/{dd}/{date}-{run_id}.csv.gz"),
            "x/08a061e2-12a2-4646-b4bc-20beddb403e3/2026/11/23/2026-11-23-r-20261124-abc.csv.gz");
}

TEST(PathTemplateTest, DatasetNameIsMadeKeySafe) {
  EXPECT_EQ(Render("{dataset_name}.csv.gz"), "Sales___EMEA__daily_.csv.gz");
}

TEST(PathTemplateTest, FolderGetsTheDefaultFileName) {
  EXPECT_EQ(Render("exports/"), "exports/08a061e2-12a2-4646-b4bc-20beddb403e3_2026-11-23.csv.gz");
  EXPECT_EQ(Render(""), "08a061e2-12a2-4646-b4bc-20beddb403e3_2026-11-23.csv.gz");
  EXPECT_EQ(Render("exports/", ".jsonl"),
            "exports/08a061e2-12a2-4646-b4bc-20beddb403e3_2026-11-23.jsonl");
}

TEST(PathTemplateTest, MissingExtensionsAreAddedOnce) {
  EXPECT_EQ(Render("out/sales"), "out/sales.csv.gz");
  EXPECT_EQ(Render("out/sales.csv"), "out/sales.csv.gz");
  EXPECT_EQ(Render("out/sales.csv.gz"), "out/sales.csv.gz");
  EXPECT_EQ(Render("out/sales.csv", ".csv"), "out/sales.csv");
}

TEST(PathTemplateTest, NumberedKeysWhenTheOutputMaySplit) {
  auto name = RenderObjectName("out/{date}", kValues, ".csv.zst", "details.path");
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(name->Key(true, 1), "out/2026-11-23-0001.csv.zst");
  EXPECT_EQ(name->Key(true, 12), "out/2026-11-23-0012.csv.zst");
}

TEST(PathTemplateTest, LiteralBracesAreEscapedByDoubling) {
  EXPECT_EQ(Render("a{{b}}/{date}"), "a{b}/2026-11-23.csv.gz");
}

TEST(PathTemplateTest, RejectsUnknownPlaceholdersListingTheAcceptedOnes) {
  auto r = ValidatePathTemplate("exports/{year}/", "details.path");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().subject, "details.path");
  EXPECT_NE(r.error().message.find("{year}"), std::string::npos);
  EXPECT_NE(r.error().message.find("{yyyy}"), std::string::npos);
}

TEST(PathTemplateTest, RejectsUnbalancedBracesLeadingSlashAndEmptySegments) {
  for (std::string_view bad : {"exports/{date", "exports/date}", "/exports/", "exports//x"}) {
    auto r = ValidatePathTemplate(bad, "details.path");
    EXPECT_FALSE(r.has_value()) << bad;
  }
  EXPECT_TRUE(ValidatePathTemplate("exports/{yyyy}/{mm}/", "details.path").has_value());
}

TEST(PathTemplateTest, RejectsKeysLongerThanS3Allows) {
  const std::string long_path(1020, 'k');
  auto name = RenderObjectName(long_path, kValues, ".csv", "details.path");
  ASSERT_FALSE(name.has_value());
  EXPECT_NE(name.error().message.find("1024"), std::string::npos);
}

}  // namespace
}  // namespace s3u::unload
