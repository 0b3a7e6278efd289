// How much of the machine's CPU time goes unused, as an injected dependency: the automatic
// readers of a run (unload/runner.cc) open up only while the writer waits for pages and the
// machine has CPU to spare, since more readers cannot help a machine whose CPUs are all busy.
// Tests of the runner pass none (its waiting alone then decides).
//
// Thread-safety: Read may be called from any thread (the meter keeps no state).
#pragma once

#include <cstdint>
#include <optional>

namespace s3u {

// Time every CPU of the machine has spent since boot, in the kernel's ticks.
struct CpuTimes {
  uint64_t idle = 0;   // idle, and waiting for I/O
  uint64_t total = 0;  // every state
};

class CpuMeter {
 public:
  virtual ~CpuMeter() = default;
  // nullopt when the times cannot be read.
  virtual std::optional<CpuTimes> Read() const = 0;
};

// The idle share of the CPU time between two readings, 0 to 1; nullopt when either is missing
// or no time passed.
std::optional<double> IdleShare(const std::optional<CpuTimes>& from,
                                const std::optional<CpuTimes>& to);

// Linux's /proc/stat (its first line, the sum over every CPU).
class ProcStatCpuMeter final : public CpuMeter {
 public:
  std::optional<CpuTimes> Read() const override;
};

}  // namespace s3u
