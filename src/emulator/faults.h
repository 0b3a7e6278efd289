// The faults the emulator injects on demand (docs/emulator.md "Faults"): a list set from the
// config or the admin endpoint, matched against each request's route family and dataset.
// A fault with `after` lets that many matching requests pass first; one with `times` is then
// consumed by the requests it applies to. SendTruncated is how a handler that builds its
// whole body first (query) applies drop_after_bytes.
//
// Thread-safety: FaultTable's methods may be called concurrently; SendTruncated is a pure
// setup of one response.
#pragma once

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
  void Set(std::vector<Fault> faults);
  std::vector<Fault> List() const;

  // The first fault whose route is `route` (or "*") and whose dataset, when given, is
  // `dataset`, among those whose action is in `actions`, and that has no `after` left;
  // consumes one of its `times`. A match with `after` left counts one down and looks further.
  // Faults with other actions are left alone, so a request only consumes the faults that
  // the place asking can apply (the export body applies drop/slow, the router applies status).
  std::optional<Fault> Take(std::string_view route, std::string_view dataset,
                            std::initializer_list<std::string_view> actions);

 private:
  mutable std::mutex mu_;
  std::vector<Fault> faults_;  // GUARDED_BY(mu_)
};

// Answers `status` with `body` under its full Content-Length, but sends only its first `bytes`
// bytes and then closes the connection: the drop_after_bytes fault for a body held in memory
// (the client sees a truncated transfer; curl exit 18). `bytes` >= the body's size sends it all.
void SendTruncated(httplib::Response& res, int status, std::string body,
                   const std::string& content_type, uint64_t bytes);

}  // namespace s3u::emulator
