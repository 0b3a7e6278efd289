// Time as an injected dependency. Everything that signs a request, backs off, or measures a
// rate asks a Clock, so tests drive time with a fake (tests/support/fake_clock.h) and never sleep.
//
// Thread-safety: implementations must allow concurrent calls from upload workers.
#pragma once

#include <chrono>

namespace s3u {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time: request signatures (X-Amz-Date), timestamps in output.
  virtual std::chrono::system_clock::time_point Now() const = 0;
  // Monotonic time: durations, rates, deadlines.
  virtual std::chrono::steady_clock::time_point Monotonic() const = 0;
  // Blocks the calling thread for `d` (a fake advances its time instead).
  virtual void SleepFor(std::chrono::milliseconds d) = 0;
};

// The real clock. Stateless; one instance may be shared by every thread.
class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override;
  std::chrono::steady_clock::time_point Monotonic() const override;
  void SleepFor(std::chrono::milliseconds d) override;
};

}  // namespace s3u
