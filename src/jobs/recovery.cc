#include "jobs/recovery.h"

#include <fmt/format.h>

#include "unload/runner.h"

namespace s3u::jobs {

RecoveredRun CleanUpInterruptedRun(store::Store& store, const store::RunRecord& run,
                                   const unload::JobSpec& spec, s3::S3Client& s3,
                                   domo::DomoClient& domo, Logger& log) {
  RecoveredRun recovered;
  recovered.run_id = run.run_id;
  bool had_uploads = false;
  if (auto uploads = store.JournaledUploads(run.run_id)) {
    had_uploads = !uploads->empty();
    for (const store::JournaledUpload& upload : *uploads) {
      const s3::S3Location location{upload.bucket, upload.key};
      // A completed object of a publish that did not finish is removed, as the engine's own
      // unwind does; an open upload is aborted. Either already gone counts as done.
      Result<void> done = upload.completed ? s3.DeleteObject(location)
                                           : s3.AbortMultipartUpload(location, upload.upload_id);
      if (done || done.error().code == ErrorCode::kNotFound) {
        ++(upload.completed ? recovered.objects_removed : recovered.uploads_aborted);
        if (auto forgot = store.ForgetUpload(upload.upload_id); !forgot) {
          log.Warn("the upload journal keeps a settled upload: " + forgot.error().ToString());
        }
      } else {
        recovered.uploads_left.push_back(fmt::format(
            "{} s3://{}/{} (upload {}): {}", upload.completed ? "object" : "incomplete upload of",
            upload.bucket, upload.key, upload.upload_id, done.error().message));
      }
    }
  } else {
    recovered.uploads_left.push_back("the journal could not be read: " +
                                     uploads.error().ToString());
  }
  unload::InterruptedRun interrupted;
  interrupted.run_id = run.run_id;
  interrupted.day = run.day;
  interrupted.started_ms = run.started_ms;
  interrupted.found_ms = run.finished_ms.value_or(run.started_ms);
  interrupted.message = run.result.error_message;
  interrupted.passed_ownership = had_uploads;
  // Recorded either now or by the run itself before it was killed (nullopt).
  if (auto row = unload::RecordInterruptedRun(spec, domo, interrupted)) {
    recovered.metrics_recorded = true;
  } else {
    recovered.metrics_error = log.Redact(row.error().ToString());
  }
  log.Info(DescribeRecovery(recovered));
  return recovered;
}

Result<std::vector<RecoveredRun>> RecoverJob(store::Store& store, const unload::JobSpec& spec,
                                             s3::S3Client& s3, domo::DomoClient& domo,
                                             Logger& log) {
  auto marked = store.MarkInterruptedRuns(spec.name);
  if (!marked) return Fail(marked.error());
  std::vector<RecoveredRun> recovered;
  for (const std::string& run_id : *marked) {
    auto run = store.GetRun(run_id);
    if (!run) return Fail(run.error());
    recovered.push_back(CleanUpInterruptedRun(store, *run, spec, s3, domo, log));
  }
  return recovered;
}

std::string DescribeRecovery(const RecoveredRun& r) {
  std::string text = fmt::format(
      "recovered interrupted run {}: {} incomplete upload(s) aborted, {} object(s) of its "
      "unfinished publish removed",
      r.run_id, r.uploads_aborted, r.objects_removed);
  for (const std::string& left : r.uploads_left) text += "; NOT aborted: " + left;
  text += r.metrics_recorded ? "; FAILED metrics row written to the writeback dataset"
                             : "; the FAILED metrics row could not be written: " + r.metrics_error;
  return text;
}

}  // namespace s3u::jobs
