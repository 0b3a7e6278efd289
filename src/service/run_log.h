// A service run's own log, kept with the run (GET /api/v1/runs/{id}/log, the history page's
// "Log"). Every line the run's Logger emits (already redacted and with control characters
// escaped: core/log.h) is stamped with the clock's time and numbered (seq 0, 1, 2, ...).
//
// The bound: a run keeps its first kRunLogHeadLines and its last kRunLogTailLines lines, each
// cut to kRunLogLineBytes; the lines between are left out (their seq numbers are the gap, so
// the reader knows how many). Memory and the store each hold at most head + tail lines per run,
// whatever the run logs.
//
// Saving: lines wait in memory until the run is in the store (RunLogHistory::Began/NotStarted),
// then go to the store in batches as the run goes: when kRunLogSaveLines lines wait, at once
// for a warning or an error, and when a line comes kRunLogSaveEvery after the last save. The
// whole log is saved before the run's end is recorded, so whoever sees the run ended sees its
// log. A process that dies keeps what was saved: at most the last second's info lines are lost.
//
// Thread-safety: RunLogBuffer is a plain value (the caller serializes); RunLog and RunLogHistory
// may be used from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "store/store.h"
#include "unload/history.h"

namespace s3u::service {

// The first lines show what the run set out to do, the last ones how it ended; a retry storm
// in between is what gets left out. 500 lines of at most 2 KiB: about 1 MiB per run at worst.
inline constexpr size_t kRunLogHeadLines = 100;
inline constexpr size_t kRunLogTailLines = 400;
inline constexpr size_t kRunLogLineBytes = 2048;
// Batching: one store transaction per 16 lines, or per second, at most.
inline constexpr size_t kRunLogSaveLines = 16;
inline constexpr std::chrono::seconds kRunLogSaveEvery{1};

struct RunLogLimits {
  size_t head_lines = kRunLogHeadLines;
  size_t tail_lines = kRunLogTailLines;
  size_t line_bytes = kRunLogLineBytes;  // a longer line is cut, saying by how much
};

// The bounded log of one run, as far as the store does not have it yet.
class RunLogBuffer {
 public:
  explicit RunLogBuffer(RunLogLimits limits = {}) : limits_(limits) {}

  // Numbers the line and keeps it until saved, unless it falls between the head and the tail.
  void Add(LogLevel level, int64_t time_ms, std::string_view text);

  // What the store lacks: the kept lines not saved yet, by seq, and the lines dropped since
  // the last save (no lines and dropped_from == dropped_to: nothing to do).
  store::RunLogBatch Unsaved() const;
  // The store has `batch` (taken from Unsaved with no Add in between): forgets its lines.
  void MarkSaved(const store::RunLogBatch& batch);

  size_t unsaved_lines() const { return unsaved_.size(); }
  int64_t total_lines() const { return total_; }

 private:
  RunLogLimits limits_;
  int64_t total_ = 0;                      // lines added: the next seq
  int64_t dropped_saved_to_ = 0;           // the store has dropped the lines before this
  std::deque<store::RunLogLine> unsaved_;  // by seq; only lines still kept
};

// A run's log as GET /api/v1/runs/{id}/log answers it: {"run_id", "lines": [{"seq", "time"
// (ISO-8601 UTC, ms), "level", "text"}], "truncated", "dropped_lines"}. Dropped lines are the
// gaps in seq.
nlohmann::json RunLogJson(std::string_view run_id, const std::vector<store::RunLogLine>& lines);

// One run's log on its way to the store (see the top comment).
class RunLog {
 public:
  // `store`, `clock` and `service_log` must outlive this; a failed save is reported once, to
  // `service_log` (never to the run's own log, which it would feed).
  RunLog(store::Store& store, std::string run_id, Clock& clock, Logger& service_log,
         RunLogLimits limits = {});
  RunLog(const RunLog&) = delete;
  RunLog& operator=(const RunLog&) = delete;

  // The run's Logger sink: `line` is redacted and escaped already.
  void Add(LogLevel level, std::string_view line);
  // The run is in the store from now on: saves what waits, and later lines as they come.
  void Recorded();
  // Saves what waits (once the run is recorded).
  void Save();

 private:
  void SaveLocked();  // REQUIRES: mu_ held

  store::Store& store_;
  const std::string run_id_;
  Clock& clock_;
  Logger& service_log_;
  std::mutex mu_;
  RunLogBuffer buffer_;                          // GUARDED_BY(mu_)
  bool recorded_ = false;                        // GUARDED_BY(mu_)
  bool failure_reported_ = false;                // GUARDED_BY(mu_)
  std::chrono::system_clock::time_point saved_;  // GUARDED_BY(mu_); the last save
};

// The launcher's history for one run: records through `inner`, and keeps the run's log in step
// with it. It tells `log` when the run is recorded, and at the end logs the run's last line
// ("succeeded: ..." or "ended: <error>") to `run_logger` and saves the whole log before the end
// is recorded. `inner`, `log` and `run_logger` must outlive this.
class RunLogHistory final : public unload::RunHistory {
 public:
  RunLogHistory(unload::RunHistory& inner, RunLog& log, Logger& run_logger)
      : inner_(inner), log_(log), run_logger_(run_logger) {}

  void Began(const unload::RunStart& start) override;
  void Finished(const std::string& run_id, const unload::RunEnd& end) override;
  void NotStarted(const unload::RunIdentity& id, int64_t at_ms, const Error& error) override;
  Result<void> UploadOpened(const std::string& run_id, const std::string& bucket,
                            const std::string& key, const std::string& upload_id) override {
    return inner_.UploadOpened(run_id, bucket, key, upload_id);
  }
  void UploadCompleted(const std::string& upload_id) override { inner_.UploadCompleted(upload_id); }
  void UploadAborted(const std::string& upload_id) override { inner_.UploadAborted(upload_id); }
  void Published(const std::string& run_id) override { inner_.Published(run_id); }

 private:
  unload::RunHistory& inner_;
  RunLog& log_;
  Logger& run_logger_;
};

}  // namespace s3u::service
