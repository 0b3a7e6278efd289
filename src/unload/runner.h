// One run of a job, end to end:
//   validate (the JobSpec already is) → token → input dataset → writeback dataset's owner →
//   ownership rule (before any data moves) → date column, key, day window → row count →
//   move the rows (direct: query pages by key → encode → compress → sealed S3 uploads;
//   domo-export: Domo's Export-to-S3, polled, verified with HeadObject and the row count) →
//   publish (commit every object, then the manifest; nothing is visible before) → metrics
//   (writeback dataset in Domo, and the local history).
// A failed run commits nothing, aborts its uploads, and still records a FAILED metrics row
// with the error (when Domo can be reached), so the writeback dataset shows every run.
//
// Thread-safety: a Runner runs one job at a time; uploads use the given executor.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/executor.h"
#include "core/log.h"
#include "domo/client.h"
#include "s3/client.h"
#include "s3/sigv4.h"
#include "store/store.h"
#include "table/day_window.h"
#include "unload/job_spec.h"
#include "unload/metrics.h"

namespace s3u::unload {

struct Progress {
  uint64_t rows = 0;
  uint64_t expected_rows = 0;  // the day's COUNT(*); 0 when unknown
  uint64_t bytes = 0;          // bytes written to S3 so far (after compression)
};

struct RunDeps {
  domo::DomoClient& domo;
  s3::S3Client& s3;
  Executor& executor;  // upload parts
  Clock& clock;
  Logger& log;
  store::Store* store = nullptr;                 // local history; null: not recorded
  std::optional<std::string> connector_id = {};  // the service's connector, for history
  int attempt = 1;                               // retry number, for the history
  // The domo-export engine hands these to Domo (used once, never stored by it).
  const s3::Credentials* aws_credentials = nullptr;
  std::string region = {};
  std::function<void(const Progress&)> on_progress = {};  // called from the run's thread
  const std::atomic<bool>* cancel = nullptr;              // set to stop the run (Ctrl-C)
  // The caller already recorded the run as RUNNING (BeginRun of RunRecordFor), so the run is
  // visible in the history the moment it is accepted; ExecuteRun then only finishes it.
  bool run_recorded = false;
};

// What a dry run reports (and a real run decides first).
struct RunPlan {
  table::DayWindow window;
  std::string date_column;
  std::string input_name;
  uint64_t rows = 0;                     // the day's row count
  std::vector<std::string> object_keys;  // the first key(s) the run would write
  std::string writeback_dataset_id;      // empty: created on the first run
  std::string ownership;                 // how the rule is satisfied
};

struct RunOutcome {
  std::string run_id;
  bool succeeded = false;
  std::optional<Error> error;  // set when !succeeded
  RunPlan plan;
  std::vector<std::string> s3_uris;
  uint64_t objects = 0, rows = 0, bytes = 0, duplicate_keys = 0;
  uint64_t raw_bytes = 0;  // encoded bytes before compression (direct engine)
  MetricsRow metrics;
  std::string writeback_dataset_id;
  bool metrics_recorded = false;  // the writeback import succeeded
  std::string metrics_error;      // why it did not, when it did not
};

// The history record of a run starting at `now` (status RUNNING).
store::RunRecord RunRecordFor(const JobSpec& spec, const std::string& run_id,
                              std::optional<std::string> connector_id, int attempt,
                              std::chrono::system_clock::time_point now);

// Decides everything a run would do, moving no data and writing nothing.
Result<RunPlan> PlanRun(const JobSpec& spec, RunDeps& deps);

// Runs the job once as `run_id` (store::MakeRunId). Never throws; failures are in the outcome.
RunOutcome ExecuteRun(const JobSpec& spec, RunDeps& deps, const std::string& run_id);

}  // namespace s3u::unload
