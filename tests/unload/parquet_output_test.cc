// Parquet through OutputWriter, read back by two independent readers (tests/readers: DuckDB's
// engine and hyparquet, pure JavaScript), every value compared with the rows written.
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/memory_objects.h"
#include "support/parquet_readers.h"
#include "unload/output.h"
#include "unload/parquet_rows.h"

namespace s3u::unload {
namespace {

using table::ColumnType;
using table::FieldValue;
using test::ExpectRows;
using test::MemoryObjects;
using test::Read;
using test::Rows;
using test::Value;

std::vector<FieldValue> Fields(const std::vector<Value>& row) {
  std::vector<FieldValue> fields;
  for (const Value& v : row) fields.push_back(v ? FieldValue(*v) : std::nullopt);
  return fields;
}

const table::Schema kAllTypes = {
    {"id", ColumnType::kLong},      {"text", ColumnType::kString}, {"amount", ColumnType::kDecimal},
    {"ratio", ColumnType::kDouble}, {"day", ColumnType::kDate},    {"at", ColumnType::kDateTime},
};

const Rows kHostileRows = {
    {"1", "plain", "1.5", "0.1", "2026-03-08", "2026-03-08T09:59:59"},
    {"-9223372036854775808", "quote \" comma , newline \n tab \t cr \r", "-0.000000001", "-0",
     "1970-01-01", "2026-03-08T10:00:00"},
    {"9223372036854775807", "", "99999999999999999999999999999.999999999", "NaN", "9999-12-31",
     "2026-11-01T07:59:59.999999"},
    {"0", "ünïcödé ✓ 😀 \\ backslash", "-99999999999999999999999999999.999999999", "Infinity",
     "1900-01-01", "2026-11-01T08:00:00"},
    {"42", std::string("nul \0 inside", 12), "0", "-Infinity", "2000-02-29",
     "1969-12-31T23:59:59.000001"},
    {"43", "min subnormal", "12345.6789", "5e-324", "2026-01-01", "2026-01-01T00:00:00Z"},
    {"44", "max double", "7", "1.7976931348623157e308", "2026-12-31", "2026-12-31T23:59:59"},
    {"45", std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
    {"46", "null text is not null", "-1", "-2.5e-10", "2026-06-15", "2026-06-15 12:30:00"},
};

std::string WriteOne(OutputOptions options, const table::Schema& schema, const Rows& rows,
                     std::vector<ObjectStats>* stats = nullptr) {
  MemoryObjects memory;
  auto writer = OutputWriter::Create(std::move(options), schema, memory.Opener());
  EXPECT_TRUE(writer) << writer.error().ToString();
  for (const auto& row : rows) {
    auto written = (*writer)->WriteRow(Fields(row));
    EXPECT_TRUE(written) << written.error().ToString();
  }
  auto closed = (*writer)->Close();
  EXPECT_TRUE(closed) << closed.error().ToString();
  if (stats) *stats = (*writer)->objects();
  EXPECT_EQ(memory.objects.size(), 1u);
  return memory.objects.empty() ? "" : memory.objects[0].data;
}

OutputOptions Parquet(Compression compression = Compression::kZstd) {
  OutputOptions options;
  options.format = OutputFormat::kParquet;
  options.compression = compression;
  return options;
}

class ParquetCodecTest : public testing::TestWithParam<Compression> {};

TEST_P(ParquetCodecTest, EveryValueReadBackByBothReaders) {
  OutputOptions options = Parquet(GetParam());
  options.parquet_metadata = {{"s3unload.run_id", "run-1"}, {"s3unload.window", "a/b"}};
  std::vector<ObjectStats> stats;
  const std::string file = WriteOne(options, kAllTypes, kHostileRows, &stats);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].rows, kHostileRows.size());
  EXPECT_EQ(stats[0].stored_bytes, file.size());
  for (const std::string reader : {"duckdb", "hyparquet"}) {
    const nlohmann::json got = Read(reader, file);
    ExpectRows(reader, got, kAllTypes, kHostileRows);
    EXPECT_EQ(got["metadata"]["s3unload.run_id"], "run-1") << reader;
    EXPECT_EQ(got["metadata"]["s3unload.window"], "a/b") << reader;
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, ParquetCodecTest,
                         testing::Values(Compression::kZstd, Compression::kSnappy,
                                         Compression::kGzip, Compression::kNone));

TEST(ParquetOutputTest, TypesAsDuckdbSeesThem) {
  const nlohmann::json got = Read("duckdb", WriteOne(Parquet(), kAllTypes, kHostileRows));
  std::vector<std::string> types;
  for (const auto& c : got["columns"]) types.push_back(c["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"BIGINT", "VARCHAR", "DECIMAL(38,9)", "DOUBLE", "DATE",
                                             "TIMESTAMP WITH TIME ZONE"}));
}

TEST(ParquetOutputTest, StatisticsInEachTypesOrder) {
  // DuckDB shows no DOUBLE bound that is NaN or infinite (nor for its own files), so those
  // become finite here; DoubleStatisticsLeaveNaNOut checks the bytes themselves.
  Rows rows = kHostileRows;
  rows[2][3] = "1";
  rows[3][3] = "2.5";
  rows[4][3] = "-3";
  rows[6][3] = "7.25";
  const nlohmann::json got = Read("duckdb", WriteOne(Parquet(), kAllTypes, rows));
  ASSERT_EQ(got["stats"].size(), 1u);
  const nlohmann::json& s = got["stats"][0];
  EXPECT_EQ(s[0]["min"], "-9223372036854775808");
  EXPECT_EQ(s[0]["max"], "9223372036854775807");
  EXPECT_EQ(s[0]["nulls"], "0");
  EXPECT_EQ(s[1]["min"], "");  // unsigned byte order: the empty string first
  EXPECT_EQ(s[1]["max"], "ünïcödé ✓ 😀 \\ backslash");
  EXPECT_EQ(s[1]["nulls"], "1");
  EXPECT_EQ(s[2]["min"], "-99999999999999999999999999999.999999999");
  EXPECT_EQ(s[2]["max"], "99999999999999999999999999999.999999999");
  EXPECT_EQ(s[3]["min"], "-3.0");
  EXPECT_EQ(s[3]["max"], "7.25");
  EXPECT_EQ(s[4]["min"], "1900-01-01");
  EXPECT_EQ(s[4]["max"], "9999-12-31");
  EXPECT_EQ(s[5]["nulls"], "1");
}

TEST(ParquetOutputTest, EmptyDayIsAValidFileWithTheSchema) {
  std::vector<ObjectStats> stats;
  const std::string file = WriteOne(Parquet(), kAllTypes, {}, &stats);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].rows, 0u);
  for (const std::string reader : {"duckdb", "hyparquet"}) {
    const nlohmann::json got = Read(reader, file);
    EXPECT_EQ(got["rows"].size(), 0u) << reader;
    ASSERT_EQ(got["columns"].size(), kAllTypes.size()) << reader;
    EXPECT_EQ(got["columns"][2]["name"], "amount") << reader;
  }
}

TEST(ParquetOutputTest, OneRowDay) {
  const Rows rows = {kHostileRows[2]};
  const std::string file = WriteOne(Parquet(), kAllTypes, rows);
  for (const std::string reader : {"duckdb", "hyparquet"}) {
    ExpectRows(reader, Read(reader, file), kAllTypes, rows);
  }
}

TEST(ParquetOutputTest, NullsInEveryTypeAndAnAllNullColumn) {
  Rows rows;
  for (int i = 0; i < 50; ++i) {
    std::vector<Value> row(kAllTypes.size());
    row[0] = std::to_string(i);
    if (i % 3 == 0) row[1] = "s" + std::to_string(i % 7);
    if (i % 4 == 0) row[3] = std::to_string(i) + ".25";
    if (i % 5 == 0) row[4] = "2026-03-0" + std::to_string(1 + i % 9);
    // row[2] (DECIMAL) and row[5] stay null throughout
    rows.push_back(row);
  }
  const std::string file = WriteOne(Parquet(), kAllTypes, rows);
  for (const std::string reader : {"duckdb", "hyparquet"}) {
    ExpectRows(reader, Read(reader, file), kAllTypes, rows);
  }
}

// Rows with a repeating (dictionary) column and unique ones, `n` of them.
Rows ManyRows(int n, size_t text_size = 0) {
  Rows rows;
  for (int i = 0; i < n; ++i) {
    std::string text = "category-" + std::to_string(i % 13);
    if (text_size > 0) text = std::to_string(i / 2) + std::string(text_size, 'x');
    rows.push_back(
        {std::to_string(i * 7919LL - 1000000), text, std::to_string(i) + ".01",
         std::to_string(i * 0.5), "2026-03-08",
         "2026-03-08T" + std::string(i % 24 < 10 ? "0" : "") + std::to_string(i % 24) + ":00:00"});
  }
  return rows;
}

TEST(ParquetOutputTest, DayLargerThanOneRowGroup) {
  OutputOptions options = Parquet();
  options.row_group_size = 256 * 1024;
  const auto rows = ManyRows(30000);
  const std::string file = WriteOne(options, kAllTypes, rows);
  const nlohmann::json duck = Read("duckdb", file);
  EXPECT_GT(duck["stats"].size(), 3u);
  ExpectRows("duckdb", duck, kAllTypes, rows);
  ExpectRows("hyparquet", Read("hyparquet", file), kAllTypes, rows);
}

TEST(ParquetOutputTest, DictionaryPastItsBoundFallsBackToPlain) {
  // Each 600-byte text twice: the dictionary would pass 1 MiB, so the chunk is PLAIN.
  OutputOptions options = Parquet(Compression::kSnappy);
  const auto rows = ManyRows(5000, 600);
  const std::string file = WriteOne(options, kAllTypes, rows);
  ExpectRows("duckdb", Read("duckdb", file), kAllTypes, rows);
  ExpectRows("hyparquet", Read("hyparquet", file), kAllTypes, rows);
}

TEST(ParquetOutputTest, SplitDayAtRowGroupBoundaries) {
  OutputOptions options = Parquet(Compression::kNone);
  options.row_group_size = 128 * 1024;
  options.max_object_size = 300 * 1024;
  const auto rows = ManyRows(40000);
  MemoryObjects memory;
  auto writer = OutputWriter::Create(options, kAllTypes, memory.Opener());
  ASSERT_TRUE(writer);
  for (const auto& row : rows) ASSERT_TRUE((*writer)->WriteRow(Fields(row)));
  ASSERT_TRUE((*writer)->Close());
  const auto& stats = (*writer)->objects();
  ASSERT_GT(stats.size(), 2u);
  ASSERT_EQ(stats.size(), memory.objects.size());
  size_t first = 0;
  for (size_t i = 0; i < stats.size(); ++i) {
    EXPECT_LE(stats[i].stored_bytes, *options.max_object_size) << i;
    EXPECT_EQ(stats[i].stored_bytes, memory.objects[i].data.size()) << i;
    EXPECT_TRUE(memory.objects[i].sealed);
    const Rows part(rows.begin() + first, rows.begin() + first + stats[i].rows);
    for (const std::string reader : {"duckdb", "hyparquet"}) {
      ExpectRows(reader + " object " + std::to_string(i + 1), Read(reader, memory.objects[i].data),
                 kAllTypes, part);
    }
    first += stats[i].rows;
  }
  EXPECT_EQ(first, rows.size());
}

TEST(ParquetOutputTest, ValueThatDoesNotFitFailsNamingColumnRowKeyAndValue) {
  OutputOptions options = Parquet();
  options.key_columns = {"id"};
  MemoryObjects memory;
  auto writer = OutputWriter::Create(options, kAllTypes, memory.Opener());
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->WriteRow(Fields(kHostileRows[0])));
  auto row = kHostileRows[0];
  row[0] = "77";
  row[2] = "1.0000000001";  // a tenth digit past scale 9
  auto failed = (*writer)->WriteRow(Fields(row));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(failed.error().subject, "column \"amount\"");
  EXPECT_NE(failed.error().message.find("1.0000000001"), std::string::npos);
  EXPECT_NE(failed.error().message.find("row 2, key (77)"), std::string::npos)
      << failed.error().message;
  EXPECT_NE(failed.error().message.find("output.decimal = \"string\""), std::string::npos);
  EXPECT_FALSE((*writer)->Close());  // the writer stays stopped
}

TEST(ParquetOutputTest, LongPastSixtyFourBitsFails) {
  MemoryObjects memory;
  auto writer = OutputWriter::Create(Parquet(), kAllTypes, memory.Opener());
  ASSERT_TRUE(writer);
  auto row = kHostileRows[0];
  row[0] = "9223372036854775808";
  auto failed = (*writer)->WriteRow(Fields(row));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().subject, "column \"id\"");
  EXPECT_NE(failed.error().message.find("\"9223372036854775808\""), std::string::npos);
}

TEST(ParquetOutputTest, SubMicrosecondDatetimeAndOutOfRangeDoubleFail) {
  for (const auto& [column, value] : std::vector<std::pair<size_t, std::string>>{
           {5, "2026-03-08T10:00:00.1234567"}, {3, "1e400"}, {3, "nan"}, {4, "2026-02-30"}}) {
    MemoryObjects memory;
    auto writer = OutputWriter::Create(Parquet(), kAllTypes, memory.Opener());
    ASSERT_TRUE(writer);
    auto row = kHostileRows[0];
    row[column] = value;
    auto failed = (*writer)->WriteRow(Fields(row));
    ASSERT_FALSE(failed) << value;
    EXPECT_EQ(failed.error().subject, "column \"" + kAllTypes[column].name + "\"");
  }
}

TEST(ParquetOutputTest, DecimalAsStringKeepsTheExactText) {
  OutputOptions options = Parquet();
  options.parquet.decimal_as_string = true;
  const Rows rows = {{"1", "a", "123456789012345678901234567890123456789012.5", "1", "2026-01-01",
                      "2026-01-01T00:00:00"}};
  const std::string file = WriteOne(options, kAllTypes, rows);
  for (const std::string reader : {"duckdb", "hyparquet"}) {
    const nlohmann::json got = Read(reader, file);
    ASSERT_EQ(got["rows"].size(), 1u);
    EXPECT_EQ(got["rows"][0][2], "123456789012345678901234567890123456789012.5") << reader;
  }
}

TEST(ParquetOutputTest, SmallPrecisionsUseIntegerPhysicalTypes) {
  for (int precision : {9, 18}) {
    OutputOptions options = Parquet();
    options.parquet.decimal_precision = precision;
    options.parquet.decimal_scale = 2;
    const Rows rows = {{"1", "a", "-1234567.89", "1", "2026-01-01", "2026-01-01T00:00:00"},
                       {"2", "b", "0.5", "1", "2026-01-01", "2026-01-01T00:00:00"}};
    const std::string file = WriteOne(options, kAllTypes, rows);
    for (const std::string reader : {"duckdb", "hyparquet"}) {
      const nlohmann::json got = Read(reader, file);
      ASSERT_EQ(got["rows"].size(), 2u);
      EXPECT_EQ(got["rows"][0][2], "-1234567.89") << reader << precision;
      EXPECT_EQ(got["rows"][1][2], "0.50") << reader << precision;
    }
  }
}

}  // namespace
}  // namespace s3u::unload
