// Streaming CSV: a push reader that accepts bytes in chunks of any size (a curl write
// callback, a file read) and hands out whole records, and a writer that encodes records.
// Grammar: RFC 4180 with Domo's extensions (domo-api.md §4): CRLF or bare LF rows, quoted and
// unquoted fields mixed freely, an unquoted empty field is null while "" is an empty string,
// and an unquoted \N is null where the dialect says so. Hand-written rather than libcsv
// because libcsv cannot tell a quoted empty field from an unquoted one, which is exactly the
// null/empty distinction Domo makes; it is a small state machine and is fuzzed.
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
  char delimiter = ',';
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
  CsvReader(CsvDialect dialect, RowHandler on_row);
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Parses `chunk`, calling the handler for every record completed by it. Malformed input
  // fails with kInvalidArgument, subject "CSV line L, field F", and a message naming the
  // problem: a quote inside an unquoted field, text after a closing quote, a blank line.
  Result<void> Feed(std::string_view chunk);
  // Ends the stream: a final record without a trailing newline is delivered; an open quoted
  // field fails (kInvalidArgument, "unterminated quoted field starting on line L").
  Result<void> Finish();

  uint64_t records() const { return records_; }
  uint64_t bytes() const { return bytes_; }

 private:
  Result<void> EmitRecord();

  CsvDialect dialect_;
  RowHandler on_row_;
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted, kAfterCr };
  State state_ = State::kFieldStart;
  std::string buffer_;              // unescaped text of the current record's fields
  std::vector<size_t> ends_;        // end offset of each field in buffer_
  std::vector<uint8_t> quoted_;     // per field: was it quoted
  std::vector<Field> fields_;       // rebuilt per record for the handler
  uint64_t records_ = 0;
  uint64_t bytes_ = 0;
  uint64_t line_ = 1;
  uint64_t record_line_ = 1;
};

enum class Quoting {
  kMinimal,  // quote only what must be: delimiter, quote, CR, LF, and text that would read
             // back as null (an empty string when null_text is "", or the null_text itself)
  kAll,      // quote every non-null field (Domo's exports have been seen this way)
};

struct CsvWriteOptions {
  char delimiter = ',';
  Quoting quoting = Quoting::kMinimal;
  std::string null_text;          // how a null is written, unquoted: "" (Domo) or "\N"
  std::string line_end = "\n";    // "\n" (Domo) or "\r\n" (RFC 4180)
};

// A value to write: nullopt is null.
using FieldValue = std::optional<std::string_view>;

// Appends one encoded record, including the line end, to `out`. Reading it back with a
// reader whose dialect matches gives the same values (the round trip is property-tested).
void AppendCsvRecord(const CsvWriteOptions& options, std::span<const FieldValue> fields,
                     std::string& out);

}  // namespace s3u::table
