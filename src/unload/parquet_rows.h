// Domo rows into Parquet column values: the type mapping (docs/output.md, "Parquet") and the
// exact parsing of each value's text. Values arrive as Domo's CSV text and are never passed
// through a double on the way, except DOUBLE itself (parsed to the nearest double, which is
// the value Domo holds: Domo's DOUBLE is an IEEE double).
//
//   STRING   -> BYTE_ARRAY STRING          LONG     -> INT64
//   DOUBLE   -> DOUBLE                     DATE     -> INT32 DATE
//   DATETIME -> INT64 TIMESTAMP(UTC, MICROS)
//   DECIMAL  -> DECIMAL(precision, scale) (INT32 / INT64 / FIXED_LEN_BYTE_ARRAY by precision),
//               or STRING (the exact text) when the job asks for decimals as strings
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "parquet/writer.h"
#include "table/csv.h"
#include "table/types.h"

namespace s3u::unload {

struct ParquetMapping {
  int decimal_precision = 38;
  int decimal_scale = 9;
  bool decimal_as_string = false;
};

std::vector<parquet::ColumnSpec> ParquetColumns(const table::Schema& schema,
                                                const ParquetMapping& mapping);

// Adds one row to `rows`. A value its column's type cannot hold exactly (a LONG past 64 bits,
// a DECIMAL past the precision or with more fractional digits than the scale, a DATETIME
// with sub-microsecond digits, a date past INT32 days, a DOUBLE past its range, text that is
// no number) fails with kInvalidArgument naming the column and the value; the caller adds
// the row. Nothing is added on failure.
// REQUIRES: values.size() == schema.size().
Result<void> AddParquetRow(const table::Schema& schema, const ParquetMapping& mapping,
                           std::span<const table::FieldValue> values,
                           parquet::RowGroupBuilder& rows);

// DATETIME text (table::ParseDateTime's spellings, with up to 6 fractional digits, more only
// if zeros) -> microseconds since the epoch; nullopt otherwise.
std::optional<int64_t> ParseTimestampMicros(std::string_view text);
// DOUBLE text -> the nearest double; "NaN", "Infinity", "-Infinity" (Java's spellings) are
// the IEEE specials. nullopt for anything else or a finite value past the double range.
std::optional<double> ParseDouble(std::string_view text);

}  // namespace s3u::unload
