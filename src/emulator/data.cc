#include "emulator/data.h"

#include <algorithm>
#include <set>
#include <utility>

namespace s3u::emulator {

uint64_t DataSnapshot::RowCount() const { return synthetic ? synthetic->rows : rows.size(); }

namespace {

using RowRange = std::pair<uint64_t, uint64_t>;  // rows [first, last)

// The rows of timeline `c` whose value lies in `bounds` (exact: the values never decrease).
RowRange TimelineRows(const SyntheticSpec& spec, size_t c, const InstantRange& bounds) {
  const SyntheticColumn& column = spec.columns[c];
  // Clamped to the timeline's own span, so no arithmetic sees the unbounded extremes.
  const table::Seconds from =
      std::max(bounds.from, table::Seconds(std::chrono::seconds(column.from)));
  const table::Seconds to = std::min(bounds.to, table::Seconds(std::chrono::seconds(column.to)));
  if (from >= to) return {0, 0};
  return TimelineRange(spec, c, from, to);
}

// The rows of a sequence (row i holds i + 1) whose value lies in `bounds`.
RowRange SequenceRows(const SyntheticSpec& spec, const LongRange& bounds) {
  if (bounds.Empty() || bounds.max < 1) return {0, 0};
  // Value v is row v - 1; bounds.min <= 1 starts at row 0.
  const uint64_t first = bounds.min > 1 ? static_cast<uint64_t>(bounds.min) - 1 : 0;
  const uint64_t last = std::min(spec.rows, static_cast<uint64_t>(bounds.max));
  return {first, std::max(first, last)};
}

RowRange Intersect(RowRange a, RowRange b) {
  const uint64_t first = std::max(a.first, b.first);
  return {first, std::max(first, std::min(a.second, b.second))};
}

// The rows [first, last) a filter can select, from its bounds on the spec's timeline columns
// and sequence columns.
RowRange RowsToScan(const SyntheticSpec& spec, const Predicate& where) {
  RowRange rows{0, spec.rows};
  for (size_t c = 0; c < spec.columns.size() && rows.first < rows.second; ++c) {
    const SyntheticColumn& column = spec.columns[c];
    if (column.kind == "timeline") {
      rows = Intersect(rows, TimelineRows(spec, c, where.InstantBounds(c)));
    } else if (column.kind == "sequence") {
      rows = Intersect(rows, SequenceRows(spec, where.LongBounds(c, column.null_ratio == 0)));
    }
  }
  return rows;
}

// The rows that match `where`, exactly (every row inside matches, none outside), when it is
// ranges on null-free timelines and sequences only; nullopt when it may be anything else.
std::optional<RowRange> ExactRows(const SyntheticSpec& spec, const Predicate& where) {
  const auto ranges = where.ExactRanges(
      [&](size_t c) { return c < spec.columns.size() && spec.columns[c].null_ratio == 0; });
  if (!ranges) return std::nullopt;
  if (ranges->never) return RowRange{0, 0};
  RowRange rows{0, spec.rows};
  for (const auto& [c, bounds] : ranges->instants) {
    if (spec.columns[c].kind != "timeline") return std::nullopt;
    rows = Intersect(rows, TimelineRows(spec, c, bounds));
  }
  for (const auto& [c, bounds] : ranges->longs) {
    if (spec.columns[c].kind != "sequence") return std::nullopt;
    rows = Intersect(rows, SequenceRows(spec, bounds));
  }
  return rows;
}

// How the rows of a synthetic spec relate to an ORDER BY, as Execute's stable sort orders
// them (ties in row order).
struct ScanOrder {
  enum Kind { kUnrelated, kAscending, kDescending } kind = kUnrelated;
  // kDescending: the timelines whose ties are left in ascending row order (empty when a
  // sequence, unique per row, decides first).
  std::vector<size_t> tied_timelines;
};

// Ascending: each key ascending over a null-free column that never decreases with the row
// index (timeline), up to one that strictly increases (sequence), after which keys never
// decide. Descending: the same with every key descending.
ScanOrder OrderOf(const SyntheticSpec& spec, const std::vector<OrderKey>& order_by) {
  ScanOrder order;
  if (order_by.empty()) return order;
  const bool descending = order_by.front().descending;
  for (const OrderKey& key : order_by) {
    if (key.descending != descending || key.column >= spec.columns.size()) return {};
    const SyntheticColumn& column = spec.columns[key.column];
    // Nulls sort first (last when descending), so a nullable column is out of row order.
    if (column.null_ratio > 0) return {};
    if (column.kind == "sequence") {
      order.tied_timelines.clear();
      break;
    }
    if (column.kind != "timeline") return {};
    order.tied_timelines.push_back(key.column);
  }
  order.kind = descending ? ScanOrder::kDescending : ScanOrder::kAscending;
  return order;
}

// Emits the rows [first, last) in descending order of `tied_timelines` with ties ascending
// (with no timelines, simply from last - 1 down to first), until `emit` returns false.
void ScanDescending(const SyntheticSpec& spec, RowRange rows,
                    const std::vector<size_t>& tied_timelines,
                    const std::function<bool(const Row&)>& emit, ScanStats* stats) {
  Row row;
  uint64_t end = rows.second;
  while (end > rows.first) {
    // The rows tied with row end - 1 on every timeline: runs that all hold it, so their
    // intersection is a run ending at `end`.
    uint64_t start = end - 1;
    if (!tied_timelines.empty()) {
      start = rows.first;
      for (size_t c : tied_timelines) start = std::max(start, TimelineTies(spec, c, end - 1).first);
    }
    for (uint64_t i = start; i < end; ++i) {
      GenerateRow(spec, i, row);
      if (stats) ++stats->rows_generated;
      if (!emit(row)) return;
    }
    end = start;
  }
}

// Emits the rows [first, last) in row order, until `emit` returns false.
void ScanAscending(const SyntheticSpec& spec, RowRange rows,
                   const std::function<bool(const Row&)>& emit, ScanStats* stats) {
  Row row;
  for (uint64_t i = rows.first; i < rows.second; ++i) {
    GenerateRow(spec, i, row);
    if (stats) ++stats->rows_generated;
    if (!emit(row)) return;
  }
}

}  // namespace

void DataSnapshot::Scan(const std::function<bool(const Row&)>& emit, const Predicate* where,
                        ScanStats* stats) const {
  if (!synthetic) {
    for (const Row& row : rows) {
      if (!emit(row)) return;
    }
    return;
  }
  ScanAscending(*synthetic, where ? RowsToScan(*synthetic, *where) : RowRange{0, synthetic->rows},
                emit, stats);
}

void DataSnapshot::Query(const SelectPlan& plan, const std::function<bool(const Row&)>& out,
                         ScanStats* stats) const {
  const Predicate* where = plan.where ? &*plan.where : nullptr;
  const RowScan scan = [&](const std::function<bool(const Row&)>& emit) {
    Scan(emit, where, stats);
  };
  if (!synthetic) return Execute(plan, scan, out);
  if (plan.count_only) {
    const std::optional<RowRange> exact =
        where ? ExactRows(*synthetic, *where) : RowRange{0, synthetic->rows};
    if (!exact) return Execute(plan, scan, out);
    // The one result row is subject to OFFSET / LIMIT, as in Execute.
    if (plan.offset == 0 && plan.limit.value_or(1) > 0) {
      out(Row{std::to_string(exact->second - exact->first)});
    }
    return;
  }
  // A WHERE that selects exactly a run of rows (ExactRows: the day, a reader's key range, a
  // page's keyset bound) needs no test per row: that run is generated and the WHERE dropped.
  SelectPlan streamed = plan;
  RowRange rows = where ? RowsToScan(*synthetic, *where) : RowRange{0, synthetic->rows};
  if (where) {
    if (const std::optional<RowRange> exact = ExactRows(*synthetic, *where)) {
      rows = *exact;
      streamed.where.reset();
    }
  }
  const RowScan ascending = [&](const std::function<bool(const Row&)>& emit) {
    ScanAscending(*synthetic, rows, emit, stats);
  };
  const ScanOrder order = OrderOf(*synthetic, plan.order_by);
  if (order.kind == ScanOrder::kUnrelated) return Execute(streamed, ascending, out);
  // Sorting rows that already come in order would change nothing; without ORDER BY,
  // Execute streams and stops at the limit.
  streamed.order_by.clear();
  if (order.kind == ScanOrder::kAscending) return Execute(streamed, ascending, out);
  Execute(
      streamed,
      [&](const std::function<bool(const Row&)>& emit) {
        ScanDescending(*synthetic, rows, order.tied_timelines, emit, stats);
      },
      out);
}

RowImporter::RowImporter(table::Schema schema)
    : schema_(std::move(schema)),
      reader_(table::CsvDialect{},
              [this](std::span<const table::Field> fields,
                     const table::RecordInfo& info) -> Result<void> {
                const std::string subject = "CSV line " + std::to_string(info.line);
                if (fields.size() != schema_.size()) {
                  return Fail(ErrorCode::kInvalidArgument, subject,
                              std::to_string(fields.size()) + " fields, but the schema has " +
                                  std::to_string(schema_.size()) + " columns");
                }
                Row row(fields.size());
                for (size_t i = 0; i < fields.size(); ++i) {
                  if (fields[i].null) continue;
                  const table::Column& column = schema_[i];
                  std::string text(fields[i].text);
                  // An empty string is a valid STRING only; other types have no empty value.
                  if (!table::IsValidValue(column.type, text)) {
                    return Fail(ErrorCode::kInvalidArgument, subject,
                                "field " + std::to_string(i + 1) + " (" + column.name +
                                    ") is not a valid " +
                                    std::string(table::ColumnTypeName(column.type)));
                  }
                  if (column.type == table::ColumnType::kDateTime) {
                    text = table::FormatDateTime(*table::ParseDateTime(text));
                  }
                  row[i] = std::move(text);
                }
                rows_.push_back(std::move(row));
                return {};
              }) {}

Result<void> RowImporter::Feed(std::string_view chunk) { return reader_.Feed(chunk); }

Result<std::vector<Row>> RowImporter::Finish() {
  if (auto done = reader_.Finish(); !done) return Fail(done.error());
  return std::move(rows_);
}

Result<std::vector<Row>> ParseCsvRows(std::string_view csv, const table::Schema& schema) {
  RowImporter importer(schema);
  if (auto fed = importer.Feed(csv); !fed) return Fail(fed.error());
  return importer.Finish();
}

void AppendExportRecord(const CsvFormat& format, const Row& row, std::string& out) {
  // A small fixed buffer would do for most schemas, but rows are short-lived: reuse one.
  thread_local std::vector<table::FieldValue> fields;
  fields.clear();
  for (const Value& value : row) {
    fields.push_back(value ? table::FieldValue(*value) : std::nullopt);
  }
  table::CsvWriteOptions options;
  options.quoting = format.quoting;
  options.null_text = format.null_text;
  table::AppendCsvRecord(options, fields, out);
}

Row HeaderRow(const table::Schema& schema) {
  Row header;
  for (const auto& column : schema) header.emplace_back(column.name);
  return header;
}

void AppendQueryValueJson(table::ColumnType type, const Value& value, std::string& out) {
  if (!value) {
    out += "null";
    return;
  }
  const std::string& text = *value;
  // A number goes out as the digits stored, never through a double or an int64 (docs/
  // decisions.md, "Exact numbers"); stored text JSON cannot spell as a number ("+5", "007",
  // "1.") goes as a string holding that text, as the JSON Lines encoder writes it.
  const bool number = type == table::ColumnType::kLong || type == table::ColumnType::kDouble ||
                      type == table::ColumnType::kDecimal;
  if (number && table::IsJsonNumber(text)) {
    out += text;
    return;
  }
  // Strings: plain printable ASCII goes as it is; anything else is escaped by nlohmann.
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
  });
  if (!plain) {
    out += nlohmann::json(text).dump();
    return;
  }
  out += '"';
  out += text;
  out += '"';
}

nlohmann::json SchemaJson(const table::Schema& schema) {
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& column : schema) {
    columns.push_back({{"type", table::ColumnTypeName(column.type)}, {"name", column.name}});
  }
  return {{"columns", columns}};
}

Result<table::Schema> ParseSchema(const nlohmann::json& columns, const std::string& subject) {
  if (!columns.is_array() || columns.empty()) {
    return Fail(ErrorCode::kInvalidArgument, subject,
                "must be a non-empty array of {\"name\": ..., \"type\": ...} columns");
  }
  table::Schema schema;
  std::set<std::string> names;
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string field = subject + "[" + std::to_string(i) + "]";
    const auto& column = columns[i];
    if (!column.is_object() || !column.contains("name") || !column["name"].is_string() ||
        column["name"].get<std::string>().empty()) {
      return Fail(ErrorCode::kInvalidArgument, field + ".name", "must be a non-empty string");
    }
    if (!column.contains("type") || !column["type"].is_string()) {
      return Fail(ErrorCode::kInvalidArgument, field + ".type",
                  "must be one of STRING, DECIMAL, LONG, DOUBLE, DATE, DATETIME");
    }
    auto type = table::ParseColumnType(column["type"].get<std::string>(), field + ".type");
    if (!type) return Fail(type.error());
    std::string name = column["name"].get<std::string>();
    if (!names.insert(name).second) {
      return Fail(ErrorCode::kInvalidArgument, field + ".name",
                  "column \"" + name + "\" appears twice; column names must be unique");
    }
    schema.push_back({std::move(name), *type});
  }
  return schema;
}

}  // namespace s3u::emulator
