// The emulator's latency model (docs/emulator.md "Latency model"): how far a real Domo is from
// loopback. Three knobs, set in the config's "latency" (a preset name, or an object of a preset
// and overrides):
//   - first_byte: the time to first byte of every query page and export (Domo's query time
//     plus a round trip), waited before the answer starts;
//   - bytes_per_second: the bandwidth of one connection, applied while a query or export body
//     streams (so N connections get N times it, as with a CDN-fronted API);
//   - max_concurrent_queries: how many queries one token may have in flight; the next one is
//     answered 429 with Retry-After: retry_after_seconds (Domo's throttling of a client that
//     opens too many at once).
// The presets: "none" (default: loopback speed, no cap) and "cloud" (300 ms, 20 MB/s, 16
// queries; why those values: docs/emulator.md). The waits go through a Clock, so tests of the
// model advance a FakeClock instead of sleeping.
//
// Thread-safety: LatencyModel is a plain value; QueryGate's methods may be called
// concurrently; a Pacer belongs to one response (one thread at a time).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/error.h"

namespace s3u::emulator {

struct LatencyModel {
  std::string preset = "none";
  std::chrono::milliseconds first_byte{0};  // before each query page / export body starts
  uint64_t bytes_per_second = 0;            // per connection, while a body streams; 0 = no limit
  int max_concurrent_queries = 0;           // per token; 0 = no cap
  int retry_after_seconds = 1;              // Retry-After of the 429 past the cap

  // Whether anything is modelled ("none" is not: answers go out as they always did).
  bool Active() const {
    return first_byte.count() > 0 || bytes_per_second > 0 || max_concurrent_queries > 0;
  }
};

// A named preset ("none", "cloud"); kInvalidArgument (subject `subject`) lists the names.
Result<LatencyModel> LatencyPreset(std::string_view name, const std::string& subject);

// The config's "latency": a preset name, or {"preset", "ttfb_ms", "bytes_per_second",
// "max_concurrent_queries", "retry_after_seconds"} where the numbers override the preset
// (default "none"). kInvalidArgument names the field; unknown keys are refused.
Result<LatencyModel> ParseLatency(const nlohmann::json& json, const std::string& subject);
nlohmann::json LatencyToJson(const LatencyModel& model);

// Counts the queries each token has in flight, against a cap (0 = none).
class QueryGate {
 public:
  explicit QueryGate(int limit) : limit_(limit) {}
  // Counts a query of `token` in and returns true, or returns false (counting nothing) when the
  // token already has `limit` in flight. Every true must be paired with one Leave.
  bool TryEnter(const std::string& token);
  void Leave(const std::string& token);
  int InFlight(const std::string& token) const;

 private:
  const int limit_;
  mutable std::mutex mu_;
  std::map<std::string, int> in_flight_;  // GUARDED_BY(mu_); tokens with queries in flight
};

// Paces one response body: FirstByte waits the model's first_byte; Sent(n) after each chunk
// waits until the body's average rate is back at bytes_per_second (so a slow writer is not
// penalised twice). Both wait through `clock`.
class Pacer {
 public:
  Pacer(const LatencyModel& model, Clock& clock)
      : model_(model), clock_(clock), start_(clock.Monotonic()) {}
  void FirstByte();
  void Sent(uint64_t bytes);

 private:
  const LatencyModel model_;
  Clock& clock_;
  std::chrono::steady_clock::time_point start_;  // when the body began (after the first byte)
  uint64_t sent_ = 0;
};

// How long to wait after `sent` bytes went out `elapsed` after the body began, so the rate
// stays at most `bytes_per_second` (0 = unlimited: no wait). Pure.
std::chrono::milliseconds PaceDelay(uint64_t bytes_per_second, uint64_t sent,
                                    std::chrono::milliseconds elapsed);

}  // namespace s3u::emulator
