#include "core/clock.h"

#include <thread>

namespace s3u {

std::chrono::system_clock::time_point SystemClock::Now() const {
  return std::chrono::system_clock::now();
}

std::chrono::steady_clock::time_point SystemClock::Monotonic() const {
  return std::chrono::steady_clock::now();
}

void SystemClock::SleepFor(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

}  // namespace s3u
