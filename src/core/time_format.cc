#include "core/time_format.h"

#include <cstdlib>
#include <limits>

namespace s3u {

int64_t EpochMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string FormatDuration(std::chrono::milliseconds d) {
  // llabs of the most negative value is undefined; clamp first.
  const long long raw = d.count();
  const long long ms = raw == std::numeric_limits<long long>::min()
                           ? std::numeric_limits<long long>::max()
                           : std::llabs(raw);
  if (ms < 1000) return std::to_string(ms) + "ms";
  long long s = ms / 1000;
  const long long days = s / 86400;
  s %= 86400;
  const long long hours = s / 3600;
  s %= 3600;
  const long long minutes = s / 60;
  s %= 60;
  std::string out;
  if (days > 0) out += std::to_string(days) + "d ";
  if (days > 0 || hours > 0) out += std::to_string(hours) + "h ";
  if (days > 0 || hours > 0 || minutes > 0) out += std::to_string(minutes) + "m ";
  return out + std::to_string(s) + "s";
}

}  // namespace s3u
