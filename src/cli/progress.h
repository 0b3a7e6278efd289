// The progress line shown on a terminal while data moves: bytes, rate, ETA (when the total
// is known). Formatting is pure (FormatProgress); ProgressLine decides when to redraw.
//
// Thread-safety: ProgressLine is used from the thread that reads the input.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "core/clock.h"

namespace s3u::cli {

// "  1.00 GiB / 2.00 GiB  50%  210.3 MB/s  ETA 5s" (total known) or
// "  1.00 GiB  210.3 MB/s" (unknown). Rates in decimal MB/s, the unit the peers print.
std::string FormatProgress(uint64_t done, std::optional<uint64_t> total,
                           std::chrono::milliseconds elapsed);

class ProgressLine {
 public:
  // Draws only when `enabled` (stderr is a terminal and --no-progress was not given).
  ProgressLine(Clock& clock, bool enabled, std::optional<uint64_t> total, FILE* out = stderr);
  // Redraws at most 10 times a second.
  void Update(uint64_t done);
  // Clears the line so the summary starts on a clean line.
  void Clear();

 private:
  Clock& clock_;
  bool enabled_;
  std::optional<uint64_t> total_;
  FILE* out_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
};

}  // namespace s3u::cli
