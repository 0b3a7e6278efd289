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

TEST(PathTemplateTest, RejectsUnbalancedBracesAndLeadingSlash) {
  for (std::string_view bad : {"exports/{date", "exports/date}", "/exports/"}) {
    auto r = ValidatePathTemplate(bad, "details.path");
    EXPECT_FALSE(r.has_value()) << bad;
  }
  EXPECT_TRUE(ValidatePathTemplate("exports/{yyyy}/{mm}/", "details.path").has_value());
}

// Issue 13, item 2: the key is the rendered template byte for byte; nothing is normalised.
TEST(PathTemplateTest, KeysAreTheTemplateAsWrittenWithDotSegmentsAndReservedCharacters) {
  const std::string id_date = "08a061e2-12a2-4646-b4bc-20beddb403e3_2026-11-23.csv.gz";
  for (const std::string folder :
       {"orders/../x/", "./", "a//b/", "100%2F/", "q?a=1&b=2#f/", "p+ s~=/", "caf\xC3\xA9/",
        "cafe\xCC\x81/", "\xE6\x97\xA5\xE6\x9C\xAC/"}) {
    ASSERT_TRUE(ValidatePathTemplate(folder, "details.path").has_value()) << folder;
    EXPECT_EQ(Render(folder), folder + id_date);
  }
  EXPECT_EQ(Render("x/../{yyyy}//{mm}/./{dd}"), "x/../2026//11/./23.csv.gz");
}

TEST(PathTemplateTest, RejectsCharactersAKeyCannotHoldBeforeAnythingElse) {
  // The character check comes first, so no message quotes a control character back.
  auto r = ValidatePathTemplate("a/{x\ny}/", "details.path");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().subject, "details.path");
  EXPECT_NE(r.error().message.find("U+000A (line feed) at character 5"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
  for (std::string_view bad : {"a\tb/", "a\x7F/", "\xE2\x81\xA7x/", "\xC3/"}) {
    EXPECT_FALSE(ValidatePathTemplate(bad, "details.path").has_value()) << bad;
  }
}

TEST(PathTemplateTest, RejectsKeysLongerThanS3Allows) {
  const std::string long_path(1020, 'k');
  auto name = RenderObjectName(long_path, kValues, ".csv", "details.path");
  ASSERT_FALSE(name.has_value());
  EXPECT_NE(name.error().message.find("1024"), std::string::npos);
}

}  // namespace
}  // namespace s3u::unload
