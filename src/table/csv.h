// Streaming CSV: a push reader that accepts bytes in chunks of any size (a curl write
// callback, a file read) and hands out whole records, and a writer that encodes records.
// Grammar: RFC 4180 with Domo's extensions (domo-api.md §4): CRLF or bare LF rows, quoted and
// unquoted fields mixed freely, an unquoted empty field is null while "" is an empty string,
// and an unquoted \N is null where the dialect says so. Hand-written rather than libcsv
// because libcsv cannot tell a quoted empty field from an unquoted one, which is exactly the
// null/empty distinction Domo makes; it is a small state machine and is fuzzed.
//
// A lone CR (not followed by LF) outside quotes is an error, not a row end: Domo's grammar
// has CRLF and LF rows only, a bare CR most likely means a value that should have been quoted,
// and guessing would silently change the row count. Inside quotes CR is ordinary text.
//
// Memory: the reader buffers one record (the longest field decides), never the stream.
// Thread-safety: one reader or writer per thread; no shared state.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace s3u::table {

struct CsvDialect {
  char delimiter = ',';  // REQUIRES: not '"', CR or LF
  // Treat an unquoted "\N" as null (RDOMO writes and reads nulls this way). A quoted "\N" is
  // always the two-character string.
  bool backslash_n_is_null = true;
};

struct Field {
  std::string_view text;  // unescaped content; valid only during the row callback
  bool quoted = false;
  bool null = false;  // unquoted empty, or unquoted \N with backslash_n_is_null
};

struct RecordInfo {
  uint64_t record = 0;  // 1-based record number in the stream (a header counts)
  uint64_t line = 0;    // 1-based line on which the record starts
};

// Called once per record. Returning an Error stops the reader; Feed/Finish return it as is.
using RowHandler = std::function<Result<void>(std::span<const Field> fields, const RecordInfo&)>;

class CsvReader {
 public:
  // `on_row` is called from Feed/Finish on the calling thread.
  CsvReader(CsvDialect dialect, RowHandler on_row);
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Parses `chunk`, calling the handler for every record completed by it. Malformed input
  // fails with kInvalidArgument, subject "CSV line L, field F", and a message naming the
  // problem: a quote inside an unquoted field, text after a closing quote, a blank line, a CR
  // not followed by LF. L is the line of the offending byte, F the 1-based field. After any
  // error (the handler's too) the reader is stopped: Feed and Finish return that error again.
  Result<void> Feed(std::string_view chunk);
  // Ends the stream: a final record without a trailing newline is delivered; an open quoted
  // field fails (kInvalidArgument, "unterminated quoted field starting on line L"), and so does
  // a stream ending in a lone CR. REQUIRES: no Feed after Finish.
  Result<void> Finish();

  uint64_t records() const { return records_; }  // delivered to the handler so far
  uint64_t bytes() const { return bytes_; }      // fed so far

 private:
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted, kAfterCr };

  void EndField();
  // True when nothing of the current line has been read: no field ended, none begun.
  bool AtBlankLine() const;
  // Ends the record at a line feed (or at Finish): rejects a blank line, calls the handler.
  Result<void> EndRecord();
  // Records `error` as the reader's final state and returns it.
  tl::unexpected<Error> Stop(Error error);
  Error SyntaxError(uint64_t line, std::string message) const;

  CsvDialect dialect_;
  RowHandler on_row_;
  State state_ = State::kFieldStart;
  bool field_quoted_ = false;  // the field being read began with a quote
  std::string buffer_;         // unescaped text of the current record's fields
  struct FieldEnd {
    size_t end;  // offset in buffer_
    bool quoted;
  };
  std::vector<FieldEnd> ends_;  // the current record's ended fields
  std::vector<Field> fields_;   // rebuilt per record for the handler
  std::optional<Error> error_;  // set once parsing failed; returned again from then on
  uint64_t records_ = 0;
  uint64_t bytes_ = 0;
  uint64_t line_ = 1;
  uint64_t record_line_ = 1;
  uint64_t quote_line_ = 1;  // line of the opening quote of the current field
};

enum class Quoting {
  kMinimal,  // quote only what must be: delimiter, quote, CR, LF, and text that would read
             // back as null: an empty string (unquoted empty is null in every dialect),
             // "\N" (null to backslash_n_is_null readers) and the null_text itself
  kAll,      // quote every non-null field (Domo's exports have been seen this way)
};

struct CsvWriteOptions {
  char delimiter = ',';
  Quoting quoting = Quoting::kMinimal;
  // How a null is written, unquoted: "" (Domo) or "\N". Read back as null only by a reader
  // with backslash_n_is_null when it is "\N"; other spellings do not read back as null.
  std::string null_text{};      // {} so designated initializers may omit it warning-free
  std::string line_end = "\n";  // "\n" (Domo) or "\r\n" (RFC 4180)
};

// A value to write: nullopt is null.
using FieldValue = std::optional<std::string_view>;

// A row packed as domo::QueryRows keeps a query page's cells: the values' texts one after
// another in one buffer, each followed by one byte that is part of no value (a null is that
// byte alone). values[i] is where value i starts in `text` and its size, kPackedNull for
// null. The layout lets the CSV writer copy a whole plain row at once and turn each gap into
// the delimiter (AppendCsvRecord below).
inline constexpr uint32_t kPackedNull = 0xFFFFFFFF;
struct PackedValue {
  uint32_t offset = 0;
  uint32_t size = kPackedNull;
};
inline FieldValue PackedText(const char* text, PackedValue value) {
  if (value.size == kPackedNull) return std::nullopt;
  return std::string_view(text + value.offset, value.size);
}
struct PackedRow {
  const char* text = nullptr;
  std::span<const PackedValue> values;

  size_t size() const { return values.size(); }
  FieldValue operator[](size_t i) const { return PackedText(text, values[i]); }
  // The values into `out`, resized to the row's width, as the other encoders take a row.
  void CopyTo(std::vector<FieldValue>& out) const;
};

// Appends one encoded record, including the line end, to `out`. Reading it back with a
// reader whose dialect matches gives the same values (the round trip is property-tested).
// A non-null "\N" is always quoted, so output with null_text "" reads back the same whatever
// the reader's backslash_n_is_null. REQUIRES: at least one field, and not a lone null field
// when null_text is "" (that is a blank line, which no CSV reader, Domo included, accepts).
void AppendCsvRecord(const CsvWriteOptions& options, std::span<const FieldValue> fields,
                     std::string& out);
// The same record from a packed row (same bytes, the same REQUIRES). A plain row, where every
// value is written unquoted as it is (no delimiter, quote, CR or LF; not empty, not "\N", not
// the null text; a null only with an empty null text, in a row of two values or more), is
// one scan-and-copy of the row's bytes with a delimiter stored at each gap: a row of short
// values costs about as much as one long value (BM_EncodeCsv). Any other row is
// written value by value, as above.
void AppendCsvRecord(const CsvWriteOptions& options, const PackedRow& row, std::string& out);

}  // namespace s3u::table
