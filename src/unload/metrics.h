// The metrics row each run records in the writeback dataset (and, as JSON, in the local
// history): its schema, which depends on the connector's "Select the Data Type for Date
// Column(s)" option, and the row itself. Pure.
//
// `started` / `finished` are epoch milliseconds. "as_received" writes them as that text
// (the Export-to-S3 API's wire form, STRING columns); "date_time" parses them into DATETIME
// columns ("yyyy-MM-ddTHH:mm:ss", UTC). The option touches only these two columns, never the
// unloaded data (as the connector's page says).
//
// `retries` is the last column, so a writeback dataset created before it existed gains it by
// appending a column (the runner's schema update) and keeps its rows as they were.
//
// Thread-safety: pure functions and plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "table/types.h"
#include "unload/job_spec.h"

namespace s3u::unload {

struct MetricsRow {
  std::string run_id;
  std::string job_name;
  std::string input_dataset_id;
  std::string day;  // yyyy-mm-dd
  std::string time_zone;
  std::string window_start, window_end;  // DATETIME text, UTC
  std::string engine;
  std::vector<std::string> s3_uris;
  int64_t objects = 0, rows = 0, bytes = 0, duplicate_keys = 0;
  std::string status;     // SUCCEEDED, FAILED, CANCELLED
  std::string error;      // redacted message, empty on success
  std::string export_id;  // domo-export engine only
  // Epoch-millisecond text: our clock's for the direct engine, the export's wire text for
  // domo-export (converted to millis when Domo sent ISO-8601).
  std::string started, finished;
  // Requests retried during the run, Domo's and S3's together (DomoClient::retry_counts() +
  // S3Client::retry_counts()): how rough the ride was, even for a run that succeeded.
  int64_t retries = 0;
};

// The writeback dataset's columns for the option.
table::Schema MetricsSchema(MetricsDates dates);

// The row as header-less CSV (one record, LF) matching MetricsSchema(dates), for an import.
std::string MetricsCsv(const MetricsRow& row, MetricsDates dates);

// The row as a JSON object keyed by column name, typed as in the dataset (numbers as numbers,
// null for absent values): what the local history keeps and `--json` prints.
nlohmann::json MetricsJson(const MetricsRow& row, MetricsDates dates);

// "1700000000123" -> "2023-11-14T22:13:20"; also accepts ISO-8601 text as Domo may send it.
// Returns the input unchanged when it is neither (the row still records what was received).
std::string MillisToDateTime(const std::string& text);
// ISO-8601 ("2019-09-19T15:09:10.086Z") or millis text -> millis text; unchanged otherwise.
std::string ToMillisText(const std::string& text);

}  // namespace s3u::unload
