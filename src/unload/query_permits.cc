#include "unload/query_permits.h"

namespace s3u::unload {

void QueryPermits::Acquire() {
  std::unique_lock lock(mu_);
  freed_.wait(lock, [&] { return in_flight_ < limit_; });
  ++in_flight_;
}

void QueryPermits::Release(uint64_t throttles) {
  {
    std::lock_guard lock(mu_);
    --in_flight_;
    if (throttles > seen_) {
      seen_ = throttles;
      if (limit_ > 1) --limit_;
    }
  }
  freed_.notify_all();
}

int QueryPermits::limit() const {
  std::lock_guard lock(mu_);
  return limit_;
}

int QueryPermits::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_;
}

}  // namespace s3u::unload
