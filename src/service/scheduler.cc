#include "service/scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

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
    auto run = store_.GetRun(run_id);
    if (!run || !run->connector_id) continue;  // a CLI run: its own job cleans it up
    if (auto owner = store_.GetConnector(*run->connector_id)) launcher_.CleanUp(*owner, *run);
    OnEnded({*run->connector_id, run_id, store::RunStatus::kFailed,
             run->finished_ms.value_or(NowMs())});
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

void Scheduler::Tick() {
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

  std::vector<std::pair<const store::ConnectorRecord*, LaunchRequest>> launches;
  std::vector<std::shared_ptr<std::atomic<bool>>> flags;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    for (const Due& d : due) {
      const store::ConnectorRecord& c = *d.connector;
      const bool running = active_.count(c.id) > 0;
      if (!d.retry) {
        const bool catch_up = now - d.at >= 60'000;
        if (running) {
          log_.Warn(
              fmt::format("connector {}: the scheduled run of {} is skipped: the previous "
                          "run {} is still running",
                          c.name, IsoUtc(d.at), active_.at(c.id).run_id));
        } else if (active_.size() >= static_cast<size_t>(options_.max_concurrent_runs)) {
          continue;  // waits for a free slot; next_run_ms stays due
        } else {
          if (c.retry_due_ms) {  // a new scheduled run supersedes the pending retry
            if (auto ok = store_.ClearPendingRetry(c.id); !ok) log_.Error(ok.error().ToString());
          }
          LaunchRequest request{NewRunId(), c.id, 1, std::nullopt,
                                catch_up ? "catch-up" : "scheduled"};
          auto cancel = std::make_shared<std::atomic<bool>>(false);
          active_[c.id] = {request.run_id, cancel, true, nullptr};
          launches.push_back({&c, request});
          flags.push_back(cancel);
        }
        // The next occurrence after now: missed ones are not replayed.
        std::optional<int64_t> next;
        if (auto form = FromRecord(c)) {
          if (auto at = NextRun(form->schedule, FromMs(now))) next = at->time_since_epoch().count();
        }
        if (auto ok = store_.SetNextRun(c.id, next); !ok) log_.Error(ok.error().ToString());
      } else {
        if (running || active_.size() >= static_cast<size_t>(options_.max_concurrent_runs)) {
          continue;  // waits
        }
        LaunchRequest request{NewRunId(), c.id, c.retry_attempt, std::nullopt, "retry"};
        if (auto ok = store_.ClearPendingRetry(c.id); !ok) {
          log_.Error(ok.error().ToString());
          continue;
        }
        auto cancel = std::make_shared<std::atomic<bool>>(false);
        active_[c.id] = {request.run_id, cancel, true, nullptr};
        launches.push_back({&c, request});
        flags.push_back(cancel);
      }
    }
  }
  for (size_t i = 0; i < launches.size(); ++i) {
    const auto& [connector, request] = launches[i];
    log_.Info(fmt::format("connector {}: {} run {} (attempt {})", connector->name, request.trigger,
                          request.run_id, request.attempt));
    launcher_.Launch(*connector, request, flags[i],
                     [this](const RunEnded& ended) { OnEnded(ended); });
  }
}

Result<std::string> Scheduler::RunNow(const std::string& connector_id,
                                      std::optional<int> specific_day) {
  LaunchRequest request{NewRunId(), connector_id, 1, specific_day, "manual"};
  return StartNow(connector_id, request,
                  {request.run_id, std::make_shared<std::atomic<bool>>(false), true, nullptr});
}

Result<std::string> Scheduler::StartBackfillDay(const std::string& connector_id, int specific_day,
                                                std::shared_ptr<std::atomic<bool>> cancel,
                                                std::function<void(const RunEnded&)> ended) {
  LaunchRequest request{NewRunId(), connector_id, 1, specific_day, "backfill"};
  return StartNow(connector_id, request,
                  {request.run_id, std::move(cancel), false, std::move(ended)});
}

Result<std::string> Scheduler::StartNow(const std::string& connector_id, LaunchRequest request,
                                        Active active) {
  auto connector = store_.GetConnector(connector_id);
  if (!connector) return Fail(connector.error());
  const std::shared_ptr<std::atomic<bool>> cancel = active.cancel;
  {
    std::lock_guard lock(mu_);
    const std::string subject = "connector " + connector->name;
    if (stopping_) {
      return Fail(ErrorCode::kUnavailable, subject, "the service is shutting down");
    }
    if (auto it = active_.find(connector_id); it != active_.end()) {
      return Fail(ErrorCode::kFailedPrecondition, subject,
                  "already running (run " + it->second.run_id +
                      "); at most one run of a connector at a time");
    }
    if (active_.size() >= static_cast<size_t>(options_.max_concurrent_runs)) {
      return Fail(ErrorCode::kFailedPrecondition, subject,
                  fmt::format("{} runs are already running, the service's limit "
                              "(--max-concurrent-runs); try again when one has ended",
                              active_.size()));
    }
    active_[connector_id] = std::move(active);
  }
  // A new attempt series: a pending retry of an earlier failure is no longer wanted.
  if (request.trigger == "manual" && connector->retry_due_ms) {
    if (auto ok = store_.ClearPendingRetry(connector_id); !ok) log_.Error(ok.error().ToString());
  }
  log_.Info(
      fmt::format("connector {}: {} run {}", connector->name, request.trigger, request.run_id));
  launcher_.Launch(*connector, request, cancel, [this](const RunEnded& ended) { OnEnded(ended); });
  return request.run_id;
}

Result<std::string> Scheduler::Cancel(const std::string& connector_id) {
  auto connector = store_.GetConnector(connector_id);
  if (!connector) return Fail(connector.error());
  std::lock_guard lock(mu_);
  auto it = active_.find(connector_id);
  if (it == active_.end()) {
    return Fail(ErrorCode::kFailedPrecondition, "connector " + connector->name,
                "nothing to cancel: the connector is not running");
  }
  it->second.cancel->store(true);
  log_.Info(fmt::format("connector {}: cancelling run {}", connector->name, it->second.run_id));
  return it->second.run_id;
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
  std::lock_guard lock(mu_);
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
  {
    std::lock_guard lock(mu_);
    auto it = active_.find(ended.connector_id);
    if (it != active_.end() && it->second.run_id == ended.run_id) active_.erase(it);
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
