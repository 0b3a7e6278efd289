// Run history as values: one RunRecord per attempt of an unload (a CLI `run`, and the
// service's scheduled, manual and retry runs, each attempt its own record), and the filter that
// ListRuns pages with. The Store (store.h) persists them.
//
// No secret is ever part of a RunRecord: it names datasets, buckets and keys, never
// credentials, and error messages must be redacted by the caller (Logger::Redact) before they
// reach the store, which keeps them as given.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/log.h"
#include "core/run_status.h"

namespace s3u::store {

// The status vocabulary is core's (core/run_status.h); stored as its RunStatusName.
using s3u::ParseRunStatus;
using s3u::RunStatus;
using s3u::RunStatusName;

// What a run produced: recorded by Store::FinishRun.
struct RunResult {
  std::vector<std::string> s3_uris;  // every object written ("s3://bucket/key"), in order
  int64_t objects = 0;
  int64_t rows = 0;
  int64_t bytes = 0;  // bytes stored in S3, after compression
  int64_t duplicate_keys = 0;
  // For FAILED and CANCELLED runs: CodeName() of the error ("unavailable") and its message,
  // ALREADY REDACTED by the caller. Empty for a successful run.
  std::string error_code;
  std::string error_message;
  // The exact metrics row written to the writeback dataset, as a JSON object; empty when no row
  // was written.
  std::string metrics_json;

  bool operator==(const RunResult&) const = default;
};

struct RunRecord {
  std::string run_id;  // unique and non-empty; MakeRunId makes a time-sortable one
  std::string job_name;
  std::optional<std::string> connector_id;  // set for runs of the service's connectors
  std::string input_dataset_id;
  std::string day;        // the day unloaded, YYYY-MM-DD in `time_zone`
  std::string time_zone;  // IANA name
  std::string engine;     // "direct" or "domo-export"
  int attempt = 1;        // 1 for the first try, then 2, 3, ... for retries
  RunStatus status = RunStatus::kRunning;
  int64_t started_ms = 0;              // epoch milliseconds
  std::optional<int64_t> finished_ms;  // epoch milliseconds; set once no longer RUNNING
  RunResult result;                    // empty until the run has finished

  bool operator==(const RunRecord&) const = default;
};

// A multipart upload a run has open (the crash journal).
struct JournaledUpload {
  std::string upload_id;
  std::string run_id;
  std::string bucket;
  std::string key;
  int64_t opened_ms = 0;
  bool completed = false;  // its object is visible (a publish that did not finish)

  bool operator==(const JournaledUpload&) const = default;
};

// One line of a run's own log (migration 7), as the run's Logger emitted it: already redacted
// and with control characters escaped (core/log.h), so it is one line of plain text.
struct RunLogLine {
  int64_t seq = 0;      // 0, 1, 2, ... in the order the run logged them
  int64_t time_ms = 0;  // epoch milliseconds
  LogLevel level = LogLevel::kInfo;
  std::string text;

  bool operator==(const RunLogLine&) const = default;
};

// What AppendRunLog writes: new lines, and the lines that left the run's bounded log since
// (service/run_log.h): those with dropped_from <= seq < dropped_to are deleted.
struct RunLogBatch {
  std::vector<RunLogLine> lines;  // by seq
  int64_t dropped_from = 0;
  int64_t dropped_to = 0;  // == dropped_from: none

  bool operator==(const RunLogBatch&) const = default;
};

// The most runs ListRuns returns at once.
inline constexpr int kMaxRunsPerPage = 1000;

// Which runs ListRuns returns, newest first (by started_ms, then run_id).
struct RunFilter {
  std::optional<std::string> job_name;
  std::optional<std::string> connector_id;
  std::optional<RunStatus> status;
  // Page cursor: only runs older than the run with this id (the last one of the previous page).
  std::optional<std::string> before;
  int limit = 50;  // 1..kMaxRunsPerPage
};

// The run as the API (GET /api/v1/runs) and `s3unload history --json` show it: every field of
// the record, "duration_ms", the error as {code, message} (or null) and the metrics row as an
// object (or null).
nlohmann::json RunJson(const RunRecord& run);

// "20250314T101502123Z-9f3a1c7e": the UTC start to the millisecond, then `random` as 8 hex
// digits. Sorts by start time as text, is safe in S3 keys and URLs, and two runs started in the
// same millisecond still differ.
std::string MakeRunId(std::chrono::system_clock::time_point started, uint32_t random);

}  // namespace s3u::store
