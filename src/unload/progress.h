// How far a run has got while it moves data, and the rate and ETA that follow from it. The
// runner reports a Progress after every page it writes (RunDeps::on_progress); the CLI's
// progress line and the service's live progress (service/progress.h) both turn it into rates
// with ProgressRatesOf, so the two agree. Pure.
//
// Thread-safety: plain values and a pure function.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace s3u::unload {

struct Progress {
  uint64_t rows = 0;
  uint64_t expected_rows = 0;  // the day's COUNT(*); 0 when unknown
  uint64_t bytes = 0;          // bytes written to S3 so far (after compression)
  uint64_t objects = 0;        // objects begun so far, the one being written included
};

struct ProgressRates {
  double rows_per_s = 0;  // 0 until some time has passed
  double bytes_per_s = 0;
  // Seconds left at the average rate so far: nullopt when the total is unknown
  // (expected_rows 0) or no row has moved yet; 0 once the rows reach the total.
  std::optional<double> eta_s;
};

// The average rates over `elapsed` (since the run began moving data) and the ETA they give.
// A zero or negative `elapsed` gives zero rates and no ETA.
ProgressRates ProgressRatesOf(const Progress& progress, std::chrono::milliseconds elapsed);

}  // namespace s3u::unload
