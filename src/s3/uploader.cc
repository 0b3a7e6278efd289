#include "s3/uploader.h"

#include <fmt/format.h>

#include <memory>
#include <vector>

#include "core/crash_point.h"

namespace s3u::s3 {

StreamingUploader::StreamingUploader(S3Client& client, Executor& executor, Logger& log,
                                     S3Location location, UploadOptions options)
    : client_(client),
      executor_(executor),
      log_(log),
      location_(std::move(location)),
      options_(std::move(options)) {
  if (options_.expected_size) {
    // An invalid size was reported by the caller's validation (PartSizeForKnownSize); fall
    // back to the growing plan rather than failing here.
    auto planned = PartSizeForKnownSize(*options_.expected_size, options_.part_size);
    if (planned) known_part_size_ = *planned;
  }
  if (known_part_size_ == 0) unknown_plan_.emplace(options_.part_size);
  buffer_.reserve(PartSize(1));
}

StreamingUploader::~StreamingUploader() {
  if (!finished_) Abort();
}

uint64_t StreamingUploader::PartSize(int part_number) const {
  return unknown_plan_ ? unknown_plan_->PartSize(part_number) : known_part_size_;
}

Result<void> StreamingUploader::FirstError() {
  std::lock_guard lock(mu_);
  if (error_) return Fail(*error_);
  return {};
}

Result<void> StreamingUploader::Write(std::string_view data) {
  if (finished_ || sealed_) {
    return Fail(ErrorCode::kFailedPrecondition, ResourceName(location_.bucket, location_.key),
                "write after the upload was sealed, finished or aborted");
  }
  while (!data.empty()) {
    const uint64_t room = PartSize(next_part_) - buffer_.size();
    if (room == 0) {
      // The buffer is full and more data follows: it becomes a part. (A full buffer at the
      // end of the stream is sent by Finish, as a single PutObject if it is the only one.)
      if (auto sent = DispatchPart(); !sent) return sent;
      continue;
    }
    const size_t take = static_cast<size_t>(std::min<uint64_t>(room, data.size()));
    buffer_.append(data.data(), take);
    data.remove_prefix(take);
    bytes_written_ += take;
  }
  return FirstError();
}

Result<void> StreamingUploader::DispatchPart() {
  if (next_part_ > 10000) {
    return Fail(ErrorCode::kInvalidArgument, ResourceName(location_.bucket, location_.key),
                fmt::format("the stream is larger than {} bytes, the most 10,000 parts can hold "
                            "with --part-size {}; give --expected-size or a larger --part-size",
                            unknown_plan_ ? unknown_plan_->Capacity() : known_part_size_ * 10000,
                            options_.part_size));
  }
  if (upload_id_.empty()) {
    auto id = client_.CreateMultipartUpload(location_, options_.object);
    if (!id) return Fail(id.error());
    upload_id_ = *id;
    log_.Debug(fmt::format("multipart upload {} started for {}", upload_id_,
                           ResourceName(location_.bucket, location_.key)));
    if (options_.journal != nullptr) {
      if (auto journaled = options_.journal->Opened(location_, upload_id_); !journaled) {
        Error error = journaled.error();
        error.message =
            "the multipart upload could not be journaled, so it was not started: " + error.message;
        return Fail(error);  // the caller's AbortWith aborts the upload
      }
    }
    CrashPoint("upload-opened");
  }
  {
    // Admission before the task exists: memory stays bounded by concurrency.
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ < options_.concurrency || error_; });
    if (error_) return Fail(*error_);
    ++in_flight_;
  }
  const int part_number = next_part_++;
  auto body = std::make_shared<std::string>(std::move(buffer_));
  buffer_ = TakeBuffer(PartSize(next_part_));
  executor_.Submit([this, part_number, body] {
    auto part =
        client_.UploadPart(location_, upload_id_, part_number, *body, options_.object.checksum);
    {
      std::lock_guard lock(mu_);
      --in_flight_;
      body->clear();  // keeps its capacity for the next part
      free_buffers_.push_back(std::move(*body));
      if (part) {
        CrashPoint("part-uploaded");
        completed_[part_number] = std::move(*part);
      } else if (!error_) {
        error_ = part.error();
      }
      // Under the lock: once in_flight_ reaches 0, WaitForAll may return and the uploader be
      // destroyed, which must not happen while this thread still touches cv_ (ThreadSanitizer
      // saw it: a part task notifying a condition variable the run's thread was destroying).
      cv_.notify_all();
    }
  });
  return {};
}

std::string StreamingUploader::TakeBuffer(uint64_t size) {
  std::string buffer;
  {
    std::lock_guard lock(mu_);
    if (!free_buffers_.empty()) {
      buffer = std::move(free_buffers_.back());
      free_buffers_.pop_back();
    }
  }
  buffer.reserve(size);
  return buffer;
}

void StreamingUploader::WaitForAll() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return in_flight_ == 0; });
}

Result<UploadResult> StreamingUploader::Finish() {
  if (finished_) {
    return Fail(ErrorCode::kFailedPrecondition, ResourceName(location_.bucket, location_.key),
                "the upload was already finished or aborted");
  }
  if (sealed_) return Commit();
  if (upload_id_.empty()) {
    // The whole stream fitted in one buffer: one PutObject, atomic by nature.
    finished_ = true;
    auto etag = client_.PutObject(location_, buffer_, options_.object);
    if (!etag) return Fail(etag.error());
    return UploadResult{*etag, bytes_written_, 0};
  }
  if (auto sealed = Seal(); !sealed) return Fail(sealed.error());
  return Commit();
}

Result<void> StreamingUploader::Seal() {
  if (finished_ || sealed_) {
    return Fail(ErrorCode::kFailedPrecondition, ResourceName(location_.bucket, location_.key),
                "the upload was already sealed, finished or aborted");
  }
  if (!buffer_.empty() || upload_id_.empty()) {
    if (auto sent = DispatchPart(); !sent) return Fail(AbortWith(sent.error()));
  }
  buffer_ = std::string();  // a sealed upload holds no data
  WaitForAll();
  {
    std::lock_guard lock(mu_);
    free_buffers_.clear();
    free_buffers_.shrink_to_fit();
  }
  if (auto failed = FirstError(); !failed) return Fail(AbortWith(failed.error()));
  sealed_ = true;
  return {};
}

Result<UploadResult> StreamingUploader::Commit() {
  if (!sealed_ || finished_) {
    return Fail(ErrorCode::kFailedPrecondition, ResourceName(location_.bucket, location_.key),
                "commit needs a sealed upload that was not finished or aborted");
  }
  std::vector<CompletedPart> parts;
  {
    std::lock_guard lock(mu_);
    for (auto& [number, part] : completed_) parts.push_back(part);
  }
  auto completed =
      client_.CompleteMultipartUpload(location_, upload_id_, parts, options_.object.create_only);
  if (!completed) return Fail(AbortWith(completed.error()));
  finished_ = true;
  if (options_.journal != nullptr) options_.journal->Completed(upload_id_);
  CrashPoint("object-completed");
  std::string etag = completed->etag;
  if (etag.empty()) {
    // Some stores (radosgw) complete with an empty <ETag/>; HEAD has the real one.
    if (auto head = client_.HeadObject(location_)) etag = head->etag;
  }
  return UploadResult{etag, bytes_written_, static_cast<int>(parts.size())};
}

Error StreamingUploader::AbortWith(Error cause) {
  const std::string id = upload_id_;
  Abort();
  // Abort() logs a refused abort; the returned error must say it too, since the caller
  // reports only this error.
  std::lock_guard lock(mu_);
  if (abort_failed_) {
    cause.message += fmt::format(
        "; the incomplete multipart upload {} could not be aborted ({}) and is left behind: "
        "remove it with `aws s3api abort-multipart-upload --bucket {} --key {} --upload-id {}` "
        "or a lifecycle rule (AbortIncompleteMultipartUpload)",
        id, abort_error_, location_.bucket, location_.key, id);
  }
  return cause;
}

void StreamingUploader::Abort() noexcept {
  if (finished_) return;
  finished_ = true;
  try {
    {
      // Stop admitting parts, then let the ones in flight end: their bodies are in use.
      std::lock_guard lock(mu_);
      if (!error_) error_ = Error{ErrorCode::kCancelled, "", "upload aborted", 0, {}};
    }
    cv_.notify_all();
    WaitForAll();
    if (upload_id_.empty()) return;
    auto aborted = client_.AbortMultipartUpload(location_, upload_id_);
    if (!aborted && aborted.error().code == ErrorCode::kNotFound) {
      // NoSuchUpload: already completed or aborted; nothing of it is left to clean up.
      log_.Debug(fmt::format("multipart upload {} no longer exists", upload_id_));
      if (options_.journal != nullptr) options_.journal->Aborted(upload_id_);
    } else if (!aborted) {
      std::lock_guard lock(mu_);
      abort_failed_ = true;
      abort_error_ = aborted.error().message;
      log_.Error(fmt::format("could not abort multipart upload {} of {}: {}", upload_id_,
                             ResourceName(location_.bucket, location_.key),
                             aborted.error().message));
    } else {
      log_.Debug(fmt::format("multipart upload {} aborted", upload_id_));
      if (options_.journal != nullptr) options_.journal->Aborted(upload_id_);
    }
  } catch (...) {
    // Cleanup must never throw (it runs from destructors); the only throwing calls here
    // are allocations, and a failed allocation leaves nothing better to do.
    log_.Error("abort of a multipart upload failed with an exception");
  }
}

}  // namespace s3u::s3
