// A Clock for tests: time moves only when the test (or SleepFor) moves it, so backoff and
// expiry are tested without sleeping. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace s3u::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::chrono::system_clock::time_point start = std::chrono::system_clock::now())
      : wall_(start) {}

  std::chrono::system_clock::time_point Now() const override {
    std::lock_guard lock(mu_);
    return wall_;
  }
  std::chrono::steady_clock::time_point Monotonic() const override {
    std::lock_guard lock(mu_);
    return std::chrono::steady_clock::time_point(mono_);
  }
  // Advances time instead of blocking, and records the request.
  void SleepFor(std::chrono::milliseconds d) override {
    {
      std::lock_guard lock(mu_);
      sleeps_.push_back(d);
    }
    Advance(d);
  }
  void Advance(std::chrono::milliseconds d) {
    std::function<void()> due;
    {
      std::lock_guard lock(mu_);
      wall_ += d;
      mono_ += d;
      if (action_ && mono_ >= action_at_) due = std::exchange(action_, nullptr);
    }
    if (due) due();  // outside the lock: the action may read the clock
  }
  // Runs `action` once, in whichever SleepFor/Advance first moves Monotonic() to `when` or
  // past it (e.g. to end a server outage at a point of fake time). One action at a time.
  void CallAt(std::chrono::steady_clock::time_point when, std::function<void()> action) {
    std::lock_guard lock(mu_);
    action_at_ = when.time_since_epoch();
    action_ = std::move(action);
  }
  void SetWall(std::chrono::system_clock::time_point t) {
    std::lock_guard lock(mu_);
    wall_ = t;
  }
  std::vector<std::chrono::milliseconds> Sleeps() const {
    std::lock_guard lock(mu_);
    return sleeps_;
  }

 private:
  mutable std::mutex mu_;
  std::chrono::system_clock::time_point wall_;
  std::chrono::steady_clock::duration mono_{};
  std::vector<std::chrono::milliseconds> sleeps_;
  std::chrono::steady_clock::duration action_at_{};
  std::function<void()> action_;
};

}  // namespace s3u::testing
