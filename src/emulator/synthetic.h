// Synthetic datasets: a small JSON spec (row count, columns and kinds, date range, seed)
// from which any row can be generated on demand, so a 10 GB dataset needs no 10 GB file and
// exporting it keeps memory bounded. Row i depends only on (spec, i): exports, queries and
// Export-to-S3 all see the same data, and tests can compute expected rows independently.
//
// Spec (documented with examples in docs/emulator-data.md):
//   {"rows": 300000, "seed": 42, "columns": [
//     {"name": "id", "type": "LONG", "kind": "sequence"},                // 1, 2, 3, ...
//     {"name": "event_time", "type": "DATETIME", "kind": "timeline",     // non-decreasing in i,
//      "from": "2026-10-01T00:00:00", "to": "2026-11-25T00:00:00"},      // spread over [from, to)
//     {"name": "day", "type": "DATE", "kind": "timeline", "from": "2026-10-01", "to":
//     "2026-11-25"},
//     {"name": "customer", "type": "STRING", "kind": "text", "min_length": 3, "max_length": 40,
//      "hostile": true, "null_ratio": 0.05},   // hostile: quotes, delimiters, CR/LF, 4-byte UTF-8
//     {"name": "amount", "type": "DECIMAL", "kind": "number", "min": 0, "max": 10000, "scale": 2},
//     {"name": "region", "type": "STRING", "kind": "choice", "values": ["West", "East"]}]}
// Every kind takes "null_ratio" (default 0). Types must fit kinds (a sequence is LONG, a
// timeline DATE or DATETIME, a number LONG / DOUBLE / DECIMAL, text STRING; choice values must
// be valid values of the column's type). Unknown fields are rejected, so typos do not pass.
//
// Values: a timeline's row i is from + (to - from) * i / rows, floored to the second (DATE:
// the day); numbers are uniform over [min, max] in steps of 10^-scale (LONG: integers), with
// exactly `scale` decimals; text is words; hostile text mixes in the shapes that break CSV
// handling, and may exceed max_length (docs/emulator-data.md lists them).
//
// Thread-safety: a spec is an immutable value; GenerateRow is a pure function of its inputs.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "emulator/sql.h"
#include "table/types.h"

namespace s3u::emulator {

struct SyntheticColumn {
  std::string name;
  table::ColumnType type = table::ColumnType::kString;
  std::string kind;  // sequence | timeline | text | number | choice
  double null_ratio = 0;
  // timeline: [from, to) in seconds since the epoch (DATE columns use whole days)
  int64_t from = 0, to = 0;
  // text
  uint32_t min_length = 1, max_length = 24;
  bool hostile = false;
  // number
  double min = 0, max = 1000;
  int scale = 2;
  // choice
  std::vector<std::string> values;
};

struct SyntheticSpec {
  uint64_t rows = 0;
  uint64_t seed = 1;
  std::vector<SyntheticColumn> columns;
};

// Validates and parses a spec; kInvalidArgument names the offending field
// ("synthetic.columns[2].kind") and lists what is accepted.
Result<SyntheticSpec> ParseSyntheticSpec(const nlohmann::json& spec);

table::Schema SchemaOf(const SyntheticSpec& spec);

// REQUIRES: spec came from ParseSyntheticSpec (or obeys its rules); index < spec.rows.
// Fills `out` (resized to the column count) with row `index` (0-based). O(columns), and
// reuses the capacity of the strings already in `out`, so pass the same Row for every row.
void GenerateRow(const SyntheticSpec& spec, uint64_t index, Row& out);

// The rows [first, last) whose timeline `column` value lies in [from, to): outside it no row
// can match, inside it a row may still be null. Exact, O(log rows). Pair with
// Predicate::InstantBounds to scan only the rows a date filter can select. A column that is
// not a timeline gives [0, rows).
std::pair<uint64_t, uint64_t> TimelineRange(const SyntheticSpec& spec, size_t column,
                                            table::Seconds from, table::Seconds to);

// REQUIRES: `column` is a timeline of `spec`; index < spec.rows. The rows [first, last)
// holding the value row `index` holds in `column` (one run: the values never decrease), so
// "ORDER BY column DESC" can walk the rows backwards a run at a time. O(log rows).
std::pair<uint64_t, uint64_t> TimelineTies(const SyntheticSpec& spec, size_t column,
                                           uint64_t index);

}  // namespace s3u::emulator
