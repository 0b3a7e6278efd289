#include "service/scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>

#include "core/time_format.h"
#include "service/forms.h"
#include "service/schedule.h"

namespace s3u::service {
namespace {

int64_t ToMs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

SysMs FromMs(int64_t ms) { return SysMs(std::chrono::milliseconds(ms)); }

}  // namespace

Scheduler::Scheduler(store::Store& store, Clock& clock, Launcher& launcher, Logger& log,
                     SchedulerOptions options)
    : store_(store), clock_(clock), launcher_(launcher), log_(log), options_(std::move(options)) {
  if (!options_.random) {
    options_.random = [] {
      static std::random_device device;
      return static_cast<uint32_t>(device());
    };
  }
}

Scheduler::~Scheduler() {
  StopStarting();
  CancelAll();
}

int64_t Scheduler::NowMs() const { return ToMs(clock_.Now()); }

std::string Scheduler::NewRunId() { return store::MakeRunId(clock_.Now(), options_.random()); }

Result<RecoveryReport> Scheduler::Recover() {
  RecoveryReport report;
  auto interrupted = store_.MarkInterruptedRuns();
  if (!interrupted) return Fail(interrupted.error());
  report.interrupted_runs = *interrupted;
  for (const std::string& run_id : *interrupted) {
    EndInterrupted(run_id);
    auto run = store_.GetRun(run_id);
    if (!run || !run->connector_id) continue;
    auto connector = store_.GetConnector(*run->connector_id);
    if (connector && connector->retry_of_run_id == run_id) {
      report.retries_scheduled.push_back(connector->id);
    }
  }
  auto connectors = store_.ListConnectors();
  if (!connectors) return Fail(connectors.error());
  const int64_t now = NowMs();
  for (const store::ConnectorRecord& c : *connectors) {
    if (c.enabled && c.next_run_ms && *c.next_run_ms <= now) {
      report.catch_up.push_back(c.id);  // Tick runs it once, then schedules from now
    } else if (!c.next_run_ms) {
      if (auto ok = Reschedule(c.id); !ok) return Fail(ok.error());
    }
  }
  return report;
}

void Scheduler::EndInterrupted(const std::string& run_id) {
  auto run = store_.GetRun(run_id);
  if (!run || !run->connector_id) return;  // a CLI run: its own job cleans it up
  if (auto owner = store_.GetConnector(*run->connector_id)) launcher_.CleanUp(*owner, *run);
  OnEnded(
      {*run->connector_id, run_id, store::RunStatus::kFailed, run->finished_ms.value_or(NowMs())});
}

Result<store::ClaimResult> Scheduler::Claim(const store::ClaimRequest& claim) {
  auto claimed = store_.ClaimRun(claim);
  if (claimed || claimed.error().code != ErrorCode::kUnavailable) return claimed;
  // The answer was lost (a connection cut); the claim may still have committed. The lease
  // says: ours means claimed (else the run would be lost, its due time already advanced).
  auto lease = store_.GetLease(claim.connector_id);
  if (lease && *lease && (*lease)->run_id == claim.run_id) {
    return store::ClaimResult{store::ClaimOutcome::kClaimed, "", 0};
  }
  return claimed;
}

void Scheduler::KeepLeases() {
  std::map<std::string, std::pair<std::string, std::shared_ptr<std::atomic<bool>>>> mine;
  {
    std::lock_guard lock(mu_);
    for (const auto& [connector_id, active] : active_) {
      mine[active.run_id] = {connector_id, active.cancel};
    }
  }
  const int64_t now = NowMs();
  if (mine.empty()) {  // nothing to renew: no write at all while the process is idle
    std::lock_guard lock(mu_);
    leases_renewed_ms_ = now;
    return;
  }
  auto held = store_.RenewLeases(options_.lease_ms);
  std::lock_guard lock(mu_);
  if (!held) {
    log_.Error("cannot renew the leases of this process's runs: " + held.error().ToString());
    if (leases_renewed_ms_ >= 0 && now - leases_renewed_ms_ >= options_.lease_ms) {
      // Another process may have reaped them by now: stop before anything is published.
      for (auto& [run_id, run] : mine) {
        if (!run.second->exchange(true)) {
          log_.Error("run " + run_id + ": cancelled, its lease could not be renewed for " +
                     std::to_string(options_.lease_ms / 1000) + " s");
        }
      }
    }
    return;
  }
  leases_renewed_ms_ = now;
  std::set<std::string> renewed;
  for (const store::Lease& lease : *held) {
    renewed.insert(lease.run_id);
    auto it = mine.find(lease.run_id);
    if (lease.cancel_requested && it != mine.end() && !it->second.second->exchange(true)) {
      log_.Info("run " + lease.run_id + ": cancel asked through another process");
    }
  }
  for (auto& [run_id, run] : mine) {
    if (renewed.count(run_id) == 0 && !run.second->exchange(true)) {
      log_.Error("run " + run_id + ": its lease was taken (reaped by another process); " +
                 "cancelled");
    }
  }
}

void Scheduler::ReapExpiredLeases() {
  auto reaped = store_.ReapExpiredLeases();
  if (!reaped) {
    log_.Error("cannot reap expired leases: " + reaped.error().ToString());
    return;
  }
  for (const std::string& run_id : *reaped) {
    log_.Warn("run " + run_id + ": its process stopped renewing its lease; marked FAILED");
    EndInterrupted(run_id);
  }
}

void Scheduler::Tick() {
  KeepLeases();  // also while stopping: the runs given the grace period keep their leases
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
  }
  ReapExpiredLeases();
  auto connectors = store_.ListConnectors();
  if (!connectors) {
    log_.Error("the scheduler cannot read the connectors: " + connectors.error().ToString());
    return;
  }
  const int64_t now = NowMs();
  struct Due {
    int64_t at;
    const store::ConnectorRecord* connector;
    bool retry;
  };
  std::vector<Due> due;
  for (const store::ConnectorRecord& c : *connectors) {
    if (!c.enabled) continue;
    if (c.next_run_ms && *c.next_run_ms <= now) due.push_back({*c.next_run_ms, &c, false});
    if (c.retry_due_ms && *c.retry_due_ms <= now) due.push_back({*c.retry_due_ms, &c, true});
  }
  std::stable_sort(due.begin(), due.end(), [](const Due& a, const Due& b) { return a.at < b.at; });

  for (const Due& d : due) {
    const store::ConnectorRecord& c = *d.connector;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    store::ClaimRequest claim;
    claim.connector_id = c.id;
    claim.due_ms = d.at;
    claim.max_running = options_.max_concurrent_runs;
    claim.lease_ms = options_.lease_ms;
    LaunchRequest request{NewRunId(), c.id, 1, std::nullopt, "retry"};
    claim.run_id = request.run_id;
    if (d.retry) {
      claim.kind = store::ClaimKind::kRetry;
      request.attempt = c.retry_attempt;
    } else {
      claim.kind = store::ClaimKind::kScheduled;
      request.trigger = now - d.at >= 60'000 ? "catch-up" : "scheduled";
      // The next occurrence after now: missed ones are not replayed.
      if (auto form = FromRecord(c)) {
        if (auto at = NextRun(form->schedule, FromMs(now))) {
          claim.next_run_ms = at->time_since_epoch().count();
        }
      }
    }
    auto claimed = Claim(claim);
    if (!claimed) {
      log_.Error(fmt::format("connector {}: cannot claim its due run: {}", c.name,
                             claimed.error().ToString()));
      continue;
    }
    switch (claimed->outcome) {
      case store::ClaimOutcome::kTaken:
        continue;
      case store::ClaimOutcome::kLimitReached:  // it and the later ones wait for a free slot
        return;
      case store::ClaimOutcome::kConnectorRunning:
        if (!d.retry) {  // a due retry waits for the run
          log_.Warn(fmt::format(
              "connector {}: the scheduled run of {} is skipped: the previous run {} is still "
              "running",
              c.name, IsoUtc(d.at), claimed->running_run_id));
        }
        continue;
      case store::ClaimOutcome::kClaimed:
        break;
    }
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    {
      std::lock_guard lock(mu_);
      active_[c.id] = {request.run_id, cancel, true, nullptr};
    }
    log_.Info(fmt::format("connector {}: {} run {} (attempt {})", c.name, request.trigger,
                          request.run_id, request.attempt));
    launcher_.Launch(c, request, cancel, [this](const RunEnded& ended) { OnEnded(ended); });
  }
}

Result<std::string> Scheduler::RunNow(const std::string& connector_id,
                                      std::optional<int> specific_day) {
  LaunchRequest request{NewRunId(), connector_id, 1, specific_day, "manual"};
  return StartNow(connector_id, request,
                  {request.run_id, std::make_shared<std::atomic<bool>>(false), true, nullptr},
                  /*clear_retry=*/true);
}

Result<std::string> Scheduler::StartBackfillDay(const std::string& connector_id, int specific_day,
                                                std::shared_ptr<std::atomic<bool>> cancel,
                                                std::function<void(const RunEnded&)> ended) {
  LaunchRequest request{NewRunId(), connector_id, 1, specific_day, "backfill"};
  return StartNow(connector_id, request,
                  {request.run_id, std::move(cancel), false, std::move(ended)},
                  /*clear_retry=*/false);
}

Result<std::string> Scheduler::StartNow(const std::string& connector_id, LaunchRequest request,
                                        Active active, bool clear_retry) {
  auto connector = store_.GetConnector(connector_id);
  if (!connector) return Fail(connector.error());
  const std::string subject = "connector " + connector->name;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      return Fail(ErrorCode::kUnavailable, subject, "the service is shutting down");
    }
  }
  store::ClaimRequest claim;
  claim.kind = store::ClaimKind::kManual;
  claim.connector_id = connector_id;
  claim.run_id = request.run_id;
  claim.clear_retry = clear_retry;
  claim.max_running = options_.max_concurrent_runs;
  claim.lease_ms = options_.lease_ms;
  auto claimed = Claim(claim);
  if (!claimed) return Fail(claimed.error());
  if (claimed->outcome == store::ClaimOutcome::kConnectorRunning) {
    return Fail(ErrorCode::kFailedPrecondition, subject,
                "already running (run " + claimed->running_run_id +
                    "); at most one run of a connector at a time");
  }
  if (claimed->outcome != store::ClaimOutcome::kClaimed) {
    return Fail(ErrorCode::kFailedPrecondition, subject,
                fmt::format("{} runs are already running, the service's limit "
                            "(--max-concurrent-runs); try again when one has ended",
                            claimed->running));
  }
  const std::shared_ptr<std::atomic<bool>> cancel = active.cancel;
  {
    std::lock_guard lock(mu_);
    active_[connector_id] = std::move(active);
  }
  log_.Info(
      fmt::format("connector {}: {} run {}", connector->name, request.trigger, request.run_id));
  launcher_.Launch(*connector, request, cancel, [this](const RunEnded& ended) { OnEnded(ended); });
  return request.run_id;
}

Result<std::string> Scheduler::Cancel(const std::string& connector_id) {
  auto connector = store_.GetConnector(connector_id);
  if (!connector) return Fail(connector.error());
  {
    std::lock_guard lock(mu_);
    if (auto it = active_.find(connector_id); it != active_.end()) {
      it->second.cancel->store(true);
      log_.Info(fmt::format("connector {}: cancelling run {}", connector->name, it->second.run_id));
      return it->second.run_id;
    }
  }
  // Another process's run: its owner acts on the request at its next renewal (Tick).
  auto lease = store_.RequestCancel(connector_id);
  if (!lease) {
    Error error = lease.error();
    if (error.code == ErrorCode::kFailedPrecondition)
      error.subject = "connector " + connector->name;
    return Fail(std::move(error));
  }
  log_.Info(fmt::format("connector {}: asked the process running run {} to cancel it",
                        connector->name, lease->run_id));
  return lease->run_id;
}

Result<void> Scheduler::Reschedule(const std::string& connector_id) {
  auto connector = store_.GetConnector(connector_id);
  if (!connector) return Fail(connector.error());
  std::optional<int64_t> next;
  if (connector->enabled) {
    auto form = FromRecord(*connector);
    if (!form) return Fail(form.error());
    if (auto at = NextRun(form->schedule, FromMs(NowMs()))) next = at->time_since_epoch().count();
  } else if (connector->retry_due_ms) {
    if (auto ok = store_.ClearPendingRetry(connector_id); !ok) return ok;
  }
  return store_.SetNextRun(connector_id, next);
}

std::optional<std::string> Scheduler::RunningRun(const std::string& connector_id) const {
  if (auto lease = store_.GetLease(connector_id)) {
    if (*lease) return (*lease)->run_id;
    return std::nullopt;
  }
  std::lock_guard lock(mu_);  // the store cannot answer: this process's own runs
  auto it = active_.find(connector_id);
  if (it == active_.end()) return std::nullopt;
  return it->second.run_id;
}

size_t Scheduler::RunningCount() const {
  std::lock_guard lock(mu_);
  return active_.size();
}

void Scheduler::StopStarting() {
  std::lock_guard lock(mu_);
  stopping_ = true;
}

void Scheduler::CancelAll() {
  std::lock_guard lock(mu_);
  for (auto& [id, active] : active_) active.cancel->store(true);
}

bool Scheduler::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_.wait_for(lock, timeout, [this] { return active_.empty() && callbacks_ == 0; });
}

void Scheduler::OnEnded(const RunEnded& ended) {
  bool retried = true;
  std::function<void(const RunEnded&)> then;
  {
    std::lock_guard lock(mu_);
    auto it = active_.find(ended.connector_id);
    if (it != active_.end() && it->second.run_id == ended.run_id) {
      retried = it->second.retried;
      then = it->second.then;
    }
  }
  // The retry decision first, so a run seen ended is never seen without its retry.
  bool retry_scheduled = false;
  if (ended.status == store::RunStatus::kFailed && retried) {
    auto connector = store_.GetConnector(ended.connector_id);
    auto run = store_.GetRun(ended.run_id);
    if (connector && run) {
      auto form = FromRecord(*connector);
      if (form && connector->enabled && run->attempt <= form->retry.max_retries) {
        const int64_t due = ended.finished_ms + int64_t{form->retry.every_minutes} * 60'000;
        if (auto ok = store_.SetPendingRetry(connector->id, due, run->attempt + 1, ended.run_id);
            !ok) {
          log_.Error(ok.error().ToString());
        } else {
          retry_scheduled = true;
          log_.Info(fmt::format("connector {}: run {} failed; attempt {} at {}", connector->name,
                                ended.run_id, run->attempt + 1, IsoUtc(due)));
        }
      }
    }
  }
  if (options_.run_ended) options_.run_ended(ended, retry_scheduled);
  // After the retry decision, so a connector seen no longer running has its retry; a lease
  // left behind by a failure here expires and is reaped (the run is no longer RUNNING).
  if (auto ok = store_.ReleaseLease(ended.connector_id, ended.run_id); !ok) {
    log_.Error(ok.error().ToString());
  }
  {
    std::lock_guard lock(mu_);
    auto it = active_.find(ended.connector_id);
    if (it != active_.end() && it->second.run_id == ended.run_id) active_.erase(it);
    slot_freed_.store(true);
    if (then) ++callbacks_;
    idle_.notify_all();
  }
  if (!then) return;
  then(ended);
  std::lock_guard lock(mu_);
  --callbacks_;
  idle_.notify_all();
}
}  // namespace s3u::service
