// One run of a job, end to end:
//   validate (the JobSpec already is) → token → input dataset → writeback dataset's owner →
//   ownership rule (before any data moves) → date column, key, day window → row count →
//   move the rows (direct: query pages by key → encode → compress → sealed S3 uploads;
//   domo-export: Domo's Export-to-S3, polled, verified with HeadObject and the row count) →
//   publish (commit every object, then the manifest; nothing is visible before) → metrics
//   (writeback dataset in Domo), and the history (history.h) told how the run ended.
// A failed run commits nothing, aborts its uploads, and still records a FAILED metrics row
// with the error (when Domo can be reached), so the writeback dataset shows every run.
//
// A run is begun (BeginRun: the history records it as RUNNING, no I/O else) and then executed
// (ExecuteRun, which consumes the BegunRun, so no run is begun or finished twice). The service
// begins a run before Launch returns and executes it on a thread; the CLI does both in a row.
//
// Thread-safety: one run per thread; uploads use the given executor. The direct engine asks
// for query pages on threads of its own, one per reader (with output.reader_objects =
// "per-reader", one more per reader to write its object), all ended before ExecuteRun returns;
// the Domo and S3 clients are shared by them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/cpu_meter.h"
#include "core/error.h"
#include "core/executor.h"
#include "core/log.h"
#include "domo/client.h"
#include "s3/client.h"
#include "s3/sigv4.h"
#include "table/day_window.h"
#include "unload/history.h"
#include "unload/job_spec.h"
#include "unload/metrics.h"
#include "unload/progress.h"

namespace s3u::unload {

struct RunDeps {
  domo::DomoClient& domo;
  s3::S3Client& s3;
  Executor& executor;  // upload parts
  Clock& clock;
  Logger& log;
  // The domo-export engine hands these to Domo (used once, never stored by it).
  const s3::Credentials* aws_credentials = nullptr;
  std::string region = {};
  // After every page written (direct engine), from the run's thread or, with several readers,
  // from the reader that wrote it (one call at a time); keep it quick, no I/O.
  std::function<void(const Progress&)> on_progress = {};
  const std::atomic<bool>* cancel = nullptr;  // set to stop the run (Ctrl-C)
  // The automatic readers open up only while the machine has CPU to spare (RangePages in
  // runner.cc); none: the writer's waiting alone decides.
  const CpuMeter* cpu = nullptr;
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

// The plan as `run --dry-run --json` prints it and the service's check answers it: day, zone,
// window (UTC, "...Z"), date column, input name, rows, object keys, writeback id, ownership.
nlohmann::json RunPlanJson(const RunPlan& plan);

struct RunOutcome {
  std::string run_id;
  RunStatus status = RunStatus::kFailed;  // SUCCEEDED, FAILED or CANCELLED
  bool succeeded = false;                 // status == SUCCEEDED
  int64_t finished_ms = 0;                // as told to the history
  std::optional<Error> error;             // set when !succeeded
  RunPlan plan;
  std::vector<std::string> s3_uris;
  uint64_t objects = 0, rows = 0, bytes = 0, duplicate_keys = 0;
  uint64_t raw_bytes = 0;  // encoded bytes before compression (direct engine)
  // Queries in flight at most (direct engine): 1, the readers set, or how far the automatic
  // readers widened; 0 for the domo-export engine.
  int readers = 0;
  MetricsRow metrics;
  std::string writeback_dataset_id;
  bool metrics_recorded = false;  // the writeback import succeeded
  std::string metrics_error;      // why it did not, when it did not
};

// A run the history was told has begun; made only by BeginRun, consumed by ExecuteRun.
class BegunRun {
 public:
  BegunRun(BegunRun&&) = default;
  BegunRun& operator=(BegunRun&&) = default;
  BegunRun(const BegunRun&) = delete;
  BegunRun& operator=(const BegunRun&) = delete;

  const RunStart& start() const { return start_; }

 private:
  friend BegunRun BeginRun(const JobSpec&, RunIdentity, RunHistory&, const Clock&);
  friend RunOutcome ExecuteRun(const JobSpec&, BegunRun, RunDeps&);
  BegunRun(RunStart start, RunHistory& history) : start_(std::move(start)), history_(&history) {}

  RunStart start_;
  RunHistory* history_;
};

// Tells `history` that the run `id` of `spec` begins now (the day it unloads is resolved at
// this instant). No other I/O.
BegunRun BeginRun(const JobSpec& spec, RunIdentity id, RunHistory& history, const Clock& clock);

// Decides everything a run would do, moving no data and writing nothing (no history either).
Result<RunPlan> PlanRun(const JobSpec& spec, RunDeps& deps);

// Runs the begun run to its end and tells its history how it ended. Never throws; failures are
// in the outcome.
RunOutcome ExecuteRun(const JobSpec& spec, BegunRun run, RunDeps& deps);

// A run of `spec` that a process began and never finished (killed, crashed), as its history
// kept it; recovered by jobs/recovery.h.
struct InterruptedRun {
  std::string run_id;
  std::string day;  // YYYY-MM-DD in the spec's zone
  int64_t started_ms = 0;
  int64_t found_ms = 0;           // when the next start found it: its `finished`
  std::string message;            // why it is FAILED
  bool passed_ownership = false;  // it had opened uploads, so the ownership rule had allowed it
};

// Writes the interrupted run's FAILED row to the job's writeback dataset, so the writeback
// dataset shows every run; unless the run wrote its own row before it was killed (a row with
// its run_id is there): then nothing is written and nullopt returned. Creates the writeback
// dataset only for a run that had passed the ownership rule.
Result<std::optional<MetricsRow>> RecordInterruptedRun(const JobSpec& spec, domo::DomoClient& domo,
                                                       const InterruptedRun& run);

}  // namespace s3u::unload
