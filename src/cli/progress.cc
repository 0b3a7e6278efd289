#include "cli/progress.h"

#include <fmt/format.h>

#include "core/bytes.h"

namespace s3u::cli {

std::string FormatProgress(uint64_t done, std::optional<uint64_t> total,
                           std::chrono::milliseconds elapsed) {
  const double seconds = static_cast<double>(elapsed.count()) / 1000.0;
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  std::string line = "  " + FormatBytes(done);
  if (total && *total > 0) {
    line += fmt::format(
        " / {}  {:3d}%", FormatBytes(*total),
        static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(*total)));
  }
  line += fmt::format("  {:.1f} MB/s", rate / 1e6);
  if (total && rate > 0 && *total >= done) {
    const auto eta = static_cast<long long>(static_cast<double>(*total - done) / rate + 0.5);
    if (eta >= 60) {
      line += fmt::format("  ETA {}m{:02d}s", eta / 60, static_cast<int>(eta % 60));
    } else {
      line += fmt::format("  ETA {}s", eta);
    }
  }
  return line;
}

ProgressLine::ProgressLine(Clock& clock, bool enabled, std::optional<uint64_t> total, FILE* out)
    : clock_(clock), enabled_(enabled), total_(total), out_(out), start_(clock.Monotonic()) {}

void ProgressLine::Update(uint64_t done) {
  if (!enabled_) return;
  const auto now = clock_.Monotonic();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - start_);
  std::string line = FormatProgress(done, total_, elapsed);
  std::fprintf(out_, "\r\033[K%s", line.c_str());
  std::fflush(out_);
}

void ProgressLine::Clear() {
  if (!enabled_ || !drawn_) return;
  std::fprintf(out_, "\r\033[K");
  std::fflush(out_);
}

}  // namespace s3u::cli
