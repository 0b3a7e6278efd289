#include "unload/progress.h"

namespace s3u::unload {

ProgressRates ProgressRatesOf(const Progress& progress, std::chrono::milliseconds elapsed) {
  ProgressRates rates;
  if (elapsed.count() <= 0) return rates;
  const double seconds = static_cast<double>(elapsed.count()) / 1000.0;
  rates.rows_per_s = static_cast<double>(progress.rows) / seconds;
  rates.bytes_per_s = static_cast<double>(progress.bytes) / seconds;
  if (progress.expected_rows == 0 || progress.rows == 0) return rates;
  // More rows than counted (rows added to the day meanwhile): nothing is known to be left.
  const uint64_t left =
      progress.expected_rows > progress.rows ? progress.expected_rows - progress.rows : 0;
  rates.eta_s = static_cast<double>(left) / rates.rows_per_s;
  return rates;
}

}  // namespace s3u::unload
