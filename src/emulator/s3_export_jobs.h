// The Export-to-S3 API (domo-api.md §8) of the emulated instance: the export jobs of each
// dataset, started on a background executor (s3_export.h does one job's work) and listed with
// their status.
//
// Thread-safety: every method may be called concurrently (the model's lock, never held while
// S3 is written); jobs run on `background`, which must be stopped before the S3ExportJobs are
// destroyed, and end as cancelled once `stopping` is true.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/executor.h"
#include "emulator/model.h"

namespace s3u::emulator {

class S3ExportJobs {
 public:
  S3ExportJobs(Model& model, Executor& background, const std::atomic<bool>& stopping)
      : model_(model), background_(background), stopping_(stopping) {}

  // Starts an export of a readable dataset, or answers the active one, or the previous one
  // when neither the data nor the request changed. `fail_with` (the export_error fault) makes
  // the job end in error; `bytes_per_second` (the slow fault) throttles it.
  Result<Json> Start(const Caller& caller, const std::string& id, const Json& body,
                     const std::optional<std::string>& fail_with, uint64_t bytes_per_second);
  Result<Json> List(const Caller& caller, const std::string& id);

 private:
  struct ExportRecord {
    std::string export_id, bucket, key, status = "none", error_code, message;
    TimePoint started;
    std::optional<TimePoint> finished;
    uint64_t data_version = 0;
    std::string request_key;  // bucket, path, region and query: "same export" for reuse
    std::map<std::string, uint64_t> url_rows;
  };
  static Json ExportJson(const ExportRecord& e, bool iso);

  Model& model_;
  Executor& background_;
  const std::atomic<bool>& stopping_;
  // GUARDED_BY(model_.mu): dataset id -> its exports, oldest first.
  std::map<std::string, std::vector<ExportRecord>> exports_;
};

}  // namespace s3u::emulator
