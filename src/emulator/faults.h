// The faults the emulator injects on demand (docs/emulator.md "Faults"): a list set from the
// config or the admin endpoint, matched against each request's route family and dataset.
// A fault with `times` is consumed by the requests it matches.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/config.h"

namespace s3u::emulator {

class FaultTable {
 public:
  void Set(std::vector<Fault> faults);
  std::vector<Fault> List() const;

  // The first fault whose route is `route` (or "*") and whose dataset, when given, is
  // `dataset`, among those whose action is in `actions`; consumes one of its `times`.
  // Faults with other actions are left alone, so a request only consumes the faults that
  // the place asking can apply (the export body applies drop/slow, the router applies status).
  std::optional<Fault> Take(std::string_view route, std::string_view dataset,
                            std::initializer_list<std::string_view> actions);

 private:
  mutable std::mutex mu_;
  std::vector<Fault> faults_;  // GUARDED_BY(mu_)
};

}  // namespace s3u::emulator
