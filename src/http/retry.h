// Retry policy as pure functions: which error codes are worth another attempt, how long to
// wait before it (exponential backoff with full jitter, honouring a server's Retry-After),
// and a small loop that applies the policy with time and randomness passed in.
//
// Retry the smallest unit: wrap one idempotent call (a part upload, a HEAD), never a whole job.
// Credential refresh (kUnauthenticated) and upload restarts (kAborted) are the caller's job.
//
// Thread-safety: everything here is stateless except MakeRandom's generator, which is
// internally locked; RunWithRetry is as thread-safe as the `attempt` it is given.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"

namespace s3u::http {

struct RetryPolicy {
  // Total attempts including the first. 5 rides out a brief outage without hiding a real one.
  int max_attempts = 5;
  // First backoff window for transient errors (reset, timeout, 5xx); doubles per attempt.
  std::chrono::milliseconds base_delay{100};
  // First window when throttled (429/SlowDown): larger, since hammering makes throttling worse.
  std::chrono::milliseconds throttle_base_delay{500};
  // Cap on the backoff window. A server's Retry-After may exceed it (up to kMaxRetryAfter).
  std::chrono::milliseconds max_delay{20000};
};

// Upper bound on how long a server's Retry-After is honoured.
inline constexpr std::chrono::milliseconds kMaxRetryAfter = std::chrono::minutes(5);

enum class RetryClass { kFatal, kTransient, kThrottled, kRefreshCredentials };

// kUnavailable, kDataLoss (corrupted in transit; re-sending fixes it) -> kTransient;
// kResourceExhausted -> kThrottled; kUnauthenticated -> kRefreshCredentials; everything else,
// including kAborted (restarted at a higher level), -> kFatal.
RetryClass ClassifyForRetry(ErrorCode code);

struct RetryDecision {
  bool retry = false;
  std::chrono::milliseconds delay{0};
};

// REQUIRES: attempts_made >= 1; unit_random in [0,1) (clamped otherwise).
// delay = unit_random * min(max_delay, base * 2^(attempts_made-1)), with the throttle base for
// kThrottled. With error.retry_after, delay = max(that, min(retry_after, kMaxRetryAfter)).
// No retry once attempts_made >= max_attempts, nor for kFatal or kRefreshCredentials.
RetryDecision DecideRetry(const RetryPolicy& policy, const Error& error, int attempts_made,
                          double unit_random);

// Parses an HTTP Retry-After value, either delta-seconds ("120") or an IMF-fixdate
// ("Wed, 21 Oct 2015 07:28:00 GMT") taken relative to `now` (a past date gives 0).
// Returns nullopt when the value is neither.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

// A uniform generator over [0,1) seeded with `seed`; the returned function may be called
// from several threads at once.
std::function<double()> MakeRandom(uint64_t seed);

// Calls attempt(1), attempt(2), ... until one succeeds, fails with a code the policy does not
// retry, or max_attempts is reached; waits between attempts through clock.SleepFor.
// Returns the success, or the last Error with " (after N attempts)" appended when N > 1.
// T must be given explicitly: RunWithRetry<Response>(policy, clock, random, lambda).
// Called before each backoff pause with the error, the pause and the number of the next attempt.
using RetryObserver = std::function<void(const Error&, std::chrono::milliseconds, int next)>;

template <typename T>
Result<T> RunWithRetry(const RetryPolicy& policy, Clock& clock,
                       const std::function<double()>& random,
                       const std::function<Result<T>(int attempt)>& attempt,
                       const RetryObserver& on_retry = {}) {
  for (int n = 1;; ++n) {
    Result<T> result = attempt(n);
    if (result.has_value()) return result;
    const RetryDecision decision = DecideRetry(policy, result.error(), n, random());
    if (!decision.retry) {
      if (n > 1) result.error().message += " (after " + std::to_string(n) + " attempts)";
      return result;
    }
    if (on_retry) on_retry(result.error(), decision.delay, n + 1);
    clock.SleepFor(decision.delay);
  }
}

}  // namespace s3u::http
