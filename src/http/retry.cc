#include "http/retry.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <memory>
#include <mutex>
#include <random>

#include "core/text.h"
#include "core/time_format.h"

namespace s3u::http {

using std::chrono::milliseconds;

RetryClass ClassifyForRetry(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnavailable:
    case ErrorCode::kDataLoss:
      return RetryClass::kTransient;
    case ErrorCode::kResourceExhausted:
      return RetryClass::kThrottled;
    case ErrorCode::kUnauthenticated:
      return RetryClass::kRefreshCredentials;
    default:
      return RetryClass::kFatal;
  }
}

RetryDecision DecideRetry(const RetryPolicy& policy, const Error& error, int attempts_made,
                          milliseconds elapsed, double unit_random) {
  const RetryClass cls = ClassifyForRetry(error.code);
  if (cls != RetryClass::kTransient && cls != RetryClass::kThrottled) {
    return {false, milliseconds(0), RetryStop::kFatal};
  }
  if (policy.max_attempts > 0 && attempts_made >= policy.max_attempts) {
    return {false, milliseconds(0), RetryStop::kMaxAttempts};
  }
  const milliseconds left = policy.budget - elapsed;
  if (left <= milliseconds(0)) return {false, milliseconds(0), RetryStop::kBudget};

  const milliseconds base =
      cls == RetryClass::kThrottled ? policy.throttle_base_delay : policy.base_delay;
  // Computed in double so a large attempt count saturates at max_delay instead of overflowing.
  const int exponent = std::clamp(attempts_made - 1, 0, 62);
  const double window = std::min(static_cast<double>(policy.max_delay.count()),
                                 static_cast<double>(base.count()) * std::ldexp(1.0, exponent));
  const double r = std::clamp(unit_random, 0.0, std::nextafter(1.0, 0.0));
  milliseconds delay(static_cast<int64_t>(std::floor(r * std::max(window, 0.0))));
  if (error.retry_after.has_value()) delay = std::max(delay, *error.retry_after);
  return {true, std::min(delay, left), RetryStop::kNone};
}

std::string GiveUpMessage(std::string_view service, const Error& last, RetryStop stop, int attempts,
                          milliseconds elapsed) {
  const std::string counted = std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts");
  if (stop == RetryStop::kBudget) {
    const bool throttled = ClassifyForRetry(last.code) == RetryClass::kThrottled;
    return std::string(service) +
           (throttled ? " kept throttling requests for " : " stayed unavailable for ") +
           FormatDuration(elapsed) + " (" + counted + "): " + last.message;
  }
  if (attempts > 1) return last.message + " (after " + counted + ")";
  return last.message;
}

namespace {

// Parses exactly `s` as a non-negative decimal number.
std::optional<int64_t> ParseDigits(std::string_view s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) return INT64_MAX;
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 section 5.6.7).
std::optional<std::chrono::system_clock::time_point> ParseImfFixdate(std::string_view s) {
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto month_it = std::find(kMonths.begin(), kMonths.end(), s.substr(8, 3));
  const auto day = ParseDigits(s.substr(5, 2));
  const auto year = ParseDigits(s.substr(12, 4));
  const auto hour = ParseDigits(s.substr(17, 2));
  const auto minute = ParseDigits(s.substr(20, 2));
  const auto second = ParseDigits(s.substr(23, 2));
  if (month_it == kMonths.end() || !day || !year || !hour || !minute || !second || *hour > 23 ||
      *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{
      std::chrono::year(static_cast<int>(*year)),
      std::chrono::month(static_cast<unsigned>(month_it - kMonths.begin() + 1)),
      std::chrono::day(static_cast<unsigned>(*day))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd) + std::chrono::hours(*hour) + std::chrono::minutes(*minute) +
         std::chrono::seconds(*second);
}

}  // namespace

std::optional<milliseconds> ParseRetryAfter(std::string_view value,
                                            std::chrono::system_clock::time_point now) {
  value = Trim(value);
  if (auto seconds = ParseDigits(value)) {
    // Saturate well beyond any cap a caller applies instead of overflowing milliseconds.
    constexpr int64_t kMaxSeconds = int64_t{1} << 40;
    return milliseconds(std::min(*seconds, kMaxSeconds) * 1000);
  }
  if (auto date = ParseImfFixdate(value)) {
    if (*date <= now) return milliseconds(0);
    return std::chrono::duration_cast<milliseconds>(*date - now);
  }
  return std::nullopt;
}

std::function<double()> MakeRandom(uint64_t seed) {
  struct State {
    std::mutex mu;
    std::mt19937_64 engine;
  };
  auto state = std::make_shared<State>();
  state->engine.seed(seed);
  return [state]() {
    std::lock_guard lock(state->mu);
    // 53 random bits scaled into [0,1): uniform_real_distribution may round up to 1.0.
    return static_cast<double>(state->engine() >> 11) * 0x1.0p-53;
  };
}

}  // namespace s3u::http
