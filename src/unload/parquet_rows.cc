#include "unload/parquet_rows.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>

namespace s3u::unload {

std::vector<parquet::ColumnSpec> ParquetColumns(const table::Schema& schema,
                                                const ParquetMapping& mapping) {
  std::vector<parquet::ColumnSpec> columns;
  for (const table::Column& column : schema) {
    parquet::ColumnSpec spec{column.name, parquet::Kind::kString, 0, 0};
    switch (column.type) {
      case table::ColumnType::kLong:
        spec.kind = parquet::Kind::kInt64;
        break;
      case table::ColumnType::kDouble:
        spec.kind = parquet::Kind::kDouble;
        break;
      case table::ColumnType::kDate:
        spec.kind = parquet::Kind::kDate;
        break;
      case table::ColumnType::kDateTime:
        spec.kind = parquet::Kind::kTimestamp;
        break;
      case table::ColumnType::kDecimal:
        if (!mapping.decimal_as_string) {
          spec.kind = parquet::Kind::kDecimal;
          spec.precision = mapping.decimal_precision;
          spec.scale = mapping.decimal_scale;
        }
        break;
      case table::ColumnType::kString:
        break;
    }
    columns.push_back(std::move(spec));
  }
  return columns;
}

std::optional<int64_t> ParseTimestampMicros(std::string_view text) {
  // The fraction is ours to read: table::ParseDateTime truncates it.
  int64_t micros = 0;
  std::string_view whole = text;
  if (text.size() > 19 && text[19] == '.') {
    size_t end = 20;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    const std::string_view digits = text.substr(20, end - 20);
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i < 6) {
        micros = micros * 10 + (digits[i] - '0');
      } else if (digits[i] != '0') {
        return std::nullopt;  // below a microsecond: would be truncated
      }
    }
    for (size_t i = digits.size(); i < 6; ++i) micros *= 10;
    whole = text.substr(0, 19);
    if (end < text.size()) {
      if (text.substr(end) != "Z") return std::nullopt;
    }
    if (digits.empty()) return std::nullopt;
  }
  const auto seconds = table::ParseDateTime(whole);
  if (!seconds) return std::nullopt;
  return seconds->time_since_epoch().count() * 1000000 + micros;
}

std::optional<double> ParseDouble(std::string_view text) {
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity" || text == "+Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  if (!table::IsValidValue(table::ColumnType::kDouble, text)) return std::nullopt;
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);  // from_chars takes no '+'
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || std::isinf(v)) return std::nullopt;
  return v;
}

namespace {

std::optional<int64_t> ParseLong(std::string_view text) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty() || text[0] == '+') return std::nullopt;
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

Result<void> AddParquetRow(const table::Schema& schema, const ParquetMapping& mapping,
                           std::span<const table::FieldValue> values,
                           parquet::RowGroupBuilder& rows) {
  // Parse every value first, so a failing row adds nothing.
  struct Parsed {
    int64_t i = 0;
    double d = 0;
    parquet::Int128 wide = 0;
  };
  std::vector<Parsed> parsed(values.size());
  for (size_t c = 0; c < values.size(); ++c) {
    if (!values[c]) continue;
    const std::string_view text = *values[c];
    const table::Column& column = schema[c];
    std::string_view accepts;
    bool ok = true;
    switch (column.type) {
      case table::ColumnType::kLong: {
        const auto v = ParseLong(text);
        ok = v.has_value();
        if (ok) parsed[c].i = *v;
        accepts = "a LONG is a whole number from -9223372036854775808 to 9223372036854775807";
        break;
      }
      case table::ColumnType::kDouble: {
        const auto v = ParseDouble(text);
        ok = v.has_value();
        if (ok) parsed[c].d = *v;
        accepts = "a DOUBLE is a decimal or scientific number within the double range";
        break;
      }
      case table::ColumnType::kDate: {
        const auto v = table::ParseDate(text);
        ok = v.has_value();
        if (ok) parsed[c].i = v->time_since_epoch().count();
        accepts = "a DATE is yyyy-MM-dd";
        break;
      }
      case table::ColumnType::kDateTime: {
        const auto v = ParseTimestampMicros(text);
        ok = v.has_value();
        if (ok) parsed[c].i = *v;
        accepts = "a DATETIME is yyyy-MM-ddTHH:mm:ss with at most 6 fractional digits";
        break;
      }
      case table::ColumnType::kDecimal: {
        if (mapping.decimal_as_string) break;
        const auto v =
            parquet::ParseDecimal(text, mapping.decimal_precision, mapping.decimal_scale);
        ok = v.has_value();
        if (ok) parsed[c].wide = *v;
        if (!ok) {
          return Fail(ErrorCode::kInvalidArgument, fmt::format("column \"{}\"", column.name),
                      fmt::format("the DECIMAL value {} does not fit DECIMAL({}, {}) without "
                                  "rounding; raise output.decimal_precision / "
                                  "output.decimal_scale, or set output.decimal = \"string\"",
                                  text, mapping.decimal_precision, mapping.decimal_scale));
        }
        break;
      }
      case table::ColumnType::kString:
        break;
    }
    if (!ok) {
      return Fail(ErrorCode::kInvalidArgument, fmt::format("column \"{}\"", column.name),
                  fmt::format("the {} value \"{}\" cannot be written to Parquet exactly: {}",
                              table::ColumnTypeName(column.type), text, accepts));
    }
  }
  for (size_t c = 0; c < values.size(); ++c) {
    if (!values[c]) {
      rows.AddNull(c);
      continue;
    }
    switch (schema[c].type) {
      case table::ColumnType::kDouble:
        rows.AddDouble(c, parsed[c].d);
        break;
      case table::ColumnType::kLong:
      case table::ColumnType::kDate:
      case table::ColumnType::kDateTime:
        rows.AddInt(c, parsed[c].i);
        break;
      case table::ColumnType::kDecimal:
        if (!mapping.decimal_as_string) {
          rows.AddDecimal(c, parsed[c].wide);
          break;
        }
        [[fallthrough]];
      case table::ColumnType::kString:
        rows.AddString(c, *values[c]);
        break;
    }
  }
  return {};
}

}  // namespace s3u::unload
