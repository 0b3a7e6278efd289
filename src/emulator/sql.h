// The query language of the emulated Domo: the read-only SELECT subset of
// `POST /v1/datasets/query/execute/{id}` (domo-api.md §3.8) and the JSON `where` / order /
// column tree of the Export-to-S3 `queryRequest` (§8), both compiled to the same plan so the
// two APIs filter identically. Pure: no I/O; rows come in and go out as values.
//
// Grammar (case-insensitive keywords; identifiers bare or in "double quotes" / `backticks`;
// string literals in 'single quotes' with '' escaping):
//   SELECT * | COUNT(*) | col [, col...] FROM table
//     [WHERE expr] [ORDER BY col [ASC|DESC] [, ...]] [LIMIT n] [OFFSET m]
//   expr: expr AND expr | expr OR expr | NOT expr | ( expr ) | col op literal
//         | col [NOT] BETWEEN lit AND lit | col [NOT] IN (lit, ...) | col IS [NOT] NULL
//         | col [NOT] LIKE 'pattern'  (% and _)
//   op: = <> != < <= > >=
// Comparisons follow the column's type: LONG / DOUBLE / DECIMAL numerically, DATE and DATETIME
// as instants (a DATE literal compared with a DATETIME column is its midnight), STRING bytewise.
// A comparison with NULL is false (SQL's three-valued logic, collapsed at the top).
// docs/emulator-data.md lists what is accepted, with examples and the [I] decisions.
//
// Thread-safety: plans are immutable values, shareable across threads.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "table/types.h"

namespace s3u::emulator {

using Value = std::optional<std::string>;  // CSV text of a value; nullopt is null
using Row = std::vector<Value>;

// Three-way comparison of two values of one column type; null sorts before everything.
int CompareValues(table::ColumnType type, const Value& a, const Value& b);

// Half-open instant interval [from, to); the defaults leave a side unbounded.
struct InstantRange {
  table::Seconds from = table::Seconds::min();
  table::Seconds to = table::Seconds::max();
};

// Closed interval [min, max] of LONG values; empty when min > max. The defaults leave a side
// unbounded. Integer bounds, so "> 4.5" on a LONG column is [5, max] and "= 4.5" is empty.
struct LongRange {
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
  bool Empty() const { return min > max; }
};

// A predicate restated as "every listed column lies in its range" (ExactRanges).
struct ColumnRanges {
  bool never = false;                                     // no row matches
  std::vector<std::pair<size_t, InstantRange>> instants;  // DATE / DATETIME columns
  std::vector<std::pair<size_t, LongRange>> longs;        // LONG columns
};

// A compiled boolean expression over a row of the input schema.
class Predicate {
 public:
  struct Node;  // defined in sql.cc
  explicit Predicate(std::shared_ptr<const Node> root);
  // True only when the expression is TRUE for `row` (UNKNOWN, from NULLs, counts as false).
  bool Matches(const Row& row) const;
  // An interval the DATE / DATETIME `column` must lie in for Matches to be true, derived from
  // comparisons, BETWEEN and IN on it joined by AND / OR (NOT and <> do not narrow). Unbounded
  // when nothing narrows it; lets a scan over rows sorted by `column` skip the rest.
  InstantRange InstantBounds(size_t column) const;
  // The same for a LONG `column`: no non-null value outside the range can make Matches true
  // (and a null one only when the range is unbounded). Unbounded when nothing narrows it or
  // the column is not LONG; lets a scan over a sequence skip the rows a keyset page cannot use.
  // `never_null`: the column holds no null, so "IS NULL" on it matches nothing (a reader's
  // range "(k IS NULL OR k < b)" is then bounded by b).
  LongRange LongBounds(size_t column, bool never_null = false) const;
  // The predicate as ranges, when that is exact: for every row whose `never_null` columns hold
  // non-null values of their type (whole-second instants, integer LONGs), Matches(row) is
  // true exactly when `never` is false and each listed column's value lies in its range (a
  // column absent from the lists is unconstrained). Built from AND; =, <, <=, >, >=, BETWEEN
  // and one-value IN on LONG, DATE and DATETIME columns; IS [NOT] NULL; NOT of a constant; and
  // OR only where the union is one range or one side is constant. Every column it mentions must
  // satisfy `never_null`. Anything else (NOT of a comparison, <>, LIKE, a multi-value IN,
  // other types, a column that may be null) gives nullopt: the caller then has to scan.
  std::optional<ColumnRanges> ExactRanges(const std::function<bool(size_t)>& never_null) const;

 private:
  std::shared_ptr<const Node> root_;
};

struct OrderKey {
  size_t column = 0;  // index into the input schema
  bool descending = false;
  table::ColumnType type = table::ColumnType::kString;  // the column's, for CompareValues
};

struct SelectPlan {
  std::vector<size_t> projection;  // input column per output column (all for *)
  table::Schema output_schema;     // for COUNT(*): one LONG column named "COUNT(*)"
  bool count_only = false;
  std::optional<Predicate> where;
  std::vector<OrderKey> order_by;
  std::optional<uint64_t> limit;
  uint64_t offset = 0;
};

// Parses SQL against `schema`. kInvalidArgument (subject "sql") says where and what: an unknown
// column (listing the dataset's columns), a table other than `table`, a type mismatch (a text
// literal against a LONG column), anything outside the subset ("only SELECT is supported").
Result<SelectPlan> ParseSelect(std::string_view sql, const table::Schema& schema);

// Compiles an Export-to-S3 `queryRequest.query` object ({columns, orderByColumns, where}).
// `where` nodes: {"exprType": EQUALS | NOT_EQUALS | GREATER_THAN | GREATER_THAN_EQUAL |
// LESS_THAN | LESS_THAN_EQUAL | AND | OR | NOT | IN, "leftExpr", "rightExpr"} (AND/OR also
// accept "exprs": [...]; NOT takes "expr"); operands {"exprType":"COLUMN","column":name} or
// {"exprType": STRING_VALUE | NUMERIC_VALUE | DATE_VALUE | DATETIME_VALUE, "value": ...}.
// Missing or empty parts mean all columns, input order, no filter.
Result<SelectPlan> ParseExportQuery(const nlohmann::json& query, const table::Schema& schema);

// Row source for Execute: calls `emit` for each input row in order until it returns false.
using RowScan = std::function<void(const std::function<bool(const Row&)>& emit)>;

// Applies a plan: filter, order (stable), offset/limit, projection. Without ORDER BY rows are
// streamed to `out` as they match (memory bounded); with it, the matching rows are held.
// `out` returning false stops early.
void Execute(const SelectPlan& plan, const RowScan& scan,
             const std::function<bool(const Row&)>& out);

}  // namespace s3u::emulator
