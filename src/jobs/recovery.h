// Recovery after a crash. A process killed mid-run (SIGKILL, OOM, power loss) leaves its run
// RUNNING in the store and its open multipart uploads in the upload journal (store.h). The next
// start of whoever runs that job finds them:
//   - the service, on start, for every connector's run (service/scheduler.h Recover, through
//     the launcher, which has the connector's accounts);
//   - `s3unload run` of the same job file, before it runs, and `s3unload cleanup`, for the
//     job's own CLI runs (Store::MarkInterruptedRuns with the job's name).
// For each such run: marked FAILED (error "aborted", "interrupted: ..."), every journaled
// upload aborted and every object its unfinished publish had completed removed (as the engine's
// own unwind does for a failed publish; one S3 no longer knows counts as gone), the entries
// forgotten, and its FAILED metrics row written to the writeback dataset, so the dataset shows
// every run. Nothing of it stays visible: a run that did not finish leaves no object and no
// incomplete upload (its manifest, written last, was never written).
//
// Thread-safety: one recovery at a time per store (the callers run it before anything else).
#pragma once

#include <string>
#include <vector>

#include "core/log.h"
#include "domo/client.h"
#include "s3/client.h"
#include "store/store.h"
#include "unload/job_spec.h"

namespace s3u::jobs {

struct RecoveredRun {
  std::string run_id;
  int uploads_aborted = 0;
  int objects_removed = 0;                // completed by a publish that did not finish
  std::vector<std::string> uploads_left;  // what could not be removed, and why
  bool metrics_recorded = false;
  std::string metrics_error;  // why not, when not
};

// Cleans up one interrupted run of `spec`, already marked FAILED in the store. Never fails:
// what could not be done is in the result and the log (a refused abort keeps its journal
// entry, so the next start tries again).
RecoveredRun CleanUpInterruptedRun(store::Store& store, const store::RunRecord& run,
                                   const unload::JobSpec& spec, s3::S3Client& s3,
                                   domo::DomoClient& domo, Logger& log);

// The CLI's recovery: marks the job's interrupted CLI runs FAILED, then cleans each up.
Result<std::vector<RecoveredRun>> RecoverJob(store::Store& store, const unload::JobSpec& spec,
                                             s3::S3Client& s3, domo::DomoClient& domo, Logger& log);

// "recovered run R: 2 uploads aborted, FAILED metrics row written" (one line per run).
std::string DescribeRecovery(const RecoveredRun& recovered);

}  // namespace s3u::jobs
