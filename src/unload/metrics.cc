#include "unload/metrics.h"

#include <charconv>
#include <chrono>

#include "table/csv.h"

namespace s3u::unload {
namespace {

using table::ColumnType;

std::optional<int64_t> ParseMillis(const std::string& text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// Column order of the dataset; values() below must follow it.
struct ColumnDef {
  const char* name;
  ColumnType type;
};

std::vector<ColumnDef> Columns(MetricsDates dates) {
  const ColumnType time_type =
      dates == MetricsDates::kDateTime ? ColumnType::kDateTime : ColumnType::kString;
  return {{"run_id", ColumnType::kString},
          {"job_name", ColumnType::kString},
          {"input_dataset_id", ColumnType::kString},
          {"day", ColumnType::kDate},
          {"time_zone", ColumnType::kString},
          {"window_start", ColumnType::kDateTime},
          {"window_end", ColumnType::kDateTime},
          {"engine", ColumnType::kString},
          {"s3_uris", ColumnType::kString},
          {"objects", ColumnType::kLong},
          {"rows", ColumnType::kLong},
          {"bytes", ColumnType::kLong},
          {"duplicate_keys", ColumnType::kLong},
          {"status", ColumnType::kString},
          {"error", ColumnType::kString},
          {"export_id", ColumnType::kString},
          {"started", time_type},
          {"finished", time_type},
          {"retries", ColumnType::kLong}};
}

// The row's values as text in column order; nullopt for null.
std::vector<std::optional<std::string>> Values(const MetricsRow& row, MetricsDates dates) {
  auto text_or_null = [](const std::string& s) -> std::optional<std::string> {
    if (s.empty()) return std::nullopt;
    return s;
  };
  auto time = [&](const std::string& s) {
    return text_or_null(dates == MetricsDates::kDateTime ? MillisToDateTime(s) : s);
  };
  std::string uris;
  for (const std::string& u : row.s3_uris) uris += (uris.empty() ? "" : " ") + u;
  return {row.run_id,
          row.job_name,
          row.input_dataset_id,
          text_or_null(row.day),
          row.time_zone,
          text_or_null(row.window_start),
          text_or_null(row.window_end),
          row.engine,
          uris,
          std::to_string(row.objects),
          std::to_string(row.rows),
          std::to_string(row.bytes),
          std::to_string(row.duplicate_keys),
          row.status,
          text_or_null(row.error),
          text_or_null(row.export_id),
          time(row.started),
          time(row.finished),
          std::to_string(row.retries)};
}

}  // namespace

table::Schema MetricsSchema(MetricsDates dates) {
  table::Schema schema;
  for (const ColumnDef& c : Columns(dates)) schema.push_back({c.name, c.type});
  return schema;
}

std::string MetricsCsv(const MetricsRow& row, MetricsDates dates) {
  const auto values = Values(row, dates);
  std::vector<table::FieldValue> fields;
  for (const auto& v : values) {
    fields.push_back(v ? table::FieldValue(*v) : std::nullopt);
  }
  std::string out;
  table::AppendCsvRecord(table::CsvWriteOptions{}, fields, out);
  return out;
}

nlohmann::json MetricsJson(const MetricsRow& row, MetricsDates dates) {
  const auto columns = Columns(dates);
  const auto values = Values(row, dates);
  nlohmann::json out = nlohmann::json::object();
  for (size_t i = 0; i < columns.size(); ++i) {
    if (!values[i]) {
      out[columns[i].name] = nullptr;
    } else if (columns[i].type == ColumnType::kLong) {
      out[columns[i].name] = ParseMillis(*values[i]).value_or(0);
    } else {
      out[columns[i].name] = *values[i];
    }
  }
  return out;
}

std::string MillisToDateTime(const std::string& text) {
  if (auto millis = ParseMillis(text)) {
    const auto instant = std::chrono::floor<std::chrono::seconds>(
        std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(*millis)));
    return table::FormatDateTime(instant);
  }
  if (auto parsed = table::ParseDateTime(text)) return table::FormatDateTime(*parsed);
  return text;
}

std::string ToMillisText(const std::string& text) {
  if (ParseMillis(text)) return text;
  if (text.size() < 19) return text;
  auto seconds = table::ParseDateTime(text);
  if (!seconds) return text;
  // ParseDateTime truncates the fraction; keep the milliseconds Domo sent.
  int64_t millis = 0;
  if (text.size() > 20 && text[19] == '.') {
    int digits = 0;
    for (size_t i = 20; i < text.size() && digits < 3 && text[i] >= '0' && text[i] <= '9';
         ++i, ++digits) {
      millis = millis * 10 + (text[i] - '0');
    }
    for (; digits < 3; ++digits) millis *= 10;
  }
  return std::to_string(seconds->time_since_epoch().count() * 1000 + millis);
}

}  // namespace s3u::unload
