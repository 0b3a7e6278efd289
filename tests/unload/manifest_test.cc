#include "unload/manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace s3u::unload {
namespace {

using table::ColumnType;

TEST(ManifestTest, ExactJsonForKnownInput) {
  const std::string manifest =
      BuildManifest({{"s3://b/exports/ds_2026-01-05-0001.csv.gz", 5242001, 70000},
                     {"s3://b/exports/ds_2026-01-05-0002.csv.gz", 1200, 15}},
                    {{"id", ColumnType::kLong}, {"amount", ColumnType::kDecimal}});
  EXPECT_EQ(manifest, R"({
  "entries": [
    {
      "url": "s3://b/exports/ds_2026-01-05-0001.csv.gz",
      "meta": {
        "content_length": 5242001,
        "record_count": 70000
      }
    },
    {
      "url": "s3://b/exports/ds_2026-01-05-0002.csv.gz",
      "meta": {
        "content_length": 1200,
        "record_count": 15
      }
    }
  ],
  "schema": {
    "elements": [
      {
        "name": "id",
        "type": {
          "base": "bigint"
        }
      },
      {
        "name": "amount",
        "type": {
          "base": "numeric"
        }
      }
    ]
  },
  "meta": {
    "content_length": 5243201,
    "record_count": 70015
  },
  "author": {
    "name": "s3unload",
    "version": "0.1.0"
  }
}
)");
}

TEST(ManifestTest, EveryDomoTypeHasARedshiftBaseType) {
  EXPECT_EQ(RedshiftBaseType(ColumnType::kString), "character varying");
  EXPECT_EQ(RedshiftBaseType(ColumnType::kLong), "bigint");
  EXPECT_EQ(RedshiftBaseType(ColumnType::kDouble), "double precision");
  EXPECT_EQ(RedshiftBaseType(ColumnType::kDecimal), "numeric");
  EXPECT_EQ(RedshiftBaseType(ColumnType::kDate), "date");
  EXPECT_EQ(RedshiftBaseType(ColumnType::kDateTime), "timestamp without time zone");
}

TEST(ManifestTest, NoEntriesGiveZeroTotals) {
  const auto manifest = nlohmann::json::parse(BuildManifest({}, {{"name", ColumnType::kString}}));
  EXPECT_TRUE(manifest["entries"].empty());
  EXPECT_EQ(manifest["meta"]["content_length"], 0);
  EXPECT_EQ(manifest["meta"]["record_count"], 0);
}

TEST(ManifestTest, NamesNeedingEscapesStayValidJson) {
  const auto manifest = nlohmann::json::parse(
      BuildManifest({{"s3://b/k\"1", 1, 1}},
                    {{"a \"q\" \\ \n", ColumnType::kString}, {"bad\xFF", ColumnType::kDate}}));
  EXPECT_EQ(manifest["entries"][0]["url"], "s3://b/k\"1");
  EXPECT_EQ(manifest["schema"]["elements"][0]["name"], "a \"q\" \\ \n");
  EXPECT_EQ(manifest["schema"]["elements"][1]["name"], "bad\xEF\xBF\xBD");
}

TEST(ManifestTest, KeySitsNextToTheObjects) {
  EXPECT_EQ(ManifestKey("exports/2026/01/ds_2026-01-05"), "exports/2026/01/ds_2026-01-05.manifest");
}

}  // namespace
}  // namespace s3u::unload
