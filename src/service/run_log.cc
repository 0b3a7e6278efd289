#include "service/run_log.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/time_format.h"

namespace s3u::service {
namespace {

// `text` cut to at most `limit` bytes at a UTF-8 character boundary, saying how much was cut.
std::string Cut(std::string_view text, size_t limit) {
  if (text.size() <= limit) return std::string(text);
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return fmt::format("{}… ({} bytes cut)", text.substr(0, end), text.size() - end);
}

}  // namespace

void RunLogBuffer::Add(LogLevel level, int64_t time_ms, std::string_view text) {
  const int64_t seq = total_++;
  unsaved_.push_back({seq, time_ms, level, Cut(text, limits_.line_bytes)});
  // At most one line leaves the tail per line added: the first unsaved one past the head.
  const auto head = static_cast<int64_t>(limits_.head_lines);
  const int64_t tail_from = total_ - static_cast<int64_t>(limits_.tail_lines);
  for (auto it = unsaved_.begin(); it != unsaved_.end(); ++it) {
    if (it->seq < head) continue;
    if (it->seq < tail_from) unsaved_.erase(it);
    break;
  }
}

store::RunLogBatch RunLogBuffer::Unsaved() const {
  store::RunLogBatch batch;
  batch.lines.assign(unsaved_.begin(), unsaved_.end());
  batch.dropped_from = std::max(static_cast<int64_t>(limits_.head_lines), dropped_saved_to_);
  batch.dropped_to =
      std::max(batch.dropped_from, total_ - static_cast<int64_t>(limits_.tail_lines));
  return batch;
}

void RunLogBuffer::MarkSaved(const store::RunLogBatch& batch) {
  dropped_saved_to_ = std::max(dropped_saved_to_, batch.dropped_to);
  if (batch.lines.empty()) return;
  const int64_t last = batch.lines.back().seq;
  while (!unsaved_.empty() && unsaved_.front().seq <= last) unsaved_.pop_front();
}

nlohmann::json RunLogJson(std::string_view run_id, const std::vector<store::RunLogLine>& lines) {
  nlohmann::json list = nlohmann::json::array();
  int64_t next = 0;  // the seq that follows the previous line
  int64_t dropped = 0;
  for (const store::RunLogLine& line : lines) {
    dropped += line.seq - next;
    next = line.seq + 1;
    list.push_back({{"seq", line.seq},
                    {"time", IsoUtcMillis(std::chrono::system_clock::time_point(
                                 std::chrono::milliseconds(line.time_ms)))},
                    {"level", std::string(LogLevelName(line.level))},
                    {"text", line.text}});
  }
  return {{"run_id", std::string(run_id)},
          {"lines", std::move(list)},
          {"truncated", dropped > 0},
          {"dropped_lines", dropped}};
}

RunLog::RunLog(store::Store& store, std::string run_id, Clock& clock, Logger& service_log,
               RunLogLimits limits)
    : store_(store),
      run_id_(std::move(run_id)),
      clock_(clock),
      service_log_(service_log),
      buffer_(limits) {}

void RunLog::Add(LogLevel level, std::string_view line) {
  const auto now = clock_.Now();
  std::lock_guard lock(mu_);
  buffer_.Add(level, EpochMillis(now), line);
  if (recorded_ && (level >= LogLevel::kWarn || buffer_.unsaved_lines() >= kRunLogSaveLines ||
                    now - saved_ >= kRunLogSaveEvery)) {
    SaveLocked();
  }
}

void RunLog::Recorded() {
  std::lock_guard lock(mu_);
  recorded_ = true;
  SaveLocked();
}

void RunLog::Save() {
  std::lock_guard lock(mu_);
  if (recorded_) SaveLocked();
}

void RunLog::SaveLocked() {
  saved_ = clock_.Now();
  const store::RunLogBatch batch = buffer_.Unsaved();
  if (batch.lines.empty() && batch.dropped_to == batch.dropped_from) return;
  if (auto ok = store_.AppendRunLog(run_id_, batch); !ok) {
    // The lines stay in the buffer (bounded) for the next save.
    if (!failure_reported_) {
      service_log_.Warn("run " + run_id_ + ": its log is not saved: " + ok.error().ToString());
      failure_reported_ = true;
    }
    return;
  }
  buffer_.MarkSaved(batch);
}

void RunLogHistory::Began(const unload::RunStart& start) {
  inner_.Began(start);
  log_.Recorded();
  run_logger_.Info(fmt::format("started: dataset {}, day {} ({}), {} engine, attempt {}",
                               start.input_dataset_id, start.day, start.time_zone, start.engine,
                               start.id.attempt));
}

void RunLogHistory::Finished(const std::string& run_id, const unload::RunEnd& end) {
  if (end.status == RunStatus::kSucceeded) {
    run_logger_.Info(fmt::format("succeeded: {} rows, {} object(s), {} bytes", end.rows,
                                 end.objects, end.bytes));
  } else if (end.error) {
    run_logger_.Warn("ended: " + end.error->ToString());
  } else {
    run_logger_.Warn(fmt::format("ended: {}", RunStatusName(end.status)));
  }
  log_.Save();
  inner_.Finished(run_id, end);
}

void RunLogHistory::NotStarted(const unload::RunIdentity& id, int64_t at_ms, const Error& error) {
  inner_.NotStarted(id, at_ms, error);
  log_.Recorded();
}

}  // namespace s3u::service
