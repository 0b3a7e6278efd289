// The run history as the engine sees it: one interface every outcome of a run is reported
// through, so the history has exactly one writer (the engine) and one keeper (whoever
// implements it: jobs/store_history.h persists it in the Store for the CLI and the service).
//
// Rules (the engine keeps them; implementations may rely on them):
//   - Every run id is reported exactly once as Began and then exactly once as Finished, or
//     exactly once as NotStarted (a run refused before the engine had a job to run: an account
//     gone, settings no longer valid, clients that could not be built). Never both.
//   - Began comes before any request to Domo or S3; Finished after the metrics row was written
//     to the writeback dataset (or failed to be).
//   - Error messages are already redacted (Logger::Redact) when they reach the history.
//   - Implementations never fail the run: a history that cannot be written says so in the log;
//     the one exception is UploadOpened (the crash journal), whose error fails that upload
//     (it is aborted), since an upload that is not journaled could be orphaned by a crash.
//   - Between Began and Finished, every multipart upload the run opens is reported by
//     UploadOpened before its first part, then by UploadCompleted (its object is visible) or
//     UploadAborted. Published says every object and the manifest are out: the journal of the
//     run is done (what it holds is the run's result, not debris). Finished ends it too
//     (a failed run unwound its own uploads).
//
// Thread-safety: a run reports from one thread at a time; different runs may report from
// different threads at once, so implementations shared by runs must be thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/run_status.h"

namespace s3u::unload {

// Which run: known before anything else about it.
struct RunIdentity {
  std::string run_id;  // store::MakeRunId
  std::string job_name;
  std::optional<std::string> connector_id;  // the service's connector; none for a CLI run
  int attempt = 1;                          // 1, then 2, 3, ... for retries
};

// A run that has begun: what it is about to unload.
struct RunStart {
  RunIdentity id;
  std::string input_dataset_id;
  std::string day;        // YYYY-MM-DD in time_zone
  std::string time_zone;  // IANA name
  std::string engine;     // "direct" or "domo-export"
  int64_t started_ms = 0;
};

// How a begun run ended.
struct RunEnd {
  RunStatus status = RunStatus::kFailed;  // SUCCEEDED, FAILED or CANCELLED
  int64_t finished_ms = 0;
  std::vector<std::string> s3_uris;  // every object published, in order
  int64_t objects = 0, rows = 0, bytes = 0, duplicate_keys = 0;
  std::optional<Error> error;  // set unless SUCCEEDED; message redacted
  std::string metrics_json;    // the metrics row as written to the writeback dataset
};

class RunHistory {
 public:
  virtual ~RunHistory() = default;
  virtual void Began(const RunStart& start) = 0;
  virtual void Finished(const std::string& run_id, const RunEnd& end) = 0;
  // `at_ms`: when it was refused; `error` redacted.
  virtual void NotStarted(const RunIdentity& id, int64_t at_ms, const Error& error) = 0;
  // The crash journal (see the rules above).
  virtual Result<void> UploadOpened(const std::string& run_id, const std::string& bucket,
                                    const std::string& key, const std::string& upload_id) = 0;
  virtual void UploadCompleted(const std::string& upload_id) = 0;
  virtual void UploadAborted(const std::string& upload_id) = 0;
  virtual void Published(const std::string& run_id) = 0;
};

// Keeps nothing: for callers with no history to keep (a CLI without a store location).
class NoHistory final : public RunHistory {
 public:
  void Began(const RunStart&) override {}
  void Finished(const std::string&, const RunEnd&) override {}
  void NotStarted(const RunIdentity&, int64_t, const Error&) override {}
  Result<void> UploadOpened(const std::string&, const std::string&, const std::string&,
                            const std::string&) override {
    return {};
  }
  void UploadCompleted(const std::string&) override {}
  void UploadAborted(const std::string&) override {}
  void Published(const std::string&) override {}
};

}  // namespace s3u::unload
