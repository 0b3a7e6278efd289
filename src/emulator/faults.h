// The faults the emulator injects on demand (docs/emulator.md "Faults"): a list set from the
// config or the admin endpoint, matched against each request's route family and dataset.
// A fault with `after` lets that many matching requests pass first; one with `times` is then
// consumed by the requests it applies to. SendTruncated is how a handler that builds its
// whole body first (query) applies drop_after_bytes. A `hold` fault parks the request it
// applies to until the list is replaced, so a test can freeze a client at an exact request
// (a run mid-day) and act while nothing moves.
//
// Thread-safety: FaultTable's methods may be called concurrently; SendTruncated is a pure
// setup of one response.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <httplib.h>

#include "emulator/config.h"

namespace s3u::emulator {

class FaultTable {
 public:
  // Replaces the list; releases every request a `hold` fault is parking.
  void Set(std::vector<Fault> faults);
  std::vector<Fault> List() const;
  // Requests parked by `hold` faults right now, after waiting up to `wait` for at least one.
  uint64_t Holding(std::chrono::milliseconds wait = {}) const;

  // The first fault whose route is `route` (or "*") and whose dataset, when given, is
  // `dataset`, among those whose action is in `actions`, and that has no `after` left;
  // consumes one of its `times`. A match with `after` left counts one down and looks further.
  // Faults with other actions are left alone, so a request only consumes the faults that
  // the place asking can apply (the export body applies drop/slow, the router applies status).
  std::optional<Fault> Take(std::string_view route, std::string_view dataset,
                            std::initializer_list<std::string_view> actions);

  // When a `hold` fault applies to this request (as Take counts it), blocks until the list is
  // replaced by Set or `limit` passes (a safety net: a test that forgets to release does not
  // park the emulator's threads for ever). Returns whether the request was held.
  bool Hold(std::string_view route, std::string_view dataset, std::chrono::milliseconds limit);

 private:
  std::optional<Fault> TakeLocked(std::string_view route, std::string_view dataset,
                                  std::initializer_list<std::string_view> actions);

  mutable std::mutex mu_;
  std::condition_variable replaced_;
  mutable std::condition_variable parked_;
  std::vector<Fault> faults_;  // GUARDED_BY(mu_)
  uint64_t generation_ = 0;    // GUARDED_BY(mu_); counts Set calls
  uint64_t holding_ = 0;       // GUARDED_BY(mu_)
};

// Answers `status` with `body` under its full Content-Length, but sends only its first `bytes`
// bytes and then closes the connection: the drop_after_bytes fault for a body held in memory
// (the client sees a truncated transfer; curl exit 18). `bytes` >= the body's size sends it all.
void SendTruncated(httplib::Response& res, int status, std::string body,
                   const std::string& content_type, uint64_t bytes);

}  // namespace s3u::emulator
