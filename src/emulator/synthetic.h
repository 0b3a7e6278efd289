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
//     {"name": "day", "type": "DATE", "kind": "timeline", "from": "2026-10-01", "to": "2026-11-25"},
//     {"name": "customer", "type": "STRING", "kind": "text", "min_length": 3, "max_length": 40,
//      "hostile": true, "null_ratio": 0.05},   // hostile: quotes, delimiters, CR/LF, 4-byte UTF-8
//     {"name": "amount", "type": "DECIMAL", "kind": "number", "min": 0, "max": 10000, "scale": 2},
//     {"name": "region", "type": "STRING", "kind": "choice", "values": ["West", "East"]}]}
// Every kind takes "null_ratio" (default 0). Types must fit kinds (a sequence is LONG, a
// timeline DATE or DATETIME, a number LONG / DOUBLE / DECIMAL).
//
// Thread-safety: a spec is an immutable value; GenerateRow is a pure function of its inputs.
#pragma once

#include <cstdint>
#include <string>
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

// Fills `out` (resized to the column count) with row `index` (0-based, < spec.rows).
void GenerateRow(const SyntheticSpec& spec, uint64_t index, Row& out);

}  // namespace s3u::emulator
