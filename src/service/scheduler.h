// The scheduler of `s3unload serve`: decides which connector runs when, and keeps the rules
// of docs/service.md:
//   - a connector's scheduled run starts when its next_run_ms has come; the next one is then
//     computed from the schedule (NextRun, schedule.h) and stored;
//   - a failed run is retried every N minutes up to M times (the Retry pane); each attempt is
//     its own run; the pending retry is stored, so it survives a restart;
//   - at most one run of a connector at a time: a scheduled run that comes while the previous
//     one still runs is skipped (and logged); a due retry waits for it;
//   - at most `max_concurrent_runs` runs in all: due runs wait for a free slot, oldest first
//     (while no slot is free, a scheduled time that comes during its connector's own run is
//     found skipped once a slot frees); "Run now" beyond the limit is refused (409), never
//     queued out of sight;
//   - several processes may share the store (a fleet): every run starts under a lease claimed
//     in the store (store/leases.h), so the two rules above hold across all of them, and a due
//     run is started by whichever process claims it first, once. Each Tick renews this
//     process's leases (acting on cancel requests written on them by other processes), then
//     reaps expired leases (their runs FAILED, cleaned up and retried, as on start), then starts
//     due runs;
//   - on start (Recover): runs left RUNNING by a dead process of this machine are marked FAILED,
//     cleaned up (Launcher::CleanUp: journaled uploads aborted, FAILED metrics row) and get their
//     retry (another machine's are left to their leases), and a connector whose scheduled time
//     passed while the service was down runs once (one catch-up run, not one per missed time).
// Time comes from the injected Clock; the actual run is the Launcher's, so these rules are
// tested with a fake clock and a fake launcher, without a network.
//
// Thread-safety: every method may be called from any thread (the API's, the tick loop's, and
// the runs' own threads calling back when they end).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "store/store.h"

namespace s3u::service {

// What the scheduler asks the launcher to run.
struct LaunchRequest {
  std::string run_id;  // chosen by the scheduler, so "Run now" can answer with it at once
  std::string connector_id;
  int attempt = 1;                  // 1, then 2, 3, ... for retries
  std::optional<int> specific_day;  // "Run now" may override the connector's for one run
  std::string trigger;              // "scheduled", "catch-up", "manual" or "retry" (logged)
};

struct RunEnded {
  std::string connector_id;
  std::string run_id;
  store::RunStatus status = store::RunStatus::kFailed;
  int64_t finished_ms = 0;
};

class Launcher {
 public:
  virtual ~Launcher() = default;
  // Starts the run and returns at once. The launcher records the run in the store (a run
  // that cannot even start is recorded FAILED with the reason), stops it soon after `cancel`
  // is set, and calls `done` exactly once, from any thread, after the run's end is recorded.
  virtual void Launch(const store::ConnectorRecord& connector, const LaunchRequest& request,
                      std::shared_ptr<std::atomic<bool>> cancel,
                      std::function<void(const RunEnded&)> done) = 0;
  // Cleans up after a run of `connector` that a dead process left unfinished (already marked
  // FAILED): its journaled uploads aborted, its FAILED metrics row written (jobs/recovery.h).
  // Synchronous; called by Recover on start, before anything is launched.
  virtual void CleanUp(const store::ConnectorRecord& connector, const store::RunRecord& run) = 0;
};

struct SchedulerOptions {
  int max_concurrent_runs = 2;  // over every process sharing the store
  // How long a lease lasts without renewal (renewed at every Tick): after a process dies, its
  // runs are retried by another once this has passed.
  int64_t lease_ms = 30'000;
  std::function<uint32_t()> random;  // run id suffixes; default std::random_device
  // Called once per ended run, after its retry decision (`retry_scheduled`: it will run again),
  // from the thread that reported the end: the notifications' hook (service/notifier.h).
  std::function<void(const RunEnded&, bool retry_scheduled)> run_ended;
};

struct RecoveryReport {
  std::vector<std::string> interrupted_runs;   // marked FAILED (aborted)
  std::vector<std::string> retries_scheduled;  // connectors given a retry for them
  std::vector<std::string> catch_up;           // connectors whose scheduled time was missed
};

class Scheduler {
 public:
  Scheduler(store::Store& store, Clock& clock, Launcher& launcher, Logger& log,
            SchedulerOptions options = {});
  // Cancels what still runs, without waiting: the owner waits (WaitIdle) before destroying
  // the scheduler, since ending runs call back into it.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Call once, before the first Tick (see the top comment).
  Result<RecoveryReport> Recover();

  // Renews this process's leases; then, unless stopping, reaps expired leases and starts every
  // due run the limits allow, oldest due first.
  void Tick();

  // "Run now": starts a run at once. kNotFound for an unknown connector; kFailedPrecondition
  // when it already runs, the global limit is reached, or the service is stopping.
  Result<std::string> RunNow(const std::string& connector_id, std::optional<int> specific_day);

  // One day of a backfill (service/backfill.h): as RunNow, with the trigger "backfill", but
  // the run is never retried (the backfill counts it failed), it stops when `cancel` (the
  // backfill's own flag) is set, a pending retry of the connector stays pending, and `ended`
  // is called once it has ended, after the scheduler's own bookkeeping (its slot is free).
  // Same errors as RunNow.
  Result<std::string> StartBackfillDay(const std::string& connector_id, int specific_day,
                                       std::shared_ptr<std::atomic<bool>> cancel,
                                       std::function<void(const RunEnded&)> ended);

  // Asks the connector's running run to stop (its uploads are aborted; it ends CANCELLED and
  // is not retried). Returns its id; kFailedPrecondition when nothing runs.
  Result<std::string> Cancel(const std::string& connector_id);

  // After a connector was created, edited, enabled or disabled: its next run is computed from
  // now (none when disabled or manual); disabling also drops a pending retry.
  Result<void> Reschedule(const std::string& connector_id);

  // The running run of a connector, if any, in any process (its lease).
  std::optional<std::string> RunningRun(const std::string& connector_id) const;
  // The runs of this process.
  size_t RunningCount() const;

  // Shutdown: no run starts any more (RunNow is refused, Tick does nothing).
  void StopStarting();
  // Sets every running run's cancel flag.
  void CancelAll();
  // Waits (in real time) until no run is active, and no `ended` callback of StartBackfillDay
  // is still being called, or `timeout` passed; true when idle.
  bool WaitIdle(std::chrono::milliseconds timeout);

  // True once after a run of this process ended (a slot freed): the service's loop then ticks
  // at once, so a due run waiting for a slot starts without waiting for the next second.
  bool TakeSlotFreed() { return slot_freed_.exchange(false); }

 private:
  struct Active {
    std::string run_id;
    std::shared_ptr<std::atomic<bool>> cancel;
    bool retried = true;                        // false: a backfill's day
    std::function<void(const RunEnded&)> then;  // called after OnEnded, when set
  };

  int64_t NowMs() const;
  std::string NewRunId();
  // RunNow and StartBackfillDay: the checks and the claim, then the launch of `request` with
  // `active`.
  Result<std::string> StartNow(const std::string& connector_id, LaunchRequest request,
                               Active active, bool clear_retry);
  // Store::ClaimRun; when its answer is lost (kUnavailable), the lease tells whether it
  // committed.
  Result<store::ClaimResult> Claim(const store::ClaimRequest& claim);
  // Tick's first steps: renew this process's leases, then reap the expired ones.
  void KeepLeases();
  void ReapExpiredLeases();
  // A run marked FAILED because its process is gone: cleaned up, then its retry decided.
  void EndInterrupted(const std::string& run_id);
  void OnEnded(const RunEnded& ended);

  store::Store& store_;
  Clock& clock_;
  Launcher& launcher_;
  Logger& log_;
  SchedulerOptions options_;
  mutable std::mutex mu_;
  std::condition_variable idle_;
  std::map<std::string, Active> active_;  // GUARDED_BY(mu_), by connector id
  bool stopping_ = false;                 // GUARDED_BY(mu_)
  int callbacks_ = 0;                     // GUARDED_BY(mu_); `then` callbacks being called
  int64_t leases_renewed_ms_ = -1;        // GUARDED_BY(mu_); -1: not yet
  std::atomic<bool> slot_freed_{false};
};

}  // namespace s3u::service
