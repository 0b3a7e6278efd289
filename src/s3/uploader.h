// StreamingUploader: puts a byte stream of unknown (or known) length at one S3 key.
//
//   small stream (<= first part size)  -> one PutObject at Finish()
//   larger                             -> multipart: parts uploaded in parallel on an Executor
//
// Memory is bounded by configuration, not by the stream: at most `concurrency` parts are in
// flight and one more is being filled, so memory <= part_size x (concurrency + 1) plus a
// constant (the current part size: it grows only past 1,000 parts of a stream of unknown
// length, s3/part_planner.h). Measured: `s3unload upload` at the defaults, 8 MiB x (4 + 1) =
// 40 MiB of buffers, peaks at 58-59 MiB RSS for 100 MB and for 1 GB alike (the constant,
// ~18 MiB, is the program, libcurl, OpenSSL and thread stacks; buffers are recycled and the
// heap is fixed at start, core/allocator.h). Writers block while every slot is busy
// (back-pressure, like s5cmd's semaphore: admission happens before the task starts).
//
// Failure: any error ends the upload; Finish() then aborts the multipart upload (always
// attempted, never throws) so no object becomes visible and no parts are left billed. When
// the abort itself is refused, the error says which upload id was left behind.
//
// Crash safety: with a journal (UploadOptions::journal), every multipart upload id is handed to
// it before the first part is sent, and taken back once the upload completed or was aborted; a
// process killed in between leaves the id in the journal for the next start to abort.
//
// Thread-safety: Write/Finish/Abort are called from one thread; parts run on the executor.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/executor.h"
#include "core/log.h"
#include "s3/client.h"
#include "s3/part_planner.h"

namespace s3u::s3 {

// Where multipart upload ids are kept while they are open (unload's crash journal, kept in the
// store). Called from the uploader's thread.
class UploadJournal {
 public:
  virtual ~UploadJournal() = default;
  // Before the first part. An error fails the upload (it is aborted at once): an upload that
  // could not be journaled would be an orphan after a crash.
  virtual Result<void> Opened(const S3Location& location, const std::string& upload_id) = 0;
  // After CompleteMultipartUpload succeeded: the object is visible from now on.
  virtual void Completed(const std::string& upload_id) = 0;
  // After the upload was aborted (or was gone). Not called when the abort was refused: the
  // upload is still there, and so stays its entry.
  virtual void Aborted(const std::string& upload_id) = 0;
};

struct UploadOptions {
  // First part size; later parts grow for streams of unknown size (s3/part_planner.h).
  // Larger parts: fewer requests and more memory. 8 MiB matches the aws cli. 8 MiB x 4
  // was the fastest point of the sweep within 64 MiB of peak RSS (docs/decisions.md,
  // "Defaults and memory (issue 17)").
  uint64_t part_size = 8ull << 20;
  // Parts uploaded at once. More: faster on high-latency links, more memory.
  int concurrency = 4;
  // Exact size when known (a file): the part size is then planned for it.
  std::optional<uint64_t> expected_size;
  ObjectOptions object;
  UploadJournal* journal = nullptr;  // not owned; null: no journal
};

struct UploadResult {
  std::string etag;
  uint64_t size = 0;
  int parts = 0;  // 0 for a single PutObject
};

class StreamingUploader {
 public:
  // REQUIRES: options validated (ValidatePartSize, concurrency >= 1). References outlive this.
  StreamingUploader(S3Client& client, Executor& executor, Logger& log, S3Location location,
                    UploadOptions options);
  // Aborts an unfinished upload.
  ~StreamingUploader();
  StreamingUploader(const StreamingUploader&) = delete;
  StreamingUploader& operator=(const StreamingUploader&) = delete;

  // Appends bytes. Blocks while all part slots are busy. Returns the first part failure.
  Result<void> Write(std::string_view data);
  // Uploads what is left and completes. On failure the upload is aborted first.
  Result<UploadResult> Finish();
  // Two-phase finish, for a run that publishes several objects together: Seal() sends what
  // is left as the last part (starting a multipart upload even for a small stream, so no
  // sealed object holds memory) and waits for every part; nothing is visible yet. Commit()
  // then completes it (and Finish() after Seal() is Commit()). Abort() works until Commit.
  // On failure both abort the upload first, like Finish().
  Result<void> Seal();
  Result<UploadResult> Commit();
  // Abandons the upload: waits for parts in flight, then aborts the multipart upload.
  // Never throws; failures to abort are logged with the upload id left behind.
  void Abort() noexcept;
  // Abort(), then returns `cause` with, when the abort was refused, the upload id left behind
  // and how to remove it: what a caller reports when it gives up because of `cause`.
  Error AbortWith(Error cause);

  // The multipart upload id, once one was created (for tests and messages).
  std::string upload_id() const { return upload_id_; }

 private:
  uint64_t PartSize(int part_number) const;
  Result<void> DispatchPart();  // sends buffer_ as part next_part_
  void WaitForAll();
  Result<void> FirstError();

  S3Client& client_;
  Executor& executor_;
  Logger& log_;
  const S3Location location_;
  const UploadOptions options_;
  std::optional<UnknownSizePlan> unknown_plan_;
  uint64_t known_part_size_ = 0;

  // A part buffer: from the free list when one is there, else new. Every part buffer comes
  // back to the free list when its part is done, so at most concurrency + 1 are ever
  // allocated: memory stays exactly at the bound, and reused pages cost no page faults.
  std::string TakeBuffer(uint64_t size);

  std::string buffer_;  // the part being filled
  int next_part_ = 1;
  uint64_t bytes_written_ = 0;
  std::string upload_id_;
  bool finished_ = false;
  bool sealed_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;                       // GUARDED_BY(mu_)
  std::optional<Error> error_;              // GUARDED_BY(mu_)
  std::map<int, CompletedPart> completed_;  // GUARDED_BY(mu_)
  std::vector<std::string> free_buffers_;   // GUARDED_BY(mu_); emptied by Seal
  bool abort_failed_ = false;               // GUARDED_BY(mu_)
  std::string abort_error_;                 // GUARDED_BY(mu_)
};

}  // namespace s3u::s3
