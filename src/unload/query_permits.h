// How many query pages the parallel readers of a run may have in flight at once. It starts at
// the number of readers and shrinks by one each time Domo throttled a query (a 429, seen in
// the Domo client's throttle count) since the last look, never below one: a reader that was
// throttled has already waited Retry-After inside the client, and the run goes on with fewer
// queries in flight instead of failing. It never grows back within a run (Domo's cap does not
// change during a day's unload; the next run starts again from the setting).
//
// Thread-safety: every method may be called from any reader's thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace s3u::unload {

class QueryPermits {
 public:
  // REQUIRES: limit >= 1. `throttles` is the client's throttle count now (earlier 429s, such as
  // the row count's, do not shrink the pool).
  QueryPermits(int limit, uint64_t throttles) : limit_(limit), seen_(throttles) {}
  QueryPermits(const QueryPermits&) = delete;
  QueryPermits& operator=(const QueryPermits&) = delete;

  // Blocks until fewer than limit() queries are in flight, then counts one in.
  void Acquire();
  // Counts a query out; `throttles` is the client's throttle count after it: when it grew since
  // the last look, the limit drops by one (at least one query stays allowed).
  void Release(uint64_t throttles);

  int limit() const;
  int in_flight() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable freed_;
  int limit_;          // GUARDED_BY(mu_)
  int in_flight_ = 0;  // GUARDED_BY(mu_)
  uint64_t seen_;      // GUARDED_BY(mu_): the throttle count last looked at
};

}  // namespace s3u::unload
