#include "service/progress.h"

#include <cmath>

#include "core/time_format.h"

namespace s3u::service {

using nlohmann::json;

json ProgressJson(const unload::Progress& progress, std::chrono::milliseconds elapsed,
                  int64_t updated_ms) {
  const unload::ProgressRates rates = unload::ProgressRatesOf(progress, elapsed);
  return {
      {"rows", progress.rows},
      {"total_rows", progress.expected_rows > 0 ? json(progress.expected_rows) : json(nullptr)},
      {"bytes", progress.bytes},
      {"objects", progress.objects},
      {"rate_rows_per_s", std::round(rates.rows_per_s * 10) / 10},
      {"bytes_per_s", static_cast<uint64_t>(std::llround(rates.bytes_per_s))},
      {"eta_s", rates.eta_s ? json(static_cast<int64_t>(std::ceil(*rates.eta_s))) : json(nullptr)},
      {"updated", IsoUtc(updated_ms)},
  };
}

void LiveProgress::Begin(const std::string& run_id) {
  Entry entry{{}, clock_.Monotonic(), EpochMillis(clock_.Now())};
  std::lock_guard lock(mu_);
  runs_[run_id] = entry;
}

void LiveProgress::Update(const std::string& run_id, const unload::Progress& progress) {
  const int64_t now = EpochMillis(clock_.Now());
  std::lock_guard lock(mu_);
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return;
  it->second.progress = progress;
  it->second.updated_ms = now;
}

void LiveProgress::End(const std::string& run_id) {
  std::lock_guard lock(mu_);
  runs_.erase(run_id);
}

std::optional<json> LiveProgress::Json(const std::string& run_id) const {
  const auto now = clock_.Monotonic();
  std::lock_guard lock(mu_);
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return std::nullopt;
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - it->second.began);
  return ProgressJson(it->second.progress, elapsed, it->second.updated_ms);
}

}  // namespace s3u::service
