#include "core/cpu_meter.h"

#include <fstream>
#include <sstream>
#include <string>

namespace s3u {

std::optional<double> IdleShare(const std::optional<CpuTimes>& from,
                                const std::optional<CpuTimes>& to) {
  if (!from || !to || to->total <= from->total || to->idle < from->idle) return std::nullopt;
  return static_cast<double>(to->idle - from->idle) / static_cast<double>(to->total - from->total);
}

std::optional<CpuTimes> ProcStatCpuMeter::Read() const {
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice" (proc(5)); guest
  // time is already counted in user and nice, so it is left out of the total.
  std::ifstream stat("/proc/stat");
  std::string line;
  if (!std::getline(stat, line) || line.rfind("cpu ", 0) != 0) return std::nullopt;
  std::istringstream fields(line.substr(4));
  uint64_t v[8] = {};
  for (uint64_t& value : v) {
    if (!(fields >> value)) return std::nullopt;
  }
  CpuTimes times;
  times.idle = v[3] + v[4];
  for (uint64_t value : v) times.total += value;
  return times;
}

}  // namespace s3u
