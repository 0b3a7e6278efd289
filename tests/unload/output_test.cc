// OutputWriter with in-memory objects: the encodings byte for byte, and splitting checked
// through the real gzip / zstd tools (each object on its own).
#include "unload/output.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "support/memory_objects.h"

namespace s3u::unload {

// codec_test.cc (same binary).
struct Decompressed {
  int status = -1;
  std::string out;
};
Decompressed DecompressWithCli(Compression compression, std::string_view data);

namespace {

using table::ColumnType;
using table::FieldValue;
using test::MemoryObjects;

const table::Schema kSchema = {{"id", ColumnType::kLong}, {"name", ColumnType::kString}};

OutputOptions Plain(OutputFormat format = OutputFormat::kCsv) {
  OutputOptions options;
  options.format = format;
  options.compression = Compression::kNone;
  return options;
}

std::unique_ptr<OutputWriter> MakeWriter(OutputOptions options, table::Schema schema,
                                         MemoryObjects& memory) {
  auto writer = OutputWriter::Create(std::move(options), std::move(schema), memory.Opener());
  EXPECT_TRUE(writer) << writer.error().ToString();
  return writer ? std::move(*writer) : nullptr;
}

// Writes `rows`, closes, and returns the single object's bytes.
std::string WriteAll(OutputOptions options, const table::Schema& schema,
                     const std::vector<std::vector<FieldValue>>& rows) {
  MemoryObjects memory;
  auto writer = MakeWriter(std::move(options), schema, memory);
  for (const auto& row : rows) EXPECT_TRUE(writer->WriteRow(row));
  EXPECT_TRUE(writer->Close());
  EXPECT_EQ(memory.objects.size(), 1u);
  return memory.objects.at(0).data;
}

TEST(OutputCsvTest, HeaderThenRowsWithDomoNullsAndMinimalQuoting) {
  const std::string out = WriteAll(Plain(), kSchema,
                                   {{"1", "plain"},
                                    {"2", std::nullopt},
                                    {"3", ""},
                                    {"4", "say \"hi\", then\nleave"},
                                    {std::nullopt, "x"}});
  EXPECT_EQ(out,
            "id,name\n"
            "1,plain\n"
            "2,\n"
            "3,\"\"\n"
            "4,\"say \"\"hi\"\", then\nleave\"\n"
            ",x\n");
}

TEST(OutputCsvTest, DelimiterQuoteAllAndNullText) {
  OutputOptions options = Plain();
  options.csv.delimiter = '|';
  options.csv.quoting = table::Quoting::kAll;
  options.csv.null_text = "\\N";
  const std::string out = WriteAll(options, kSchema, {{"1", "a|b"}, {"2", std::nullopt}});
  EXPECT_EQ(out, "\"id\"|\"name\"\n\"1\"|\"a|b\"\n\"2\"|\\N\n");
}

TEST(OutputCsvTest, NoHeaderWhenDisabled) {
  OutputOptions options = Plain();
  options.header = false;
  EXPECT_EQ(WriteAll(options, kSchema, {{"1", "a"}}), "1,a\n");
}

TEST(OutputCsvTest, NullInOneColumnCsvWithEmptyNullTextIsRefusedAndStopsTheWriter) {
  MemoryObjects memory;
  auto writer = MakeWriter(Plain(), {{"only", ColumnType::kString}}, memory);
  ASSERT_TRUE(writer->WriteRow(std::vector<FieldValue>{"a"}));
  auto refused = writer->WriteRow(std::vector<FieldValue>{std::nullopt});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().subject, "row 2");
  EXPECT_NE(refused.error().message.find("output.null"), std::string::npos);
  auto later = writer->WriteRow(std::vector<FieldValue>{"b"});
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().subject, "row 2");
  EXPECT_FALSE(writer->Close());
}

TEST(OutputCsvTest, NullInOneColumnCsvIsWrittenWithANullText) {
  OutputOptions options = Plain();
  options.csv.null_text = "\\N";
  EXPECT_EQ(WriteAll(options, {{"only", ColumnType::kString}}, {{std::nullopt}, {"\\N"}}),
            "only\n\\N\n\"\\N\"\n");
}

TEST(OutputWriterTest, WrongNumberOfValuesIsRefused) {
  MemoryObjects memory;
  auto writer = MakeWriter(Plain(), kSchema, memory);
  auto refused = writer->WriteRow(std::vector<FieldValue>{"1"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().message, "has 1 values; the schema has 2 columns");
}

TEST(OutputWriterTest, RowAfterCloseAndSecondCloseAreRefused) {
  MemoryObjects memory;
  auto writer = MakeWriter(Plain(), kSchema, memory);
  ASSERT_TRUE(writer->Close());
  auto row = writer->WriteRow(std::vector<FieldValue>{"1", "a"});
  ASSERT_FALSE(row);
  EXPECT_EQ(row.error().code, ErrorCode::kFailedPrecondition);
  auto again = writer->Close();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(memory.objects.size(), 1u);
}

TEST(OutputWriterTest, CreateRefusesEmptySchemaZeroLimitAndUnknownLevel) {
  MemoryObjects memory;
  auto no_columns = OutputWriter::Create(Plain(), {}, memory.Opener());
  ASSERT_FALSE(no_columns);
  EXPECT_EQ(no_columns.error().subject, "schema");
  OutputOptions zero = Plain();
  zero.max_object_size = 0;
  auto zero_limit = OutputWriter::Create(zero, kSchema, memory.Opener());
  ASSERT_FALSE(zero_limit);
  EXPECT_EQ(zero_limit.error().subject, "output.max_object_size");
  OutputOptions level = Plain();
  level.compression = Compression::kGzip;
  level.compression_level = 12;
  auto bad_level = OutputWriter::Create(level, kSchema, memory.Opener());
  ASSERT_FALSE(bad_level);
  EXPECT_EQ(bad_level.error().subject, "output.compression_level");
  EXPECT_TRUE(memory.objects.empty());
}

TEST(OutputJsonTest, KeysInSchemaOrderNumbersVerbatimNullsAsNull) {
  const table::Schema schema = {{"l", ColumnType::kLong},    {"d", ColumnType::kDouble},
                                {"m", ColumnType::kDecimal}, {"s", ColumnType::kString},
                                {"day", ColumnType::kDate},  {"at", ColumnType::kDateTime}};
  const std::string out = WriteAll(
      Plain(OutputFormat::kJsonLines), schema,
      {{"-12", "1.5e10", "12345678901234567890.123456789", "x", "2026-01-05",
        "2026-01-05T23:59:59"},
       {std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt}});
  EXPECT_EQ(out,
            "{\"l\":-12,\"d\":1.5e10,\"m\":12345678901234567890.123456789,\"s\":\"x\","
            "\"day\":\"2026-01-05\",\"at\":\"2026-01-05T23:59:59\"}\n"
            "{\"l\":null,\"d\":null,\"m\":null,\"s\":null,\"day\":null,\"at\":null}\n");
}

TEST(OutputJsonTest, EveryControlCharacterIsEscaped) {
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls += static_cast<char>(c);
  const std::string out =
      WriteAll(Plain(OutputFormat::kJsonLines), {{"s", ColumnType::kString}}, {{controls}});
  EXPECT_EQ(out,
            "{\"s\":\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b"
            "\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018"
            "\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"}\n");
  EXPECT_EQ(nlohmann::json::parse(out)["s"].get<std::string>(), controls);
}

TEST(OutputJsonTest, QuotesBackslashesAndUtf8PassThroughReadably) {
  const std::string text = "say \"hi\" \\ C:\\dir caf\xC3\xA9 \xE4\xB8\xAD \xF0\x9F\x98\x80 \x7F";
  const std::string out = WriteAll(Plain(OutputFormat::kJsonLines),
                                   {{"a \"quoted\" name", ColumnType::kString}}, {{text}});
  EXPECT_EQ(out,
            "{\"a \\\"quoted\\\" name\":\"say \\\"hi\\\" \\\\ C:\\\\dir caf\xC3\xA9 "
            "\xE4\xB8\xAD \xF0\x9F\x98\x80 \x7F\"}\n");
  EXPECT_EQ(nlohmann::json::parse(out)["a \"quoted\" name"].get<std::string>(), text);
}

TEST(OutputJsonTest, InvalidUtf8BytesBecomeReplacementCharacters) {
  // A stray continuation, a truncated 3-byte sequence, an overlong '/', a UTF-16 surrogate.
  const std::string out = WriteAll(Plain(OutputFormat::kJsonLines), {{"s", ColumnType::kString}},
                                   {{"a\x80"
                                     "b\xE2\x82"
                                     "c\xC0\xAF"
                                     "d\xED\xA0\x80"}});
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(out, "{\"s\":\"a" + r + "b" + r + r + "c" + r + r + "d" + r + r + r + "\"}\n");
  EXPECT_TRUE(nlohmann::json::accept(out));
}

// Issue 13: the extremes of every numeric type are written as their text in both formats.
TEST(OutputJsonTest, ExtremeNumbersAreTheirTextInJsonLinesAndCsv) {
  const std::vector<std::string> numbers = {"9007199254740993",
                                            "-9223372036854775808",
                                            "123456789012345678901234567890.000000001",
                                            "-99999999999999.9999",
                                            "1e300",
                                            "-0.0",
                                            "5e-324",
                                            "1.7976931348623157e308",
                                            "1E+300"};
  table::Schema schema;
  std::vector<FieldValue> row;
  std::string json_line = "{", csv_header, csv_row;
  for (size_t i = 0; i < numbers.size(); ++i) {
    const std::string name = "n" + std::to_string(i);
    schema.push_back(
        {name, i < 2 ? ColumnType::kLong : (i < 4 ? ColumnType::kDecimal : ColumnType::kDouble)});
    row.push_back(numbers[i]);
    json_line += (i ? ",\"" : "\"") + name + "\":" + numbers[i];
    csv_header += (i ? "," : "") + name;
    csv_row += (i ? "," : "") + numbers[i];
  }
  EXPECT_EQ(WriteAll(Plain(OutputFormat::kJsonLines), schema, {row}), json_line + "}\n");
  EXPECT_EQ(WriteAll(Plain(OutputFormat::kCsv), schema, {row}), csv_header + "\n" + csv_row + "\n");
}

TEST(OutputJsonTest, NumbersJsonCannotSpellAreWrittenAsStrings) {
  const table::Schema schema = {{"a", ColumnType::kLong},    {"b", ColumnType::kDouble},
                                {"c", ColumnType::kDecimal}, {"d", ColumnType::kDouble},
                                {"e", ColumnType::kLong},    {"f", ColumnType::kDouble}};
  const std::string out =
      WriteAll(Plain(OutputFormat::kJsonLines), schema, {{"+5", "1.", "007", ".5", "-0", "1E+5"}});
  EXPECT_EQ(out, "{\"a\":\"+5\",\"b\":\"1.\",\"c\":\"007\",\"d\":\".5\",\"e\":-0,\"f\":1E+5}\n");
}

TEST(OutputWriterTest, SinkSeesBlocksNotRows) {
  OutputOptions options = Plain();
  options.block_size = 4096;
  MemoryObjects memory;
  auto writer = MakeWriter(options, kSchema, memory);
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(writer->WriteRow(std::vector<FieldValue>{std::to_string(i), "some text"}));
  }
  ASSERT_TRUE(writer->Close());
  const auto& object = memory.objects.at(0);
  EXPECT_LE(object.writes, static_cast<int>(object.data.size() / 4096) + 1);
  EXPECT_EQ(writer->totals().raw_bytes, object.data.size());
}

TEST(OutputWriterTest, TotalsIncludeTheObjectBeingWritten) {
  OutputOptions options = Plain();
  options.block_size = 64;
  MemoryObjects memory;
  auto writer = MakeWriter(options, kSchema, memory);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(writer->WriteRow(std::vector<FieldValue>{std::to_string(i), "0123456789"}));
  }
  const OutputTotals open = writer->totals();
  EXPECT_EQ(open.objects, 1);
  EXPECT_EQ(open.rows, 10u);
  EXPECT_EQ(open.stored_bytes, memory.objects.at(0).data.size());
  EXPECT_GT(open.stored_bytes, 0u);
  EXPECT_TRUE(writer->objects().empty());  // nothing sealed yet
  ASSERT_TRUE(writer->Close());
  EXPECT_EQ(writer->totals().stored_bytes, memory.objects.at(0).data.size());
  EXPECT_EQ(writer->objects().size(), 1u);
}

TEST(OutputWriterTest, OptionsFromSpecCarryEveryOutputField) {
  JobSpec spec;
  spec.format = OutputFormat::kJsonLines;
  spec.delimiter = ';';
  spec.quote_all = true;
  spec.header = false;
  spec.null_text = "NULL";
  spec.compression = Compression::kZstd;
  spec.compression_level = 7;
  spec.max_object_size = 6 << 20;
  const OutputOptions options = OutputOptionsFrom(spec);
  EXPECT_EQ(options.format, OutputFormat::kJsonLines);
  EXPECT_EQ(options.csv.delimiter, ';');
  EXPECT_EQ(options.csv.quoting, table::Quoting::kAll);
  EXPECT_EQ(options.csv.null_text, "NULL");
  EXPECT_FALSE(options.header);
  EXPECT_EQ(options.compression, Compression::kZstd);
  EXPECT_EQ(options.compression_level, 7);
  EXPECT_EQ(options.max_object_size, std::optional<uint64_t>(6 << 20));
}

TEST(OutputWriterTest, ContentTypeNamesTheStoredBytes) {
  OutputOptions options = Plain();
  EXPECT_EQ(ContentTypeFor(options), "text/csv; charset=utf-8");
  options.format = OutputFormat::kJsonLines;
  EXPECT_EQ(ContentTypeFor(options), "application/x-ndjson");
  options.compression = Compression::kGzip;
  EXPECT_EQ(ContentTypeFor(options), "application/gzip");
  options.compression = Compression::kZstd;
  EXPECT_EQ(ContentTypeFor(options), "application/zstd");
}

// ---- splitting ----------------------------------------------------------------------------

// Rows of a day: an id, a text of varying length (sometimes random bytes, which neither
// codec can shrink), and a null now and then.
std::vector<std::vector<std::string>> Rows(int count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < count; ++i) {
    std::string text;
    const size_t length = rng() % 120;
    const bool random = rng() % 4 == 0;
    for (size_t k = 0; k < length; ++k) {
      text += random ? static_cast<char>(rng()) : static_cast<char>('a' + rng() % 26);
    }
    rows.push_back({std::to_string(1000000 + i), text});
  }
  return rows;
}

std::vector<FieldValue> Values(const std::vector<std::string>& row, int i) {
  return {FieldValue(row[0]), i % 17 == 0 ? FieldValue() : FieldValue(row[1])};
}

class OutputSplitTest : public ::testing::TestWithParam<std::tuple<Compression, int>> {};

TEST_P(OutputSplitTest, ObjectsStayUnderTheLimitAndEachStandsAlone) {
  const auto [compression, level] = GetParam();
  constexpr uint64_t kMax = 64 * 1024;
  OutputOptions options = Plain();
  options.compression = compression;
  options.compression_level = level;
  options.max_object_size = kMax;
  options.block_size = 16 * 1024;
  const auto rows = Rows(compression == Compression::kNone ? 3000 : 12000, 11);

  MemoryObjects memory;
  auto writer = MakeWriter(options, kSchema, memory);
  std::string expected_body;  // every row, encoded independently of the writer
  size_t longest_row = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto values = Values(rows[i], static_cast<int>(i));
    ASSERT_TRUE(writer->WriteRow(values));
    const size_t before = expected_body.size();
    table::AppendCsvRecord({}, values, expected_body);
    longest_row = std::max(longest_row, expected_body.size() - before);
  }
  ASSERT_TRUE(writer->Close());

  const auto& stats = writer->objects();
  ASSERT_EQ(stats.size(), memory.objects.size());
  ASSERT_GE(stats.size(), 3u);
  std::string body;
  uint64_t rows_seen = 0;
  auto codec = MakeCompressor(compression, level);
  ASSERT_TRUE(codec);
  // An object is cut when a row might not fit (the codec's bound) or less than the minimum
  // room (max/16 here) is left, so each but the last ends close to the limit.
  const uint64_t slack = std::max<uint64_t>(kMax / 16, (*codec)->FinishBound(longest_row));
  for (size_t i = 0; i < stats.size(); ++i) {
    const auto& object = memory.objects[i];
    SCOPED_TRACE("object " + std::to_string(i + 1));
    EXPECT_TRUE(object.sealed);
    EXPECT_EQ(stats[i].index, static_cast<int>(i + 1));
    EXPECT_EQ(stats[i].stored_bytes, object.data.size());
    EXPECT_LE(object.data.size(), kMax);
    if (i + 1 < stats.size()) {
      EXPECT_GE(object.data.size(), kMax - slack);
    }
    const Decompressed plain = DecompressWithCli(compression, object.data);
    ASSERT_EQ(plain.status, 0);
    EXPECT_EQ(stats[i].raw_bytes, plain.out.size());
    ASSERT_EQ(plain.out.rfind("id,name\n", 0), 0u) << "each object starts with the header";
    body += plain.out.substr(8);
    rows_seen += stats[i].rows;
  }
  EXPECT_EQ(rows_seen, rows.size());
  EXPECT_EQ(writer->totals().rows, rows.size());
  EXPECT_EQ(body, expected_body) << "rows in order, none split across objects";
}

INSTANTIATE_TEST_SUITE_P(Codecs, OutputSplitTest,
                         ::testing::Values(std::tuple{Compression::kNone, 0},
                                           std::tuple{Compression::kGzip, 0},
                                           std::tuple{Compression::kGzip, 1},
                                           std::tuple{Compression::kZstd, 0}),
                         [](const auto& info) {
                           const Compression c = std::get<0>(info.param);
                           return std::string(c == Compression::kNone   ? "None"
                                              : c == Compression::kGzip ? "Gzip"
                                                                        : "Zstd") +
                                  "Level" + std::to_string(std::get<1>(info.param));
                         });

TEST(OutputSplitEdgeTest, RowLargerThanTheLimitGetsAnObjectOfItsOwn) {
  OutputOptions options = Plain();
  options.max_object_size = 1024;
  MemoryObjects memory;
  auto writer = MakeWriter(options, kSchema, memory);
  const std::string huge(5000, 'h');
  ASSERT_TRUE(writer->WriteRow(std::vector<FieldValue>{"1", "small"}));
  ASSERT_TRUE(writer->WriteRow(std::vector<FieldValue>{"2", huge}));
  ASSERT_TRUE(writer->WriteRow(std::vector<FieldValue>{"3", "small"}));
  ASSERT_TRUE(writer->Close());
  ASSERT_EQ(memory.objects.size(), 3u);
  EXPECT_EQ(memory.objects[0].data, "id,name\n1,small\n");
  EXPECT_EQ(memory.objects[1].data, "id,name\n2," + huge + "\n");
  EXPECT_EQ(memory.objects[2].data, "id,name\n3,small\n");
  EXPECT_EQ(writer->objects()[1].rows, 1u);
}

TEST(OutputSplitEdgeTest, NoLimitMeansOneObjectHoweverLarge) {
  OutputOptions options = Plain();
  options.compression = Compression::kGzip;
  MemoryObjects memory;
  auto writer = MakeWriter(options, kSchema, memory);
  const auto rows = Rows(20000, 12);
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_TRUE(writer->WriteRow(Values(rows[i], static_cast<int>(i))));
  }
  ASSERT_TRUE(writer->Close());
  ASSERT_EQ(memory.objects.size(), 1u);
  EXPECT_EQ(writer->totals().rows, 20000u);
  EXPECT_GT(writer->totals().raw_bytes, 1000000u);
}

TEST(OutputSplitEdgeTest, ZeroRowsGiveOneHeaderOnlyObject) {
  OutputOptions options = Plain();
  options.compression = Compression::kGzip;
  options.max_object_size = 1 << 20;
  MemoryObjects memory;
  auto writer = MakeWriter(options, kSchema, memory);
  ASSERT_TRUE(writer->Close());
  ASSERT_EQ(memory.objects.size(), 1u);
  EXPECT_TRUE(memory.objects[0].sealed);
  const Decompressed plain = DecompressWithCli(Compression::kGzip, memory.objects[0].data);
  EXPECT_EQ(plain.status, 0);
  EXPECT_EQ(plain.out, "id,name\n");
  const OutputTotals totals = writer->totals();
  EXPECT_EQ(totals.objects, 1);
  EXPECT_EQ(totals.rows, 0u);
  EXPECT_EQ(totals.raw_bytes, 8u);
}

TEST(OutputSplitEdgeTest, ZeroRowsWithoutHeaderGiveOneEmptyStream) {
  for (Compression compression : {Compression::kNone, Compression::kZstd}) {
    OutputOptions options = Plain(OutputFormat::kJsonLines);
    options.compression = compression;
    MemoryObjects memory;
    auto writer = MakeWriter(options, kSchema, memory);
    ASSERT_TRUE(writer->Close());
    ASSERT_EQ(memory.objects.size(), 1u);
    EXPECT_EQ(memory.objects[0].data.empty(), compression == Compression::kNone);
    const Decompressed plain = DecompressWithCli(compression, memory.objects[0].data);
    EXPECT_EQ(plain.status, 0);
    EXPECT_EQ(plain.out, "");
  }
}

TEST(OutputFailureTest, SinkWriteFailureStopsTheWriter) {
  OutputOptions options = Plain();
  options.block_size = 1024;
  MemoryObjects memory;
  memory.fail_write_after = 3000;
  auto writer = MakeWriter(options, kSchema, memory);
  Result<void> result;
  int written = 0;
  for (; written < 1000 && result; ++written) {
    result = writer->WriteRow(std::vector<FieldValue>{std::to_string(written), "0123456789"});
  }
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(written, 1000);
  EXPECT_EQ(writer->WriteRow(std::vector<FieldValue>{"x", "y"}).error().message, "disk on fire");
  EXPECT_FALSE(writer->Close());
  EXPECT_FALSE(memory.objects[0].sealed);
}

TEST(OutputFailureTest, OpenFailureOfTheNextObjectIsReturned) {
  OutputOptions options = Plain();
  options.max_object_size = 100;
  MemoryObjects memory;
  memory.fail_open_at = 2;
  auto writer = MakeWriter(options, kSchema, memory);
  ASSERT_TRUE(writer->WriteRow(std::vector<FieldValue>{"1", std::string(80, 'a')}));
  auto second = writer->WriteRow(std::vector<FieldValue>{"2", std::string(80, 'b')});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(memory.objects[0].sealed);  // the first object was complete
  EXPECT_EQ(writer->objects().size(), 1u);
}

TEST(OutputFailureTest, OpenFailureOfTheFirstObjectIsReturnedByClose) {
  MemoryObjects memory;
  memory.fail_open_at = 1;
  auto writer = MakeWriter(Plain(), kSchema, memory);
  auto closed = writer->Close();
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(writer->objects().empty());
}

}  // namespace
}  // namespace s3u::unload
