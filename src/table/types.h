// Domo's column types and the text forms their values take in CSV (domo-api.md §4), as pure
// functions. Shared by the Domo client (schemas, export parsing), the emulator (import
// validation, query comparisons) and the unload (day windows, encodings).
//
// Thread-safety: everything here is a pure function or a plain value.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace s3u::table {

enum class ColumnType { kString, kDecimal, kLong, kDouble, kDate, kDateTime };

// "STRING", "DECIMAL", "LONG", "DOUBLE", "DATE", "DATETIME" (Domo's spelling).
std::string_view ColumnTypeName(ColumnType type);
// Parses Domo's spelling, case-sensitively as Domo does. kInvalidArgument names the accepted
// values; `subject` is the field the text came from (e.g. "schema.columns[2].type").
Result<ColumnType> ParseColumnType(std::string_view text, std::string_view subject);

struct Column {
  std::string name;
  ColumnType type = ColumnType::kString;
  bool operator==(const Column&) const = default;
};
using Schema = std::vector<Column>;

// Index of the column named `name` (exact match), or nullopt.
std::optional<size_t> FindColumn(const Schema& schema, std::string_view name);

// Calendar values. DATETIME values are UTC in Domo and carry no zone on export.
using Days = std::chrono::sys_days;
using Seconds = std::chrono::sys_seconds;

// "yyyy-MM-dd" -> days since the epoch. nullopt on anything else (including invalid dates
// such as 2026-02-30).
std::optional<Days> ParseDate(std::string_view text);
// Accepts the DATETIME spellings Domo exports and imports: "yyyy-MM-ddTHH:mm:ss",
// the same with a trailing "Z", with fractional seconds (".sss", truncated), or with a space
// instead of "T". A bare date is midnight. nullopt on anything else.
std::optional<Seconds> ParseDateTime(std::string_view text);
// Canonical export spellings: "yyyy-MM-dd" and "yyyy-MM-ddTHH:mm:ss".
std::string FormatDate(Days day);
std::string FormatDateTime(Seconds instant);

// True when `text` is a valid value of `type` as CSV text: LONG a signed 64-bit decimal,
// DOUBLE a decimal or scientific number, DECIMAL a fixed-point decimal, DATE / DATETIME as
// above, STRING anything. Nulls are decided by the CSV layer, not here. Numbers take an
// optional leading sign (+ or -) and nothing else: no spaces, thousands separators, inf/nan
// or hex; a DOUBLE's magnitude is not range-checked (Domo's limit is unknown).
bool IsValidValue(ColumnType type, std::string_view text);

// True when `text` is a number in JSON's grammar (RFC 8259 §6):
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?. Such text can travel as a JSON number
// verbatim, every digit kept; "+5", "1.", ".5" and "007" cannot. Magnitude is not checked.
bool IsJsonNumber(std::string_view text);

}  // namespace s3u::table
