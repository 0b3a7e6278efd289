// Fuzzes the streaming CSV reader and writer (table/csv.h). The input's front is the CSV; a
// FuzzedDataProvider takes the dialect, a chunking and write options from its tail. Besides
// "no crash, no sanitizer report", it checks the properties callers rely on:
//  - chunking never changes the outcome: rows, flags, record lines, and the error if any;
//  - whatever the reader accepts, AppendCsvRecord re-encodes so that it reads back with the
//    same values and null flags (in any quoting, line end, and the matching null spelling);
//  - a row packed as a query page holds it (table::PackedRow) is encoded to the same bytes;
//  - records() counts the rows delivered and bytes() the bytes fed.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "table/csv.h"

namespace {

using s3u::table::CsvDialect;
using s3u::table::CsvReader;
using s3u::table::Field;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

struct Cell {
  std::string text;
  bool quoted = false;
  bool null = false;
  bool operator==(const Cell&) const = default;
};

struct Outcome {
  std::vector<std::vector<Cell>> rows;
  std::vector<uint64_t> lines;
  std::optional<s3u::Error> error;
  uint64_t records = 0;
  uint64_t bytes = 0;
};

// Parses `csv` fed in chunks whose sizes cycle through `chunk_sizes` (empty: one chunk).
Outcome Parse(std::string_view csv, const CsvDialect& dialect,
              const std::vector<size_t>& chunk_sizes) {
  Outcome out;
  CsvReader reader(dialect, [&](std::span<const Field> fields, const s3u::table::RecordInfo& info) {
    auto& row = out.rows.emplace_back();
    for (const Field& f : fields) row.push_back({std::string(f.text), f.quoted, f.null});
    out.lines.push_back(info.line);
    return s3u::Result<void>{};
  });
  size_t pos = 0;
  for (size_t k = 0; pos < csv.size() && !out.error; ++k) {
    const size_t n = chunk_sizes.empty() ? csv.size() : chunk_sizes[k % chunk_sizes.size()];
    if (auto r = reader.Feed(csv.substr(pos, n)); !r) out.error = r.error();
    pos += n;
  }
  if (!out.error) {
    if (auto r = reader.Finish(); !r) out.error = r.error();
  }
  out.records = reader.records();
  out.bytes = reader.bytes();
  return out;
}

bool SameError(const std::optional<s3u::Error>& a, const std::optional<s3u::Error>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->code == b->code && a->subject == b->subject && a->message == b->message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  // Integral values come from the tail, so the CSV (the front) stays mostly intact when the
  // fuzzer mutates it.
  const CsvDialect dialect{fdp.PickValueInArray({',', ';', '\t', '|'}), fdp.ConsumeBool()};
  std::vector<size_t> chunk_sizes(fdp.ConsumeIntegralInRange<size_t>(1, 4));
  for (size_t& n : chunk_sizes) n = fdp.ConsumeIntegralInRange<size_t>(1, 17);
  s3u::table::CsvWriteOptions write;
  write.delimiter = dialect.delimiter;
  write.quoting = fdp.ConsumeBool() ? s3u::table::Quoting::kAll : s3u::table::Quoting::kMinimal;
  // "\N" nulls read back only where the reader knows them; "" works for both dialects.
  write.null_text = dialect.backslash_n_is_null && fdp.ConsumeBool() ? "\\N" : "";
  write.line_end = fdp.ConsumeBool() ? "\r\n" : "\n";
  const std::string csv = fdp.ConsumeRemainingBytesAsString();

  const Outcome whole = Parse(csv, dialect, {});
  Check(whole.records == whole.rows.size());
  Check(whole.bytes == csv.size());

  const Outcome chunked = Parse(csv, dialect, chunk_sizes);
  Check(chunked.rows == whole.rows);
  Check(chunked.lines == whole.lines);
  Check(SameError(chunked.error, whole.error));
  if (whole.error) Check(whole.error->code == s3u::ErrorCode::kInvalidArgument);

  // Every accepted row round-trips through the writer, even when a later row was rejected,
  // except a lone null with an empty null_text: that is a blank line (AppendCsvRecord's
  // REQUIRES), and readable input only produces it as "\N".
  std::vector<const std::vector<Cell>*> expected;
  std::string encoded;
  std::vector<std::optional<std::string_view>> values;
  std::string packed_text;
  std::vector<s3u::table::PackedValue> packed;
  std::string packed_record;
  for (const auto& row : whole.rows) {
    Check(!row.empty());
    if (row.size() == 1 && row[0].null && write.null_text.empty()) continue;
    expected.push_back(&row);
    values.clear();
    for (const Cell& cell : row) {
      Check(!cell.null || !cell.quoted);
      if (cell.null) {
        values.emplace_back();
      } else {
        values.emplace_back(cell.text);
      }
    }
    const size_t at = encoded.size();
    s3u::table::AppendCsvRecord(write, values, encoded);
    // The gap after each value: a zero byte, or (every other row) the delimiter itself.
    const char gap = expected.size() % 2 == 0 ? write.delimiter : '\0';
    packed_text.clear();
    packed.clear();
    for (const auto& v : values) {
      packed.push_back({static_cast<uint32_t>(packed_text.size()),
                        v ? static_cast<uint32_t>(v->size()) : s3u::table::kPackedNull});
      if (v) packed_text += *v;
      packed_text += gap;
    }
    packed_record.clear();
    s3u::table::AppendCsvRecord(write, s3u::table::PackedRow{packed_text.data(), packed},
                                packed_record);
    Check(packed_record == std::string_view(encoded).substr(at));
  }
  const Outcome reread = Parse(encoded, dialect, chunk_sizes);
  Check(!reread.error);
  Check(reread.rows.size() == expected.size());
  for (size_t r = 0; r < expected.size(); ++r) {
    Check(reread.rows[r].size() == expected[r]->size());
    for (size_t f = 0; f < expected[r]->size(); ++f) {
      const Cell& before = (*expected[r])[f];
      const Cell& after = reread.rows[r][f];
      Check(after.null == before.null);
      if (!before.null) Check(after.text == before.text);
    }
  }
  return 0;
}
