// Backfills of `s3unload serve` (docs/service.md, "Backfill"): one run per day of a range of
// dates, oldest first, each started through the scheduler (Scheduler::StartBackfillDay), so it
// is an ordinary run with its own history record and metrics row, counted against the global
// limit on concurrent runs, and never beside another run of the same connector. A day that
// finds no free slot (or its connector busy with a scheduled run) waits for the next Tick;
// a day whose run ends starts the next one at once. A failed day is not retried: it is counted
// in days_failed, and the backfill goes on with the next day. Cancelling stops the running day
// (its uploads are aborted, it ends CANCELLED) and the days not begun; cancelling the
// connector's running run (POST .../cancel) or stopping the service does the same.
//
// Backfills live in memory (docs/decisions.md, "Backfill"): each day's run is in the history,
// which survives a restart, but the backfill's own list of days does not; after a restart the
// days not run are run by a new backfill. The last kKeptBackfills finished ones are kept.
//
// Thread-safety: every method may be called from any thread (the API's, the tick loop's and
// the runs' own threads, through the scheduler's callback).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "service/scheduler.h"
#include "store/store.h"
#include "table/types.h"

namespace s3u::service {

inline constexpr size_t kKeptBackfills = 100;

enum class DayState { kPending, kRunning, kSucceeded, kFailed, kCancelled };

struct BackfillDay {
  table::Days date{};
  DayState state = DayState::kPending;
  std::string run_id;  // "" until its run has begun
  std::string error;   // why a day failed without a run (its connector was deleted)
};

struct BackfillProgress {
  std::string id, connector_id, time_zone;
  int64_t created_ms = 0;
  bool cancelled = false;
  std::vector<BackfillDay> days;  // oldest first

  int Count(DayState state) const;
  int DaysLeft() const;  // pending and running
  // "running", "cancelling", then at the end "succeeded", "failed" (a day failed) or
  // "cancelled".
  std::string State() const;
};

// {id, connector_id, from, to, time_zone, state, days_total, days_done, days_failed,
//  days_cancelled, days_left, runs: [{day, state, run_id, error}]} (docs/api.md).
nlohmann::json BackfillJson(const BackfillProgress& backfill);

// The zone a connector's days are in: its settings' details.time_zone, "UTC" when unset.
std::string ConnectorTimeZone(const store::ConnectorRecord& connector);

class Backfills {
 public:
  // `run_clock` is the runs' clock (the launcher's): a date becomes "N days ago" by it, at
  // the moment the day's run starts.
  Backfills(Scheduler& scheduler, Clock& run_clock, Logger& log);
  Backfills(const Backfills&) = delete;
  Backfills& operator=(const Backfills&) = delete;

  // Starts a backfill of `connector` over `days` (table::BackfillDates, in
  // ConnectorTimeZone), its first day at once when a slot is free. kFailedPrecondition when a
  // backfill of the connector is still going. REQUIRES: !days.empty().
  Result<BackfillProgress> Start(const store::ConnectorRecord& connector,
                                 std::vector<table::Days> days);
  // kNotFound for an id this process does not know (or no longer keeps).
  Result<BackfillProgress> Get(const std::string& id) const;
  // Cancels the running day and the days not begun. kFailedPrecondition once it has ended.
  Result<BackfillProgress> Cancel(const std::string& id);
  // The connector's latest backfill (the one going on, if any).
  std::optional<std::string> LatestOf(const std::string& connector_id) const;
  // Starts the next day of every backfill that waits for a slot. Call after Scheduler::Tick.
  void Tick();

 private:
  struct Entry {
    BackfillProgress progress;
    std::shared_ptr<std::atomic<bool>> cancel;
    bool starting = false;  // TryNext is in StartBackfillDay for it
  };
  // Starts days of backfill `id` until one runs, has to wait, or none is left.
  void TryNext(const std::string& id);
  void OnDayEnded(const std::string& id, size_t day, const RunEnded& ended);
  void Forget();  // REQUIRES mu_ held; drops finished backfills beyond kKeptBackfills

  Scheduler& scheduler_;
  Clock& run_clock_;
  Logger& log_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> backfills_;  // GUARDED_BY(mu_); ids sort by creation time
};

}  // namespace s3u::service
