#include "table/csv.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace s3u::table {
namespace {

// A field as the handler saw it, copied out of the callback.
struct Cell {
  std::string text;
  bool quoted = false;
  bool null = false;
  bool operator==(const Cell&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const Cell& c) {
    return os << (c.null ? "null" : "") << (c.quoted ? "\"" : "'") << c.text
              << (c.quoted ? "\"" : "'");
  }
};
Cell Text(std::string text) { return {std::move(text), false, false}; }
Cell Quoted(std::string text) { return {std::move(text), true, false}; }
Cell Null() { return {"", false, true}; }
Cell NullN() { return {"\\N", false, true}; }

using Row = std::vector<Cell>;

struct Parsed {
  std::vector<Row> rows;
  std::vector<uint64_t> record_numbers;
  std::vector<uint64_t> lines;
  std::optional<Error> error;
};

// Feeds `chunks` in order, then Finish, stopping at the first error.
Parsed ParseChunks(const std::vector<std::string_view>& chunks, CsvDialect dialect = {}) {
  Parsed out;
  CsvReader reader(dialect, [&](std::span<const Field> fields, const RecordInfo& info) {
    Row row;
    for (const Field& f : fields) row.push_back({std::string(f.text), f.quoted, f.null});
    out.rows.push_back(std::move(row));
    out.record_numbers.push_back(info.record);
    out.lines.push_back(info.line);
    return Result<void>{};
  });
  for (std::string_view chunk : chunks) {
    if (auto r = reader.Feed(chunk); !r) {
      out.error = r.error();
      return out;
    }
  }
  if (auto r = reader.Finish(); !r) out.error = r.error();
  return out;
}

Parsed Parse(std::string_view input, CsvDialect dialect = {}) {
  return ParseChunks({input}, dialect);
}

// Same outcome, compared field by field (rows, record numbers, lines, error).
void ExpectSameOutcome(const Parsed& actual, const Parsed& expected, const std::string& where) {
  EXPECT_EQ(actual.rows, expected.rows) << where;
  EXPECT_EQ(actual.record_numbers, expected.record_numbers) << where;
  EXPECT_EQ(actual.lines, expected.lines) << where;
  ASSERT_EQ(actual.error.has_value(), expected.error.has_value()) << where;
  if (expected.error) {
    EXPECT_EQ(actual.error->subject, expected.error->subject) << where;
    EXPECT_EQ(actual.error->message, expected.error->message) << where;
  }
}

void ExpectSyntaxError(const Parsed& parsed, std::string_view subject, std::string_view phrase) {
  ASSERT_TRUE(parsed.error.has_value()) << "expected an error about " << phrase;
  EXPECT_EQ(parsed.error->code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(parsed.error->subject, subject);
  EXPECT_NE(parsed.error->message.find(phrase), std::string::npos) << parsed.error->message;
}

// --- Grammar -----------------------------------------------------------------------------------

TEST(CsvReaderTest, ReadsUnquotedFieldsOnLfRows) {
  const Parsed p = Parse("a,b,c\nd,e,f\n");
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.rows, (std::vector<Row>{{Text("a"), Text("b"), Text("c")},
                                      {Text("d"), Text("e"), Text("f")}}));
}

TEST(CsvReaderTest, ReadsCrlfRowsAndMixedLineEnds) {
  const Parsed p = Parse("a,b\r\nc,d\ne,f\r\n");
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.rows, (std::vector<Row>{
                        {Text("a"), Text("b")}, {Text("c"), Text("d")}, {Text("e"), Text("f")}}));
}

TEST(CsvReaderTest, ReadsDomoDocumentedSample) {
  const Parsed p = Parse(
      "name,role,quote,side\nLeia Organa,Rebel Leader,\"Help me, Obi-Wan Kenobi. You're my only "
      "hope.\",light\nQui-Gon Jinn,,,\n");
  ASSERT_FALSE(p.error);
  ASSERT_EQ(p.rows.size(), 3u);
  EXPECT_EQ(p.rows[1][2], Quoted("Help me, Obi-Wan Kenobi. You're my only hope."));
  EXPECT_EQ(p.rows[2], (Row{Text("Qui-Gon Jinn"), Null(), Null(), Null()}));
}

TEST(CsvReaderTest, QuotedFieldsKeepDelimiterCrLfAndDoubledQuotes) {
  const Parsed p = Parse("\"a,b\",\"say \"\"hi\"\"\",\"x\r\ny\",\"\"\"\",\"cr\rhere\"\n");
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.rows, (std::vector<Row>{{Quoted("a,b"), Quoted("say \"hi\""), Quoted("x\r\ny"),
                                       Quoted("\""), Quoted("cr\rhere")}}));
}

TEST(CsvReaderTest, UnquotedEmptyIsNullAndQuotedEmptyIsEmptyString) {
  const Parsed p = Parse(",,\n\"\",\"\",\"\"\n");
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.rows,
            (std::vector<Row>{{Null(), Null(), Null()}, {Quoted(""), Quoted(""), Quoted("")}}));
}

TEST(CsvReaderTest, UnquotedBackslashNIsNullWhenDialectSaysSo) {
  const Parsed p = Parse("\\N,\"\\N\",\\Nx,x\\N\n");
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.rows[0], (Row{NullN(), Quoted("\\N"), Text("\\Nx"), Text("x\\N")}));
}

TEST(CsvReaderTest, UnquotedBackslashNIsTextWhenDialectDisablesIt) {
  const Parsed p = Parse("\\N,\n", {.delimiter = ',', .backslash_n_is_null = false});
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.rows[0], (Row{Text("\\N"), Null()}));
}

TEST(CsvReaderTest, FinalRecordWithoutNewlineIsDeliveredAtFinish) {
  EXPECT_EQ(Parse("a,b\nc,d").rows.back(), (Row{Text("c"), Text("d")}));
  EXPECT_EQ(Parse("a,").rows.back(), (Row{Text("a"), Null()}));
  EXPECT_EQ(Parse("\"q\"").rows.back(), (Row{Quoted("q")}));
  EXPECT_EQ(Parse("a,\"\"").rows.back(), (Row{Text("a"), Quoted("")}));
}

TEST(CsvReaderTest, RecordIsNotDeliveredBeforeItsLineEnds) {
  int calls = 0;
  CsvReader reader({}, [&](std::span<const Field>, const RecordInfo&) {
    ++calls;
    return Result<void>{};
  });
  ASSERT_TRUE(reader.Feed("a,b"));
  EXPECT_EQ(calls, 0);
  ASSERT_TRUE(reader.Feed("\r"));
  EXPECT_EQ(calls, 0);
  ASSERT_TRUE(reader.Feed("\n"));
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(reader.Finish());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(reader.records(), 1u);
  EXPECT_EQ(reader.bytes(), 5u);
}

TEST(CsvReaderTest, EmptyStreamDeliversNothing) {
  const Parsed p = Parse("");
  EXPECT_FALSE(p.error);
  EXPECT_TRUE(p.rows.empty());
}

TEST(CsvReaderTest, ReportsRecordNumbersAndStartLinesAcrossMultilineFields) {
  const Parsed p = Parse("h1,h2\n\"multi\nline\",x\r\nlast,\"a\nb\nc\"\nz,z\n");
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.record_numbers, (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(p.lines, (std::vector<uint64_t>{1, 2, 4, 7}));
}

TEST(CsvReaderTest, HonoursOtherDelimiters) {
  const Parsed tab = Parse("a,b\tc\n", {.delimiter = '\t'});
  EXPECT_EQ(tab.rows[0], (Row{Text("a,b"), Text("c")}));
  const Parsed semi = Parse("\"x;y\";;z\n", {.delimiter = ';'});
  EXPECT_EQ(semi.rows[0], (Row{Quoted("x;y"), Null(), Text("z")}));
}

TEST(CsvReaderTest, AcceptsRowsOfDifferentWidths) {
  // Field counts are the schema's business (the emulator checks them), not the tokenizer's.
  const Parsed p = Parse("a\nb,c,d\n");
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.rows[0].size(), 1u);
  EXPECT_EQ(p.rows[1].size(), 3u);
}

// --- Errors ------------------------------------------------------------------------------------

TEST(CsvReaderTest, RejectsQuoteInsideUnquotedField) {
  ExpectSyntaxError(Parse("a\"b\n"), "CSV line 1, field 1", "quote inside an unquoted field");
  ExpectSyntaxError(Parse("x,y\nok,a\",c\n"), "CSV line 2, field 2",
                    "quote inside an unquoted field");
}

TEST(CsvReaderTest, RejectsTextAfterClosingQuote) {
  ExpectSyntaxError(Parse("\"a\"x\n"), "CSV line 1, field 1", "text after the closing quote");
  ExpectSyntaxError(Parse("\"a\"a\",b,c\n"), "CSV line 1, field 1", "text after the closing quote");
  // The line is the one holding the stray byte, not the one the field started on.
  ExpectSyntaxError(Parse("1,\"two\nlines\" \n"), "CSV line 2, field 2",
                    "text after the closing quote");
}

TEST(CsvReaderTest, RejectsBlankLines) {
  ExpectSyntaxError(Parse("a,b,c\n\na,b,c\n"), "CSV line 2, field 1", "blank line");
  ExpectSyntaxError(Parse("a\r\n\r\nb\r\n"), "CSV line 2, field 1", "blank line");
  ExpectSyntaxError(Parse("\n"), "CSV line 1, field 1", "blank line");
  ExpectSyntaxError(Parse("a\n\n"), "CSV line 2, field 1", "blank line");
}

TEST(CsvReaderTest, BlankLineErrorComesAfterPrecedingRecords) {
  const Parsed p = Parse("a\nb\n\nc\n");
  EXPECT_EQ(p.rows.size(), 2u);
  ASSERT_TRUE(p.error);
}

TEST(CsvReaderTest, RejectsCarriageReturnNotFollowedByLineFeed) {
  ExpectSyntaxError(Parse("a\rb\n"), "CSV line 1, field 1", "carriage return");
  ExpectSyntaxError(Parse("a,b\rc,d\n"), "CSV line 1, field 2", "carriage return");
  ExpectSyntaxError(Parse("a,\"q\"\r,\n"), "CSV line 1, field 2", "carriage return");
  ExpectSyntaxError(Parse("x\n\r\r\n"), "CSV line 2, field 1", "carriage return");
}

TEST(CsvReaderTest, RejectsCarriageReturnAtEndOfData) {
  const Parsed p = Parse("a,b\r");
  ExpectSyntaxError(p, "CSV line 1, field 2", "carriage return");
  EXPECT_TRUE(p.rows.empty());
}

TEST(CsvReaderTest, RejectsUnterminatedQuoteAtFinishNamingStartLine) {
  const Parsed p = Parse("a,b\nc,\"open\nstill\nopen");
  ExpectSyntaxError(p, "CSV line 2, field 2", "unterminated quoted field starting on line 2");
  EXPECT_EQ(p.rows.size(), 1u);
}

TEST(CsvReaderTest, HandlerErrorStopsParsingAndIsReturnedAsIs) {
  int calls = 0;
  CsvReader reader({}, [&](std::span<const Field>, const RecordInfo& info) -> Result<void> {
    ++calls;
    if (info.record == 2) return Fail(ErrorCode::kDataLoss, "row 2", "bad row");
    return {};
  });
  const auto r = reader.Feed("a\nb\nc\nd\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(r.error().subject, "row 2");
  EXPECT_EQ(r.error().message, "bad row");
  EXPECT_EQ(calls, 2);
  // Stopped: later calls repeat the error and deliver nothing.
  const auto again = reader.Feed("e\n");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().subject, "row 2");
  ASSERT_FALSE(reader.Finish());
  EXPECT_EQ(calls, 2);
}

TEST(CsvReaderTest, HandlerErrorOnFinalRecordIsReturnedFromFinish) {
  CsvReader reader({}, [&](std::span<const Field>, const RecordInfo&) -> Result<void> {
    return Fail(ErrorCode::kCancelled, "job", "cancelled");
  });
  ASSERT_TRUE(reader.Feed("last"));
  const auto r = reader.Finish();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
}

TEST(CsvReaderTest, SyntaxErrorIsSticky) {
  int calls = 0;
  CsvReader reader({}, [&](std::span<const Field>, const RecordInfo&) {
    ++calls;
    return Result<void>{};
  });
  ASSERT_FALSE(reader.Feed("a\"b"));
  const auto again = reader.Feed("\nvalid\n");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().subject, "CSV line 1, field 1");
  EXPECT_FALSE(reader.Finish());
  EXPECT_EQ(calls, 0);
}

// --- Chunk boundaries --------------------------------------------------------------------------

// Inputs exercising every state at every split point, valid and not.
const std::vector<std::string> kSplitInputs = {
    "a,b,c\nd,e,f\n",
    "ab,\"c,\"\"d\"\"\r\ne\",\r\n\\N,\"\\N\",,\"\"\r\n",
    "\"\"\"\"\"\",x\r\n\"\",\n,\nlast,\"q\"",
    "one\n\"two\nlines\",\"\r\"\n\"x\"\"\"\r\n",
    "a,b\n\nc\n",          // blank line
    "a,\"b\"x\n",          // text after closing quote
    "ok\nbad\"quote\n",    // quote inside unquoted
    "a\r\r\nb\n",          // lone CR
    "a,\"unterminated\n",  // open quote at Finish
    "a,b\r",               // CR at end
};

TEST(CsvReaderChunkTest, EverySplitIntoTwoChunksGivesTheSameOutcome) {
  for (const std::string& input : kSplitInputs) {
    const Parsed whole = Parse(input);
    for (size_t i = 0; i <= input.size(); ++i) {
      const std::string_view s(input);
      ExpectSameOutcome(ParseChunks({s.substr(0, i), s.substr(i)}), whole,
                        "split at " + std::to_string(i) + " of " + input);
    }
  }
}

TEST(CsvReaderChunkTest, EverySplitIntoThreeChunksGivesTheSameOutcome) {
  for (const std::string& input : kSplitInputs) {
    const Parsed whole = Parse(input);
    const std::string_view s(input);
    for (size_t i = 0; i <= s.size(); ++i) {
      for (size_t j = i; j <= s.size(); ++j) {
        ExpectSameOutcome(
            ParseChunks({s.substr(0, i), s.substr(i, j - i), s.substr(j)}), whole,
            "split at " + std::to_string(i) + "," + std::to_string(j) + " of " + input);
      }
    }
  }
}

TEST(CsvReaderChunkTest, OneByteChunksGiveTheSameOutcome) {
  for (const std::string& input : kSplitInputs) {
    std::vector<std::string_view> bytes;
    for (size_t i = 0; i < input.size(); ++i) bytes.push_back(std::string_view(input).substr(i, 1));
    ExpectSameOutcome(ParseChunks(bytes), Parse(input), "1-byte chunks of " + input);
  }
}

TEST(CsvReaderChunkTest, EmptyChunksChangeNothing) {
  const Parsed p = ParseChunks({"", "a,", "", "b\r", "", "\n", ""});
  ASSERT_FALSE(p.error);
  EXPECT_EQ(p.rows, (std::vector<Row>{{Text("a"), Text("b")}}));
}

// --- Writer ------------------------------------------------------------------------------------

std::string Write(const CsvWriteOptions& options, std::vector<FieldValue> fields) {
  std::string out;
  AppendCsvRecord(options, fields, out);
  return out;
}

TEST(AppendCsvRecordTest, MinimalQuotingQuotesOnlyWhatMustBeQuoted) {
  const CsvWriteOptions o;
  EXPECT_EQ(Write(o, {"plain", "with space", "x\\Ny"}), "plain,with space,x\\Ny\n");
  EXPECT_EQ(Write(o, {"a,b", "say \"hi\"", "cr\r", "lf\n", "\""}),
            "\"a,b\",\"say \"\"hi\"\"\",\"cr\r\",\"lf\n\",\"\"\"\"\n");
  // Values of quotes only, the longest encoding: each makes room for its doubled quotes.
  const std::string quotes(40, '"');
  EXPECT_EQ(Write(o, {"x", quotes, quotes}),
            "x,\"" + std::string(80, '"') + "\",\"" + std::string(80, '"') + "\"\n");
}

// The scan for bytes that need quoting reads 16 (the writer), 8, then 4 bytes at a time with
// loads that overlap at the end (csv.cc's FindSpecial and CopyIfPlain): every length across
// those steps,
// with one special byte at every position, and with none; the reader finds the same (its runs
// use the scan).
TEST(AppendCsvRecordTest, FindsASpecialByteAtEveryPositionOfEveryLength) {
  const CsvWriteOptions o{.delimiter = ';'};
  for (size_t length = 1; length <= 40; ++length) {
    const std::string plain(length, 'x');
    EXPECT_EQ(Write(o, {plain}), plain + "\n") << length;
    EXPECT_EQ(Parse(plain + "\n", CsvDialect{.delimiter = ';'}).rows,
              (std::vector<Row>{{Text(plain)}}))
        << length;
    for (size_t at = 0; at < length; ++at) {
      for (const char special : {';', '"', '\r', '\n'}) {
        std::string text = plain;
        text[at] = special;
        std::string expected = "\"" + text + "\"";
        if (special == '"') expected.insert(at + 1, "\"");
        EXPECT_EQ(Write(o, {text}), expected + "\n") << length << " " << at << " " << int(special);
      }
      std::string split = plain;
      split[at] = ';';
      EXPECT_EQ(Parse(split + "\n", CsvDialect{.delimiter = ';'}).rows,
                (std::vector<Row>{{at == 0 ? Null() : Text(split.substr(0, at)),
                                   at + 1 == length ? Null() : Text(split.substr(at + 1))}}))
          << length << " " << at;
    }
  }
}

TEST(AppendCsvRecordTest, MinimalQuotingQuotesTheDelimiterInUse) {
  const CsvWriteOptions o{.delimiter = '\t'};
  EXPECT_EQ(Write(o, {"a,b", "c\td"}), "a,b\t\"c\td\"\n");
}

TEST(AppendCsvRecordTest, NullIsEmptyAndEmptyStringIsQuotedByDefault) {
  EXPECT_EQ(Write({}, {std::nullopt, "", std::nullopt}), ",\"\",\n");
}

TEST(AppendCsvRecordTest, BackslashNNullTextWritesNullsAsBackslashNAndQuotesTheLiteral) {
  const CsvWriteOptions o{.null_text = "\\N"};
  EXPECT_EQ(Write(o, {std::nullopt, "\\N", "", "a"}), "\\N,\"\\N\",\"\",a\n");
}

TEST(AppendCsvRecordTest, LiteralBackslashNIsQuotedEvenWithEmptyNullText) {
  // So a reader with backslash_n_is_null (the default) does not take the string for a null.
  EXPECT_EQ(Write({}, {"\\N"}), "\"\\N\"\n");
}

TEST(AppendCsvRecordTest, AllQuotingQuotesEveryNonNullField) {
  const CsvWriteOptions o{.quoting = Quoting::kAll};
  EXPECT_EQ(Write(o, {"3", std::nullopt, "", "a\"b"}), "\"3\",,\"\",\"a\"\"b\"\n");
}

TEST(AppendCsvRecordTest, UsesTheConfiguredLineEndAndAppends) {
  const CsvWriteOptions o{.line_end = "\r\n"};
  std::string out = "head\r\n";
  const std::vector<FieldValue> fields = {"a", std::nullopt};
  AppendCsvRecord(o, fields, out);
  EXPECT_EQ(out, "head\r\na,\r\n");
}

// --- Packed rows (the query page's layout) ------------------------------------------------------

// `values` packed as domo::QueryRows packs them: each text followed by one gap byte, a null
// the gap alone, after `lead` bytes of other rows' text.
struct Packed {
  std::string text;
  std::vector<PackedValue> values;
  PackedRow row() const { return {text.data(), values}; }
};
Packed Pack(const std::vector<FieldValue>& values, char gap = '\0', size_t lead = 3) {
  Packed p{std::string(lead, 'z'), {}};
  for (const FieldValue& v : values) {
    p.values.push_back(
        {static_cast<uint32_t>(p.text.size()), v ? static_cast<uint32_t>(v->size()) : kPackedNull});
    if (v) p.text += *v;
    p.text += gap;
  }
  return p;
}
std::string WritePacked(const CsvWriteOptions& options, const Packed& packed) {
  std::string out = "head\n";
  AppendCsvRecord(options, packed.row(), out);
  return out.substr(5);
}

TEST(AppendCsvPackedRowTest, PlainRowIsTheSameRecordWithTheGapsTurnedToDelimiters) {
  const std::vector<FieldValue> row = {"1", "2026-05-01T00:00:01", std::nullopt, "alpha bravo",
                                       "12.50"};
  EXPECT_EQ(WritePacked({}, Pack(row)), "1,2026-05-01T00:00:01,,alpha bravo,12.50\n");
  EXPECT_EQ(WritePacked({.delimiter = '|', .line_end = "\r\n"}, Pack(row)),
            "1|2026-05-01T00:00:01||alpha bravo|12.50\r\n");
  // A gap byte that is the delimiter, or a special byte, changes nothing but the path.
  for (char gap : {',', '"', '\n', 'x'}) {
    EXPECT_EQ(WritePacked({}, Pack(row, gap)), Write({}, row)) << int(gap);
  }
}

TEST(AppendCsvPackedRowTest, RowsThatAreNotPlainAreWrittenValueByValue) {
  const CsvWriteOptions backslash_n{.null_text = "\\N"};
  for (const std::vector<FieldValue>& row : std::vector<std::vector<FieldValue>>{
           {"a", ""},     // an empty string is quoted
           {"a", "\\N"},  // so is a literal \N
           {"a,b", "c"},  // and the delimiter, a quote, CR and LF
           {"a", "say \"hi\""},
           {"cr\r", "lf\n"},
           {std::nullopt, "x"},  // a null with the null text "\N" below
       }) {
    EXPECT_EQ(WritePacked({}, Pack(row)), Write({}, row));
    EXPECT_EQ(WritePacked(backslash_n, Pack(row)), Write(backslash_n, row));
    EXPECT_EQ(WritePacked({.quoting = Quoting::kAll}, Pack(row)),
              Write({.quoting = Quoting::kAll}, row));
  }
  // Values that do not lie one gap apart are written one by one too.
  Packed apart = Pack({"a", "b"});
  apart.values[1].offset += 1;
  apart.text.insert(apart.text.begin() + apart.values[1].offset - 1, ';');
  EXPECT_EQ(WritePacked({}, apart), "a,b\n");
}

// --- Round trip --------------------------------------------------------------------------------

// Strings dense in the bytes the grammar cares about, plus arbitrary ones.
rc::Gen<std::string> CsvString() {
  return rc::gen::oneOf(rc::gen::container<std::string>(rc::gen::element(
                            'a', 'N', '\\', ',', ';', '\t', '|', '"', '\r', '\n', ' ')),
                        rc::gen::element(std::string(), std::string("\\N"), std::string("\"\"")),
                        rc::gen::arbitrary<std::string>());
}

rc::Gen<std::vector<std::optional<std::string>>> CsvRow() {
  return rc::gen::nonEmpty(
      rc::gen::container<std::vector<std::optional<std::string>>>(rc::gen::oneOf(
          rc::gen::just(std::optional<std::string>()), rc::gen::map(CsvString(), [](std::string s) {
            return std::optional<std::string>(std::move(s));
          }))));
}

RC_GTEST_PROP(CsvRoundTripProp, WrittenRowsReadBackUnchangedInEveryDialect, ()) {
  const auto rows = *rc::gen::nonEmpty(
      rc::gen::container<std::vector<std::vector<std::optional<std::string>>>>(CsvRow()));
  const auto chunk_sizes =
      *rc::gen::nonEmpty(rc::gen::container<std::vector<size_t>>(rc::gen::inRange<size_t>(1, 64)));

  for (char delimiter : {',', ';', '\t', '|'}) {
    for (Quoting quoting : {Quoting::kMinimal, Quoting::kAll}) {
      for (const char* null_text : {"", "\\N"}) {
        for (const char* line_end : {"\n", "\r\n"}) {
          for (bool backslash_n_is_null : {true, false}) {
            // A \N null needs a reader that knows it.
            if (std::string_view(null_text) == "\\N" && !backslash_n_is_null) continue;
            const CsvWriteOptions options{delimiter, quoting, null_text, line_end};
            std::string encoded;
            std::vector<std::vector<std::optional<std::string>>> written;
            for (const auto& row : rows) {
              // One null alone with an empty null_text would be a blank line (unrepresentable).
              if (row.size() == 1 && !row[0] && options.null_text.empty()) continue;
              std::vector<FieldValue> values(row.begin(), row.end());
              AppendCsvRecord(options, values, encoded);
              written.push_back(row);
            }

            std::vector<std::vector<std::optional<std::string>>> read;
            CsvReader reader({delimiter, backslash_n_is_null}, [&](std::span<const Field> fields,
                                                                   const RecordInfo&) {
              auto& row = read.emplace_back();
              for (const Field& f : fields) {
                row.push_back(f.null ? std::nullopt : std::optional<std::string>(f.text));
              }
              return Result<void>{};
            });
            size_t pos = 0;
            for (size_t k = 0; pos < encoded.size(); ++k) {
              const size_t n = chunk_sizes[k % chunk_sizes.size()];
              const auto fed = reader.Feed(std::string_view(encoded).substr(pos, n));
              RC_ASSERT(fed.has_value());
              pos += n;
            }
            RC_ASSERT(reader.Finish().has_value());
            RC_ASSERT(read == written);
          }
        }
      }
    }
  }
}

RC_GTEST_PROP(CsvPackedRowProp, APackedRowIsWrittenAsItsValuesAre, ()) {
  const auto row = *CsvRow();
  const auto gap = *rc::gen::element('\0', ',', ';', 'a', '"');
  const std::vector<FieldValue> values(row.begin(), row.end());
  const Packed packed = Pack(values, gap, *rc::gen::inRange<size_t>(0, 9));
  for (char delimiter : {',', ';', '\t', '\0'}) {
    for (Quoting quoting : {Quoting::kMinimal, Quoting::kAll}) {
      for (const char* null_text : {"", "\\N", "NULL"}) {
        const CsvWriteOptions options{delimiter, quoting, null_text, "\n"};
        if (values.size() == 1 && !values[0] && options.null_text.empty()) continue;
        RC_ASSERT(WritePacked(options, packed) == Write(options, values));
      }
    }
  }
}

}  // namespace
}  // namespace s3u::table
