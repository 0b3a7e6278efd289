// A dataset's contents as the emulator holds them: immutable snapshots (materialised rows or
// a synthetic spec), the import grammar that produces rows from CSV, and the encodings that
// leave the emulator (export CSV, query JSON).
//
// Snapshots are shared by reference, so an export keeps streaming the version it started
// with while an import replaces the dataset's current one; nothing is copied or locked while
// rows are streamed.
//
// Thread-safety: snapshots are immutable after construction and may be read from any thread;
// a RowImporter belongs to one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "emulator/sql.h"
#include "emulator/synthetic.h"
#include "table/csv.h"
#include "table/types.h"

namespace s3u::emulator {

// What a Scan or Query did, for tests and measurements: how many synthetic rows it generated.
struct ScanStats {
  uint64_t rows_generated = 0;
};

struct DataSnapshot {
  table::Schema schema;
  std::vector<Row> rows;                   // used when `synthetic` is empty
  std::optional<SyntheticSpec> synthetic;  // rows generated on demand, never stored
  uint64_t version = 0;  // increases with every change of the dataset's data or schema

  uint64_t RowCount() const;
  // Calls `emit` for each row in order until it returns false. Memory stays constant for
  // synthetic data (one row buffer). With `where`, synthetic rows outside the range the filter
  // allows on a timeline column (a one-day filter reads one day) or on a sequence column (a
  // keyset page "id >= k" starts at row k) are skipped without being generated; rows inside
  // are still all emitted, the caller filters them. `stats`, when given, counts the rows.
  void Scan(const std::function<bool(const Row&)>& emit, const Predicate* where = nullptr,
            ScanStats* stats = nullptr) const;
  // Execute(plan) over Scan, calling `out` per result row until it returns false. Same result
  // as Execute(plan, Scan) in every case; over synthetic data it generates fewer rows:
  // - COUNT(*) whose WHERE is exactly ranges on null-free timeline and sequence columns
  //   (Predicate::ExactRanges: a one-day filter, a reader's key range, IS NOT NULL) is
  //   counted from the row indexes, generating no row; any other WHERE is scanned.
  // - When the ORDER BY's order is the rows' order (ascending on a null-free sequence, or on
  //   null-free timelines) or its reverse (all DESC), rows stream in that order without being
  //   held or sorted, descending ones walked from the range's end (a timeline's tied rows
  //   keep their ascending order, as the stable sort leaves them), and the walk stops after
  //   OFFSET + LIMIT matches: a keyset page, or "ORDER BY id DESC LIMIT 1", reads only its
  //   own rows.
  void Query(const SelectPlan& plan, const std::function<bool(const Row&)>& out,
             ScanStats* stats = nullptr) const;
};
using SnapshotPtr = std::shared_ptr<const DataSnapshot>;

// Streaming import of header-less CSV in Domo's import grammar (§3.7, §4): unquoted empty and
// unquoted \N are null, "" is an empty string, CRLF or LF rows. Every record must have one
// field per column and valid values for the column types; DATETIME values are stored in the
// canonical export spelling (yyyy-MM-ddTHH:mm:ss).
class RowImporter {
 public:
  explicit RowImporter(table::Schema schema);
  RowImporter(const RowImporter&) = delete;
  RowImporter& operator=(const RowImporter&) = delete;

  // kInvalidArgument with subject "CSV line L" and what was wrong (field count, bad value,
  // malformed quoting). After an error the importer is unusable.
  Result<void> Feed(std::string_view chunk);
  Result<std::vector<Row>> Finish();

 private:
  table::Schema schema_;
  std::vector<Row> rows_;
  table::CsvReader reader_;
};

// Whole-buffer convenience over RowImporter (fixtures, inline config data).
Result<std::vector<Row>> ParseCsvRows(std::string_view csv, const table::Schema& schema);

// Export CSV options (config "export").
struct CsvFormat {
  table::Quoting quoting = table::Quoting::kMinimal;
  std::string null_text;  // "" or "\N"
};

// Appends one record (a header when `row` holds the names) as Domo's export writes it: LF rows.
void AppendExportRecord(const CsvFormat& format, const Row& row, std::string& out);
// The header record of `schema`.
Row HeaderRow(const table::Schema& schema);

// Appends a value as the query API returns it (§3.8) to `out`: a LONG, DOUBLE or DECIMAL
// whose stored text is a JSON number is written as that text, every digit kept; other types,
// and numbers JSON cannot spell ("+5", "007"), as a JSON string of the stored text; null as
// null. Throws as nlohmann's dump() does on invalid UTF-8.
void AppendQueryValueJson(table::ColumnType type, const Value& value, std::string& out);

// The schema's JSON form: {"columns":[{"type","name"}]}.
nlohmann::json SchemaJson(const table::Schema& schema);
// Parses [{"name","type"}] (a schema.json fixture or schema.columns). kInvalidArgument names
// the field under `subject`; an empty list or a repeated name is refused.
Result<table::Schema> ParseSchema(const nlohmann::json& columns, const std::string& subject);

}  // namespace s3u::emulator
