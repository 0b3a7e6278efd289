#include "jobs/store_history.h"

#include <functional>

#include "core/time_format.h"

namespace s3u::jobs {
namespace {

store::RunRecord RecordOf(const unload::RunIdentity& id, int64_t started_ms) {
  store::RunRecord record;
  record.run_id = id.run_id;
  record.job_name = id.job_name;
  record.connector_id = id.connector_id;
  record.attempt = id.attempt;
  record.started_ms = started_ms;
  return record;
}

void SetError(store::RunResult& result, const Error& error) {
  result.error_code = std::string(CodeName(error.code));
  result.error_message = error.ToString();
}

// Runs `write` (a run's begin or end) once more when its connection was cut mid-call (a
// restart of the store's database, ridden out by the reconnect): a first attempt that did
// commit makes the second fail with `already_done`, which then means success.
Result<void> OnceMoreIfCut(const std::function<Result<void>()>& write, ErrorCode already_done) {
  Result<void> ok = write();
  if (ok || ok.error().code != ErrorCode::kUnavailable) return ok;
  Result<void> again = write();
  if (!again && again.error().code == already_done) return {};
  return again;
}

}  // namespace

void StoreHistory::Began(const unload::RunStart& start) {
  store::RunRecord record = RecordOf(start.id, start.started_ms);
  record.input_dataset_id = start.input_dataset_id;
  record.day = start.day;
  record.time_zone = start.time_zone;
  record.engine = start.engine;
  if (auto ok = OnceMoreIfCut([&] { return store_.BeginRun(record); },
                              ErrorCode::kInvalidArgument);  // "a run_id used before"
      !ok) {
    log_.Warn("the run is not recorded in the history: " + ok.error().ToString());
  }
}

void StoreHistory::Finished(const std::string& run_id, const unload::RunEnd& end) {
  store::RunResult result;
  result.s3_uris = end.s3_uris;
  result.objects = end.objects;
  result.rows = end.rows;
  result.bytes = end.bytes;
  result.duplicate_keys = end.duplicate_keys;
  if (end.error) SetError(result, *end.error);
  result.metrics_json = end.metrics_json;
  if (auto ok = OnceMoreIfCut(
          [&] { return store_.FinishRun(run_id, end.status, end.finished_ms, result); },
          ErrorCode::kFailedPrecondition);  // "the run already finished"
      !ok) {
    log_.Warn("the run's end is not recorded in the history: " + ok.error().ToString());
  }
  // A failed run unwound its own uploads: its journal is done either way.
  Published(run_id);
}

void StoreHistory::NotStarted(const unload::RunIdentity& id, int64_t at_ms, const Error& error) {
  store::RunResult result;
  SetError(result, error);
  if (auto ok = store_.RecordRunNotStarted(RecordOf(id, at_ms), result); !ok) {
    log_.Error("cannot record the run that could not start: " + ok.error().ToString());
  }
}

Result<void> StoreHistory::UploadOpened(const std::string& run_id, const std::string& bucket,
                                        const std::string& key, const std::string& upload_id) {
  return store_.JournalUpload({upload_id, run_id, bucket, key, EpochMillis(clock_.Now())});
}

void StoreHistory::Published(const std::string& run_id) {
  if (auto ok = store_.ForgetRunUploads(run_id); !ok) {
    log_.Warn("the upload journal keeps the entries of a settled run: " + ok.error().ToString());
  }
}

void StoreHistory::UploadCompleted(const std::string& upload_id) {
  if (auto ok = store_.MarkUploadCompleted(upload_id); !ok) {
    log_.Warn("the upload journal cannot mark a completed upload: " + ok.error().ToString());
  }
}

void StoreHistory::UploadAborted(const std::string& upload_id) {
  // Left behind, the entry only makes a later start try an abort S3 answers NoSuchUpload to.
  if (auto ok = store_.ForgetUpload(upload_id); !ok) {
    log_.Warn("the upload journal keeps an aborted upload: " + ok.error().ToString());
  }
}

}  // namespace s3u::jobs
