// Retry policy as pure functions: which error codes are worth another attempt, how long to
// wait before it (exponential backoff with full jitter, honouring a server's Retry-After),
// and a small loop that applies the policy with time and randomness passed in.
//
// A request is retried for a TIME BUDGET, not a count: transient failures (5xx, resets,
// stalls, timeouts) and throttling (429, 503 SlowDown) are retried until `budget` has passed
// since the request's first attempt, so an outage shorter than the budget is ridden out
// whatever its shape. `max_attempts` is an optional cap on top (0: none).
//
// Retry the smallest unit: wrap one idempotent call (a part upload, a query page), never a
// whole job. Credential refresh (kUnauthenticated) and restarts (kAborted) are the caller's.
//
// Thread-safety: everything here is stateless except MakeRandom's generator, which is
// internally locked, and RetryCounter, whose counts are atomic; RunWithRetry is as
// thread-safe as the `attempt` it is given.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"

namespace s3u::http {

// Five minutes: a 60-second outage is survived with room to spare (docs/decisions.md,
// "Retries within a time budget"), and a dead endpoint is reported within minutes.
inline constexpr std::chrono::milliseconds kDefaultRetryBudget = std::chrono::minutes(5);

struct RetryPolicy {
  // How long one request may keep failing transiently, from the start of its first attempt.
  // No new attempt starts once it has passed; pauses (Retry-After included) are cut to it.
  std::chrono::milliseconds budget = kDefaultRetryBudget;
  // Cap on attempts, the first included; 0 = no cap (the budget alone decides).
  int max_attempts = 0;
  // First backoff window for transient errors (reset, timeout, 5xx); doubles per attempt.
  std::chrono::milliseconds base_delay{100};
  // First window when throttled (429/SlowDown): larger, since hammering makes throttling worse.
  std::chrono::milliseconds throttle_base_delay{500};
  // Cap on the backoff window. A server's Retry-After may exceed it (up to the budget).
  std::chrono::milliseconds max_delay{20000};
};

enum class RetryClass { kFatal, kTransient, kThrottled, kRefreshCredentials };

// kUnavailable, kDataLoss (corrupted in transit; re-sending fixes it) -> kTransient;
// kResourceExhausted -> kThrottled; kUnauthenticated -> kRefreshCredentials; everything else,
// including kAborted (restarted at a higher level), -> kFatal.
RetryClass ClassifyForRetry(ErrorCode code);

// Why no further attempt is made.
enum class RetryStop { kNone, kFatal, kBudget, kMaxAttempts };

struct RetryDecision {
  bool retry = false;
  std::chrono::milliseconds delay{0};
  RetryStop stop = RetryStop::kNone;  // kNone exactly when `retry`
};

// REQUIRES: attempts_made >= 1; elapsed >= 0 (time since the first attempt started);
// unit_random in [0,1) (clamped otherwise).
// delay = unit_random * min(max_delay, base * 2^(attempts_made-1)), with the throttle base for
// kThrottled; with error.retry_after, delay = max(that, retry_after); then cut to the budget
// left. No retry for kFatal or kRefreshCredentials, once attempts_made reaches max_attempts
// (when set), nor once elapsed has reached the budget.
RetryDecision DecideRetry(const RetryPolicy& policy, const Error& error, int attempts_made,
                          std::chrono::milliseconds elapsed, double unit_random);

// Parses an HTTP Retry-After value, either delta-seconds ("120") or an IMF-fixdate
// ("Wed, 21 Oct 2015 07:28:00 GMT") taken relative to `now` (a past date gives 0).
// Returns nullopt when the value is neither.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

// A uniform generator over [0,1) seeded with `seed`; the returned function may be called
// from several threads at once.
std::function<double()> MakeRandom(uint64_t seed);

// How many retries a client has made (each pause followed by another attempt), and how many
// of them answered throttling. Shared by a client's threads; readable at any time.
struct RetryCounts {
  uint64_t retries = 0;
  uint64_t throttles = 0;  // of `retries`, those after a 429 / SlowDown
};
class RetryCounter {
 public:
  void Record(const Error& error) {
    retries_.fetch_add(1, std::memory_order_relaxed);
    if (ClassifyForRetry(error.code) == RetryClass::kThrottled) {
      throttles_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  RetryCounts Get() const {
    return {retries_.load(std::memory_order_relaxed), throttles_.load(std::memory_order_relaxed)};
  }

 private:
  std::atomic<uint64_t> retries_{0};
  std::atomic<uint64_t> throttles_{0};
};

// The final error's message when the policy stopped retrying: for the budget,
// "<service> stayed unavailable for 5m 0s (23 attempts): <message>" ("kept throttling
// requests" for a throttle); after several attempts otherwise, "<message> (after N
// attempts)"; a first-attempt failure unchanged.
std::string GiveUpMessage(std::string_view service, const Error& last, RetryStop stop, int attempts,
                          std::chrono::milliseconds elapsed);

// Called before each backoff pause with the error, the pause and the number of the next attempt.
using RetryObserver = std::function<void(const Error&, std::chrono::milliseconds, int next)>;

// Calls attempt(1), attempt(2), ... until one succeeds, fails with a code the policy does not
// retry, or the budget (or max_attempts) is spent; waits between attempts through
// clock.SleepFor and measures the budget on clock.Monotonic. Returns the success, or the last
// Error with its message from GiveUpMessage (`service` names who failed: "S3", "Domo").
// T must be given explicitly: RunWithRetry<Response>(policy, clock, random, "S3", lambda).
template <typename T>
Result<T> RunWithRetry(const RetryPolicy& policy, Clock& clock,
                       const std::function<double()>& random, std::string_view service,
                       const std::function<Result<T>(int attempt)>& attempt,
                       const RetryObserver& on_retry = {}) {
  const auto start = clock.Monotonic();
  for (int n = 1;; ++n) {
    Result<T> result = attempt(n);
    if (result.has_value()) return result;
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock.Monotonic() - start);
    const RetryDecision decision = DecideRetry(policy, result.error(), n, elapsed, random());
    if (!decision.retry) {
      result.error().message = GiveUpMessage(service, result.error(), decision.stop, n, elapsed);
      return result;
    }
    if (on_retry) on_retry(result.error(), decision.delay, n + 1);
    clock.SleepFor(decision.delay);
  }
}

}  // namespace s3u::http
