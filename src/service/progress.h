// The live progress of the runs this process is running (docs/api.md, "Runs"): rows, bytes and
// objects so far, with the average rates and the ETA, as GET /api/v1/runs/{id} shows them and
// the page draws its progress bar from. The launcher feeds it from the runner's on_progress (once
// per page written), the API reads it. It lives in memory only: a run's entry exists from the
// moment its thread starts to the moment ExecuteRun returns, and a restart forgets it (an
// interrupted run is FAILED on the next start anyway).
//
// The rates are averages since the run's thread started (unload::ProgressRatesOf), measured on
// the injected clock when the progress is read, so a run stalled on a slow page is seen to slow
// down. The ETA needs the day's row count, which the direct engine knows before it moves a row;
// the domo-export engine reports nothing until it ends (rows 0, total and ETA null).
//
// Thread-safety: LiveProgress may be used from any thread; ProgressJson is pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/clock.h"
#include "unload/progress.h"

namespace s3u::service {

// {"rows", "total_rows" (null: unknown), "bytes", "objects", "rate_rows_per_s" (one decimal),
//  "bytes_per_s" (whole), "eta_s" (whole seconds, rounded up; null: total unknown or no row
//  yet), "updated" (ISO-8601 UTC of the last report)}. `elapsed` is since the run began.
nlohmann::json ProgressJson(const unload::Progress& progress, std::chrono::milliseconds elapsed,
                            int64_t updated_ms);

class LiveProgress {
 public:
  // `clock` measures the rates (Monotonic) and stamps the reports (Now); it must outlive this.
  explicit LiveProgress(const Clock& clock) : clock_(clock) {}
  LiveProgress(const LiveProgress&) = delete;
  LiveProgress& operator=(const LiveProgress&) = delete;

  // The run `run_id` starts now, with nothing moved yet.
  void Begin(const std::string& run_id);
  // The run's latest counts (unload::RunDeps::on_progress); ignored for a run not begun here.
  void Update(const std::string& run_id, const unload::Progress& progress);
  // The run has ended: its progress is forgotten.
  void End(const std::string& run_id);

  // ProgressJson of the run as of now; nullopt when the run is not running in this process.
  std::optional<nlohmann::json> Json(const std::string& run_id) const;

 private:
  struct Entry {
    unload::Progress progress;
    std::chrono::steady_clock::time_point began;
    int64_t updated_ms = 0;
  };
  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> runs_;  // GUARDED_BY(mu_), by run id
};

}  // namespace s3u::service
