// The work of one Export-to-S3 job (§8): the selected rows of a dataset snapshot, as a gzip
// CSV with a header, uploaded to <bucket>/<path>/<exportId>/export/data.csv.gz in a real S3
// store through the project's own S3 client with the caller's AWS keys. Memory is bounded by
// the uploader's part buffers, not by the dataset. Wrong keys fail as the store answers them.
//
// Thread-safety: RunS3Export may run on several threads at once (one job each).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/log.h"
#include "emulator/data.h"
#include "emulator/sql.h"
#include "s3/sigv4.h"

namespace s3u::emulator {

struct S3ExportJob {
  std::string bucket;
  std::string key;  // <path>/<exportId>/export/data.csv.gz
  std::string region = "us-east-1";
  s3::Credentials credentials;
  std::optional<std::string> endpoint;  // config s3.endpoint; Amazon S3 when absent
  bool include_bom = false;             // queryRequest.includeBOM
  CsvFormat csv;
  uint64_t bytes_per_second = 0;  // the slow fault: throttles the CSV produced; 0 = unthrottled
};

struct S3ExportResult {
  uint64_t rows = 0;
  uint64_t csv_bytes = 0;  // uncompressed
};

// Runs the job to the end. Errors are the S3 client's (kUnauthenticated for wrong keys,
// kNotFound for a missing bucket, ...); kCancelled when `stop` becomes true meanwhile. On any
// failure the multipart upload is aborted, so no partial object is left visible.
Result<S3ExportResult> RunS3Export(const S3ExportJob& job, const DataSnapshot& data,
                                   const SelectPlan& plan, const std::atomic<bool>& stop,
                                   Logger& log);

}  // namespace s3u::emulator
