#include "unload/query_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace s3u::unload {
namespace {

using table::ColumnType;

bool IsDateType(ColumnType type) {
  return type == ColumnType::kDate || type == ColumnType::kDateTime;
}

bool IsNumeric(ColumnType type) {
  return type == ColumnType::kLong || type == ColumnType::kDouble || type == ColumnType::kDecimal;
}

std::string ColumnList(const table::Schema& schema) {
  std::string out;
  for (const table::Column& c : schema) {
    out += (out.empty() ? "" : ", ") + c.name + " (" + std::string(table::ColumnTypeName(c.type)) +
           ")";
  }
  return out.empty() ? "(none)" : out;
}

std::string Literal(ColumnType type, const std::string& value) {
  return IsNumeric(type) ? value : QuoteLiteral(value);
}

std::string WindowStart(const table::DayWindow& w) { return table::FormatDateTime(w.start_utc); }
std::string WindowEnd(const table::DayWindow& w) { return table::FormatDateTime(w.end_utc); }

nlohmann::json ColumnExpr(const std::string& name) {
  return {{"exprType", "COLUMN"}, {"column", name}};
}

}  // namespace

Result<DayFilterColumn> ResolveDateColumn(const table::Schema& schema,
                                          const std::string& requested) {
  std::vector<size_t> candidates;
  for (size_t i = 0; i < schema.size(); ++i) {
    if (IsDateType(schema[i].type)) candidates.push_back(i);
  }
  std::string names;
  for (size_t i : candidates) names += (names.empty() ? "" : ", ") + schema[i].name;
  if (!requested.empty()) {
    const auto index = table::FindColumn(schema, requested);
    if (!index) {
      return Fail(ErrorCode::kInvalidArgument, "details.date_column",
                  fmt::format("the dataset has no column \"{}\"; its DATE/DATETIME columns: {}",
                              requested, names.empty() ? "(none)" : names));
    }
    if (!IsDateType(schema[*index].type)) {
      return Fail(ErrorCode::kInvalidArgument, "details.date_column",
                  fmt::format("column \"{}\" is {}, not DATE or DATETIME; its DATE/DATETIME "
                              "columns: {}",
                              requested, table::ColumnTypeName(schema[*index].type),
                              names.empty() ? "(none)" : names));
    }
    return DayFilterColumn{*index, schema[*index]};
  }
  if (candidates.size() == 1) return DayFilterColumn{candidates[0], schema[candidates[0]]};
  if (candidates.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "details.date_column",
                "the dataset has no DATE or DATETIME column to select a day by; its columns: " +
                    ColumnList(schema));
  }
  return Fail(ErrorCode::kInvalidArgument, "details.date_column",
              fmt::format("the dataset has {} DATE/DATETIME columns ({}); name the one that "
                          "dates a row in details.date_column",
                          candidates.size(), names));
}

Result<std::vector<size_t>> ResolveKeyColumns(const table::Schema& schema,
                                              const std::vector<std::string>& key) {
  std::vector<size_t> indexes;
  std::string missing;
  for (const std::string& name : key) {
    if (auto index = table::FindColumn(schema, name)) {
      indexes.push_back(*index);
    } else {
      missing += (missing.empty() ? "\"" : ", \"") + name + "\"";
    }
  }
  if (!missing.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "details.primary_key",
                fmt::format("no column {} in the input dataset; its columns: {}", missing,
                            ColumnList(schema)));
  }
  return indexes;
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string QuoteLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string DayFilterSql(const DayFilterColumn& column, const table::DayWindow& window) {
  const std::string name = QuoteIdentifier(column.column.name);
  if (column.column.type == ColumnType::kDate) {
    return fmt::format("{} = {}", name, QuoteLiteral(table::FormatDate(window.local_date)));
  }
  return fmt::format("{} >= {} AND {} < {}", name, QuoteLiteral(WindowStart(window)), name,
                     QuoteLiteral(WindowEnd(window)));
}

std::string CountSql(const DayFilterColumn& column, const table::DayWindow& window) {
  return "SELECT COUNT(*) FROM table WHERE " + DayFilterSql(column, window);
}

SplitKind ChooseSplit(const table::Schema& schema, const std::vector<size_t>& key,
                      const DayFilterColumn& date_column, bool keep_duplicates) {
  if (!key.empty() && schema[key[0]].type == ColumnType::kLong) return SplitKind::kKeyRanges;
  if (date_column.column.type == ColumnType::kDateTime && keep_duplicates) {
    return SplitKind::kTimeSlices;
  }
  return SplitKind::kNone;
}

std::vector<ReadRange> SplitKeyRange(const table::Column& column, int64_t min, int64_t max, int n) {
  if (n <= 1 || min > max) return {ReadRange{}};
  // max - min in unsigned arithmetic (it overflows int64 for the widest keys); range i + 1
  // starts at min + 1 + floor(width * i / count), computed without overflow as q*i + r*i/count.
  const uint64_t width = static_cast<uint64_t>(max) - static_cast<uint64_t>(min);
  const uint64_t count =
      width < static_cast<uint64_t>(n - 1) ? width + 1 : static_cast<uint64_t>(n);
  if (count <= 1) return {ReadRange{}};  // one key value: nothing to split
  const uint64_t q = width / count, r = width % count;
  std::vector<int64_t> bounds;  // the first value of ranges 2..count, increasing
  for (uint64_t i = 1; i < count; ++i) {
    bounds.push_back(static_cast<int64_t>(static_cast<uint64_t>(min) + q * i + r * i / count + 1));
  }
  const std::string name = QuoteIdentifier(column.name);
  std::vector<ReadRange> ranges;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    ReadRange range;
    if (i == 0) {
      range.filter = fmt::format("({} IS NULL OR {} < {})", name, name, bounds[0]);
      range.label = fmt::format("{} < {} (and nulls)", name, bounds[0]);
    } else if (i == bounds.size()) {
      range.filter = fmt::format("{} >= {}", name, bounds[i - 1]);
      range.label = range.filter;
    } else {
      range.filter = fmt::format("{} >= {} AND {} < {}", name, bounds[i - 1], name, bounds[i]);
      range.label = range.filter;
    }
    ranges.push_back(std::move(range));
  }
  return ranges;
}

std::vector<ReadRange> SplitTimeSlices(const DayFilterColumn& column,
                                       const table::DayWindow& window, int n) {
  if (n <= 1 || column.column.type != ColumnType::kDateTime) return {ReadRange{}};
  const auto length =
      std::chrono::duration_cast<std::chrono::seconds>(window.end_utc - window.start_utc);
  const std::string name = QuoteIdentifier(column.column.name);
  std::vector<ReadRange> ranges;
  for (int i = 0; i < n; ++i) {
    const auto from = window.start_utc + length * i / n;
    const auto to = i + 1 == n ? window.end_utc : window.start_utc + length * (i + 1) / n;
    ReadRange range;
    range.filter =
        fmt::format("{} >= {} AND {} < {}", name, QuoteLiteral(table::FormatDateTime(from)), name,
                    QuoteLiteral(table::FormatDateTime(to)));
    range.label = range.filter;
    ranges.push_back(std::move(range));
  }
  return ranges;
}

int AutoReaders(uint64_t rows, uint64_t page_rows) {
  const uint64_t pages = page_rows == 0 ? 1 : (rows + page_rows - 1) / page_rows;
  return static_cast<int>(std::clamp<uint64_t>(pages / 25, 1, 8));
}

int OneObjectRanges(uint64_t rows, uint64_t page_rows, int readers) {
  const uint64_t share = std::max<uint64_t>(1, page_rows * 9 / 10);
  const uint64_t ranges = (rows + share - 1) / share;
  return static_cast<int>(std::clamp<uint64_t>(ranges, std::max(readers, 1), 100'000));
}

int AutoReadersMax(uint64_t rows, uint64_t page_rows) {
  const uint64_t pages = page_rows == 0 ? 1 : (rows + page_rows - 1) / page_rows;
  return static_cast<int>(std::clamp<uint64_t>(pages / 4, 1, 16));
}

int WidenReaders(int current, int max, double waited, double idle) {
  current = std::clamp(current, 1, std::max(max, 1));
  if (waited < 0.25 || idle < 0.25) return current;
  const double factor = waited >= 0.75 ? 4 : std::max(2.0, 1 / (1 - waited));
  return static_cast<int>(std::min<double>(max, std::ceil(current * factor)));
}

std::string KeyBoundSql(const DayFilterColumn& date_column, const table::DayWindow& window,
                        const table::Column& column, bool largest) {
  const std::string name = QuoteIdentifier(column.name);
  return fmt::format("SELECT {} FROM table WHERE {} AND {} IS NOT NULL ORDER BY {}{} LIMIT 1", name,
                     DayFilterSql(date_column, window), name, name, largest ? " DESC" : "");
}

std::string PageSql(const DayFilterColumn& column, const table::DayWindow& window,
                    const table::Schema& schema, const std::vector<size_t>& key,
                    const std::optional<std::vector<std::string>>& after, uint64_t limit,
                    std::string_view range) {
  std::string sql = "SELECT * FROM table WHERE " + DayFilterSql(column, window);
  if (!range.empty()) sql += fmt::format(" AND {}", range);
  if (after) {
    // Lexicographic key >= after: (k0 > a0) OR (k0 = a0 AND k1 > a1) OR ... OR (all equal).
    std::string any;
    std::string equal_prefix;
    for (size_t i = 0; i < key.size(); ++i) {
      const table::Column& c = schema[key[i]];
      const std::string name = QuoteIdentifier(c.name);
      const std::string value = Literal(c.type, (*after)[i]);
      any += fmt::format("{}({}{} > {})", any.empty() ? "" : " OR ", equal_prefix, name, value);
      equal_prefix += fmt::format("{} = {} AND ", name, value);
    }
    equal_prefix.resize(equal_prefix.size() - 5);  // the trailing " AND "
    sql += fmt::format(" AND ({} OR ({}))", any, equal_prefix);
  }
  sql += " ORDER BY ";
  for (size_t i = 0; i < key.size(); ++i) {
    sql += (i == 0 ? "" : ", ") + QuoteIdentifier(schema[key[i]].name);
  }
  return sql + fmt::format(" LIMIT {}", limit);
}

nlohmann::json ExportQueryRequest(const DayFilterColumn& column, const table::DayWindow& window,
                                  const table::Schema& schema, const std::vector<size_t>& key) {
  nlohmann::json where;
  if (column.column.type == ColumnType::kDate) {
    where = {{"exprType", "EQUALS"},
             {"leftExpr", ColumnExpr(column.column.name)},
             {"rightExpr",
              {{"exprType", "DATE_VALUE"}, {"value", table::FormatDate(window.local_date)}}}};
  } else {
    where = {{"exprType", "AND"},
             {"leftExpr",
              {{"exprType", "GREATER_THAN_EQUAL"},
               {"leftExpr", ColumnExpr(column.column.name)},
               {"rightExpr", {{"exprType", "DATETIME_VALUE"}, {"value", WindowStart(window)}}}}},
             {"rightExpr",
              {{"exprType", "LESS_THAN"},
               {"leftExpr", ColumnExpr(column.column.name)},
               {"rightExpr", {{"exprType", "DATETIME_VALUE"}, {"value", WindowEnd(window)}}}}}};
  }
  nlohmann::json columns = nlohmann::json::array();
  for (const table::Column& c : schema) columns.push_back(ColumnExpr(c.name));
  nlohmann::json order = nlohmann::json::array();
  for (size_t i : key) order.push_back({{"column", schema[i].name}});
  return {{"query",
           {{"columns", columns},
            {"groupByColumns", nlohmann::json::array()},
            {"orderByColumns", order},
            {"where", where}}},
          {"includeBOM", false},
          {"useCache", false}};
}

std::optional<PageCursor> CursorAfterPage(const domo::QueryRows& rows,
                                          const std::vector<size_t>& key) {
  if (rows.empty()) return std::nullopt;
  PageCursor cursor;
  for (size_t k : key) {
    const domo::Cell cell = rows.back()[k];
    if (!cell) return std::nullopt;
    cursor.after.emplace_back(*cell);
  }
  const auto carries_last_key = [&](domo::QueryRows::Row row) {
    for (size_t i = 0; i < key.size(); ++i) {
      if (row[key[i]] != std::string_view(cursor.after[i])) return false;
    }
    return true;
  };
  for (size_t r = rows.size(); r > 0 && carries_last_key(rows[r - 1]); --r) ++cursor.skip;
  return cursor;
}

bool DuplicateCounter::Next(std::span<const std::string_view> key) {
  if (last_ && std::equal(key.begin(), key.end(), last_->begin(), last_->end())) {
    ++duplicates_;
    ++run_length_;
    return true;
  }
  if (!last_) last_.emplace();
  last_->assign(key.begin(), key.end());  // views: no copy of the text, no allocation
  last_held_ = false;
  run_length_ = 1;
  return false;
}

void DuplicateCounter::Hold() {
  if (!last_ || last_held_) return;
  held_.assign(last_->begin(), last_->end());
  last_->assign(held_.begin(), held_.end());
  last_held_ = true;
}

std::optional<std::vector<std::string>> DuplicateCounter::last() const {
  if (!last_) return std::nullopt;
  return std::vector<std::string>(last_->begin(), last_->end());
}

}  // namespace s3u::unload
