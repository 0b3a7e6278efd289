#include "emulator/faults.h"

#include <algorithm>

namespace s3u::emulator {

void FaultTable::Set(std::vector<Fault> faults) {
  std::lock_guard lock(mu_);
  faults_ = std::move(faults);
}

std::vector<Fault> FaultTable::List() const {
  std::lock_guard lock(mu_);
  return faults_;
}

std::optional<Fault> FaultTable::Take(std::string_view route, std::string_view dataset,
                                      std::initializer_list<std::string_view> actions) {
  std::lock_guard lock(mu_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->route != "*" && it->route != route) continue;
    if (!it->dataset.empty() && it->dataset != dataset) continue;
    if (std::find(actions.begin(), actions.end(), it->action) == actions.end()) continue;
    Fault taken = *it;
    if (it->times && --*it->times == 0) faults_.erase(it);
    return taken;
  }
  return std::nullopt;
}

}  // namespace s3u::emulator
