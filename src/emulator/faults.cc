#include "emulator/faults.h"

#include <algorithm>
#include <memory>

namespace s3u::emulator {

void FaultTable::Set(std::vector<Fault> faults) {
  {
    std::lock_guard lock(mu_);
    faults_ = std::move(faults);
    ++generation_;
  }
  replaced_.notify_all();
}

uint64_t FaultTable::Holding(std::chrono::milliseconds wait) const {
  std::unique_lock lock(mu_);
  parked_.wait_for(lock, wait, [&] { return holding_ > 0; });
  return holding_;
}

bool FaultTable::Hold(std::string_view route, std::string_view dataset,
                      std::chrono::milliseconds limit) {
  std::unique_lock lock(mu_);
  if (!TakeLocked(route, dataset, {"hold"})) return false;
  const uint64_t generation = generation_;
  ++holding_;
  parked_.notify_all();
  replaced_.wait_for(lock, limit, [&] { return generation_ != generation; });
  --holding_;
  return true;
}

std::vector<Fault> FaultTable::List() const {
  std::lock_guard lock(mu_);
  return faults_;
}

std::optional<Fault> FaultTable::Take(std::string_view route, std::string_view dataset,
                                      std::initializer_list<std::string_view> actions) {
  std::lock_guard lock(mu_);
  return TakeLocked(route, dataset, actions);
}

std::optional<Fault> FaultTable::TakeLocked(std::string_view route, std::string_view dataset,
                                            std::initializer_list<std::string_view> actions) {
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->route != "*" && it->route != route) continue;
    if (!it->dataset.empty() && it->dataset != dataset) continue;
    if (std::find(actions.begin(), actions.end(), it->action) == actions.end()) continue;
    if (it->after > 0) {
      --it->after;  // this request passes; List shows what is left, as for `times`
      continue;
    }
    Fault taken = *it;
    if (it->times && --*it->times == 0) faults_.erase(it);
    return taken;
  }
  return std::nullopt;
}

void SendTruncated(httplib::Response& res, int status, std::string body,
                   const std::string& content_type, uint64_t bytes) {
  res.status = status;
  const size_t length = body.size();
  const size_t cut = static_cast<size_t>(std::min<uint64_t>(bytes, length));
  // The provider may be copied by httplib, so the body is shared rather than captured by value.
  auto shared = std::make_shared<const std::string>(std::move(body));
  res.set_content_provider(length, content_type,
                           [shared, cut](size_t offset, size_t, httplib::DataSink& sink) {
                             if (offset < cut && !sink.write(shared->data() + offset, cut - offset))
                               return false;
                             // Returning false before the declared length closes the connection
                             // mid-body.
                             return cut == shared->size();
                           });
}

}  // namespace s3u::emulator
