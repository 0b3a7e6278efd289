// `s3unload run` with output.format = "parquet" end to end: the binary against the Domo
// emulator and radosgw, the object read back with the aws cli and then by DuckDB and
// hyparquet, every value compared with the dataset's rows.
#include <gtest/gtest.h>

#include "support/parquet_readers.h"
#include "unload/run_fixture.h"

namespace s3u {
namespace {

using namespace run_test;  // the fixture (run_fixture.h)

TEST_F(RunIntegrationTest, ParquetDayReadBackExactlyByBothReaders) {
  const std::string day = DaysAgo(1), before = DaysAgo(2), after = DaysAgo(0);
  const json schema = json::array({{{"name", "id"}, {"type", "LONG"}},
                                   {{"name", "t"}, {"type", "DATETIME"}},
                                   {{"name", "big"}, {"type", "LONG"}},
                                   {{"name", "amount"}, {"type", "DECIMAL"}},
                                   {{"name", "ratio"}, {"type", "DOUBLE"}},
                                   {{"name", "d"}, {"type", "DATE"}},
                                   {{"name", "note"}, {"type", "STRING"}}});
  // Rows at both edges of the UTC day window, and one just outside each edge.
  const std::vector<Row> rows = {
      {"3", day + "T23:59:59", "9223372036854775807", "-0.000000001", "0.1", day,
       "He said \"hi\", then \"\"bye\"\""},
      {"1", day + "T00:00:00", "-9223372036854775808", "12345678901234567890.123456789", "-2.5e-10",
       "1970-01-01", "CRLF\r\nLF\nlone CR\rend \xF0\x9F\x98\x80 caf\xC3\xA9"},
      {"2", day + "T12:00:00", std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt},
      {"4", day + "T06:30:00", "0", "0", "1.7976931348623157e308", "9999-12-31", ""},
      {"5", before + "T23:59:59", "1", "1", "1", day, "outside, before"},
      {"6", after + "T00:00:00", "1", "1", "1", day, "outside, after"},
  };
  StartEmulator({InlineDataset(kInputId, schema, rows)});
  const json out = RunJson(Job("input_dataset = \"" + std::string(kInputId) +
                                   "\"\npath = \"pq/{date}\"\nprimary_key = [\"id\"]\n"
                                   "specific_day = 1\ndate_column = \"t\"",
                               "[output]\nformat = \"parquet\"\nmanifest = true\n"),
                           0);
  ASSERT_EQ(out["s3_uris"].size(), 1u) << out;
  const std::string key = "pq/" + day + ".parquet";
  EXPECT_EQ(out["s3_uris"][0], "s3://" + bucket_ + "/" + key);
  EXPECT_EQ(out["rows"], 4);
  const std::string object = ReadBack(key);
  const table::Schema table_schema = {
      {"id", table::ColumnType::kLong},      {"t", table::ColumnType::kDateTime},
      {"big", table::ColumnType::kLong},     {"amount", table::ColumnType::kDecimal},
      {"ratio", table::ColumnType::kDouble}, {"d", table::ColumnType::kDate},
      {"note", table::ColumnType::kString}};
  const test::Rows expected = {rows[1], rows[2], rows[0], rows[3]};  // in key order
  for (const std::string reader : {"duckdb", "hyparquet"}) {
    const json got = test::Read(reader, object);
    test::ExpectRows(reader, got, table_schema, expected);
    EXPECT_EQ(got["metadata"]["s3unload.dataset_id"], kInputId) << reader;
    EXPECT_EQ(got["metadata"]["s3unload.window_start"], day + "T00:00:00Z") << reader;
    EXPECT_EQ(got["metadata"]["s3unload.window_end"], after + "T00:00:00Z") << reader;
    EXPECT_FALSE(got["metadata"].value("s3unload.run_id", "").empty()) << reader;
  }
  const json manifest = json::parse(ReadBack("pq/" + day + ".manifest"));
  ASSERT_EQ(manifest["entries"].size(), 1u) << manifest;
  EXPECT_EQ(manifest["entries"][0]["meta"]["content_length"], object.size());
  EXPECT_EQ(manifest["entries"][0]["meta"]["record_count"], 4);
}

}  // namespace
}  // namespace s3u
