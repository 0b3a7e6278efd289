#include "emulator/s3_export.h"

#include <chrono>
#include <thread>

#include "core/clock.h"
#include "core/executor.h"
#include "core/gzip.h"
#include "http/curl_client.h"
#include "s3/client.h"
#include "s3/credentials.h"
#include "s3/uploader.h"

namespace s3u::emulator {
namespace {

// CSV is gzipped in batches of this size: large enough for zlib to compress well, small
// enough that memory stays far below the uploader's part buffer.
constexpr size_t kBatchBytes = 256 * 1024;

// Sleeps until `bytes` may have been produced at `rate` bytes/s since `start`, in short
// steps so a stopping emulator is not held up.
void Throttle(uint64_t bytes, uint64_t rate, std::chrono::steady_clock::time_point start,
              const std::atomic<bool>& stop) {
  if (rate == 0) return;
  const auto due = start + std::chrono::milliseconds(bytes * 1000 / rate);
  while (!stop.load() && std::chrono::steady_clock::now() < due) {
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        due - std::chrono::steady_clock::now(), std::chrono::milliseconds(50)));
  }
}

}  // namespace

Result<S3ExportResult> RunS3Export(const S3ExportJob& job, const DataSnapshot& data,
                                   const SelectPlan& plan, const std::atomic<bool>& stop,
                                   Logger& log) {
  http::HttpOptions http_options;
  http_options.connect_timeout = std::chrono::seconds(5);
  http::CurlHttpClient http(http_options);
  s3::StaticCredentialsProvider credentials(job.credentials);
  SystemClock clock;
  s3::ClientOptions options;
  options.region = job.region;
  options.endpoint_url = job.endpoint;
  // "Cross-region exports are unsupported" (§8): a wrong region fails instead of following.
  options.correct_region = false;
  options.retry.max_attempts = 3;
  auto client = s3::S3Client::Create(http, credentials, clock, log, options);
  if (!client) return Fail(client.error());

  InlineExecutor executor;
  s3::UploadOptions upload_options;
  upload_options.concurrency = 1;
  upload_options.object.content_type = "application/gzip";
  s3::StreamingUploader uploader(**client, executor, log, {job.bucket, job.key}, upload_options);
  GzipWriter gzip([&](std::string_view compressed) { return uploader.Write(compressed); });

  S3ExportResult result;
  std::optional<Error> failure;
  std::string batch;
  const auto start = std::chrono::steady_clock::now();
  auto flush = [&]() -> bool {
    result.csv_bytes += batch.size();
    auto written = gzip.Write(batch);
    batch.clear();
    if (!written) {
      failure = written.error();
      return false;
    }
    Throttle(result.csv_bytes, job.bytes_per_second, start, stop);
    if (stop.load()) {
      failure = Error{ErrorCode::kCancelled, "export", "the emulator is shutting down", 0, {}};
      return false;
    }
    return true;
  };
  if (job.include_bom) batch = "\xEF\xBB\xBF";
  AppendExportRecord(job.csv, HeaderRow(plan.output_schema), batch);
  data.Query(plan, [&](const Row& row) {
    AppendExportRecord(job.csv, row, batch);
    ++result.rows;
    return batch.size() < kBatchBytes || flush();
  });
  if (!failure && flush()) {
    if (auto finished = gzip.Finish(); !finished) failure = finished.error();
  }
  if (failure) return Fail(uploader.AbortWith(std::move(*failure)));
  auto uploaded = uploader.Finish();
  if (!uploaded) return Fail(uploaded.error());
  return result;
}

}  // namespace s3u::emulator
