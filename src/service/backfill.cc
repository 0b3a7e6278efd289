#include "service/backfill.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "core/time_format.h"
#include "table/day_range.h"
#include "table/day_window.h"

namespace s3u::service {
namespace {

std::string_view DayStateName(DayState state) {
  switch (state) {
    case DayState::kPending:
      return "pending";
    case DayState::kRunning:
      return "running";
    case DayState::kSucceeded:
      return "succeeded";
    case DayState::kFailed:
      return "failed";
    case DayState::kCancelled:
      return "cancelled";
  }
  return "pending";
}

DayState EndedState(store::RunStatus status) {
  switch (status) {
    case store::RunStatus::kSucceeded:
      return DayState::kSucceeded;
    case store::RunStatus::kCancelled:
      return DayState::kCancelled;
    default:
      return DayState::kFailed;
  }
}

void CancelPending(BackfillProgress& progress) {
  progress.cancelled = true;
  for (BackfillDay& day : progress.days) {
    if (day.state == DayState::kPending) day.state = DayState::kCancelled;
  }
}

}  // namespace

int BackfillProgress::Count(DayState state) const {
  return static_cast<int>(std::count_if(
      days.begin(), days.end(), [state](const BackfillDay& d) { return d.state == state; }));
}

int BackfillProgress::DaysLeft() const {
  return Count(DayState::kPending) + Count(DayState::kRunning);
}

std::string BackfillProgress::State() const {
  if (DaysLeft() > 0) return cancelled ? "cancelling" : "running";
  if (cancelled) return "cancelled";
  return Count(DayState::kFailed) > 0 ? "failed" : "succeeded";
}

nlohmann::json BackfillJson(const BackfillProgress& b) {
  nlohmann::json runs = nlohmann::json::array();
  for (const BackfillDay& day : b.days) {
    runs.push_back(
        {{"day", table::FormatDate(day.date)},
         {"state", DayStateName(day.state)},
         {"run_id", day.run_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(day.run_id)},
         {"error", day.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(day.error)}});
  }
  return {{"id", b.id},
          {"connector_id", b.connector_id},
          {"from", table::FormatDate(b.days.front().date)},
          {"to", table::FormatDate(b.days.back().date)},
          {"time_zone", b.time_zone},
          {"created_ms", b.created_ms},
          {"state", b.State()},
          {"days_total", b.days.size()},
          {"days_done", b.Count(DayState::kSucceeded)},
          {"days_failed", b.Count(DayState::kFailed)},
          {"days_cancelled", b.Count(DayState::kCancelled)},
          {"days_left", b.DaysLeft()},
          {"runs", runs}};
}

std::string ConnectorTimeZone(const store::ConnectorRecord& connector) {
  const nlohmann::json settings = nlohmann::json::parse(connector.settings_json, nullptr, false);
  const nlohmann::json::json_pointer pointer("/details/time_zone");
  if (settings.is_object() && settings.contains(pointer) && settings[pointer].is_string()) {
    return settings[pointer].get<std::string>();
  }
  return "UTC";
}

Backfills::Backfills(Scheduler& scheduler, Clock& run_clock, Logger& log)
    : scheduler_(scheduler), run_clock_(run_clock), log_(log) {}

Result<BackfillProgress> Backfills::Start(const store::ConnectorRecord& connector,
                                          std::vector<table::Days> days) {
  static std::random_device device;
  Entry entry;
  entry.progress.id = "bf-" + store::MakeRunId(run_clock_.Now(), device());
  entry.progress.connector_id = connector.id;
  entry.progress.time_zone = ConnectorTimeZone(connector);
  entry.progress.created_ms = EpochMillis(run_clock_.Now());
  for (table::Days d : days) entry.progress.days.push_back({d, DayState::kPending, "", ""});
  entry.cancel = std::make_shared<std::atomic<bool>>(false);
  const std::string id = entry.progress.id;
  {
    std::lock_guard lock(mu_);
    for (const auto& [other_id, other] : backfills_) {
      if (other.progress.connector_id == connector.id && other.progress.DaysLeft() > 0) {
        return Fail(ErrorCode::kFailedPrecondition, "connector " + connector.name,
                    "backfill " + other_id +
                        " of this connector is still going; cancel it or wait for its end");
      }
    }
    backfills_[id] = std::move(entry);
    Forget();
  }
  log_.Info(fmt::format("connector {}: backfill {} of {} day(s), {} to {}", connector.name, id,
                        days.size(), table::FormatDate(days.front()),
                        table::FormatDate(days.back())));
  TryNext(id);
  return Get(id);
}

Result<BackfillProgress> Backfills::Get(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = backfills_.find(id);
  if (it == backfills_.end()) {
    return Fail(ErrorCode::kNotFound, "backfill " + id,
                "no such backfill (backfills are kept in memory: a restart forgets them, "
                "and their runs stay in the history)");
  }
  return it->second.progress;
}

Result<BackfillProgress> Backfills::Cancel(const std::string& id) {
  {
    std::lock_guard lock(mu_);
    auto it = backfills_.find(id);
    if (it != backfills_.end()) {
      if (it->second.progress.DaysLeft() == 0) {
        return Fail(
            ErrorCode::kFailedPrecondition, "backfill " + id,
            "nothing to cancel: the backfill has ended (" + it->second.progress.State() + ")");
      }
      it->second.cancel->store(true);
      CancelPending(it->second.progress);
      log_.Info("backfill " + id + " cancelled");
    }
  }
  return Get(id);
}

std::optional<std::string> Backfills::LatestOf(const std::string& connector_id) const {
  std::lock_guard lock(mu_);
  for (auto it = backfills_.rbegin(); it != backfills_.rend(); ++it) {
    if (it->second.progress.connector_id == connector_id) return it->first;
  }
  return std::nullopt;
}

void Backfills::Tick() {
  std::vector<std::string> waiting;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, entry] : backfills_) {
      if (entry.progress.Count(DayState::kPending) > 0) waiting.push_back(id);
    }
  }
  for (const std::string& id : waiting) TryNext(id);
}

void Backfills::TryNext(const std::string& id) {
  for (;;) {
    size_t index = 0;
    std::string connector_id;
    int days_ago = 0;
    std::shared_ptr<std::atomic<bool>> cancel;
    {
      std::lock_guard lock(mu_);
      auto it = backfills_.find(id);
      if (it == backfills_.end() || it->second.starting) return;
      BackfillProgress& p = it->second.progress;
      if (p.Count(DayState::kRunning) > 0) return;  // one day at a time
      auto next = std::find_if(p.days.begin(), p.days.end(),
                               [](const BackfillDay& d) { return d.state == DayState::kPending; });
      if (next == p.days.end()) return;
      index = static_cast<size_t>(next - p.days.begin());
      // "N days ago" now, by the runs' clock, so the run unloads this very date
      // (table/day_range.h). The zone was checked when the connector was saved.
      auto zone = table::FindTimeZone(p.time_zone, "details.time_zone");
      days_ago = zone ? table::DaysAgo(next->date, run_clock_.Now(), **zone) : -1;
      if (days_ago < 0) {
        next->state = DayState::kFailed;
        next->error = zone ? "the day has not begun yet" : zone.error().message;
        continue;
      }
      next->state = DayState::kRunning;
      it->second.starting = true;
      connector_id = p.connector_id;
      cancel = it->second.cancel;
    }
    // Without mu_: a run that cannot start ends (OnDayEnded) before StartBackfillDay returns.
    auto run = scheduler_.StartBackfillDay(
        connector_id, days_ago, cancel,
        [this, id, index](const RunEnded& ended) { OnDayEnded(id, index, ended); });
    std::lock_guard lock(mu_);
    Entry& entry = backfills_.at(id);
    entry.starting = false;
    BackfillDay& day = entry.progress.days[index];
    if (run) {
      if (day.state != DayState::kRunning) continue;  // it has ended already
      day.run_id = *run;
      return;  // it runs; its end starts the next one
    }
    if (run.error().code == ErrorCode::kNotFound) {  // the connector was deleted
      for (BackfillDay& d : entry.progress.days) {
        if (d.state != DayState::kPending && d.state != DayState::kRunning) continue;
        d.state = DayState::kFailed;
        d.error = run.error().message;
      }
      return;
    }
    // Busy (its connector runs, no free slot) or stopping: the day waits for a Tick.
    day.state = DayState::kPending;
    return;
  }
}

void Backfills::OnDayEnded(const std::string& id, size_t index, const RunEnded& ended) {
  bool starting = false;
  {
    std::lock_guard lock(mu_);
    auto it = backfills_.find(id);
    if (it == backfills_.end()) return;
    BackfillProgress& p = it->second.progress;
    p.days[index].state = EndedState(ended.status);
    p.days[index].run_id = ended.run_id;
    // A cancelled day cancels the rest: the cancel flag is the backfill's (the connector's
    // Cancel and the shutdown set it too).
    if (ended.status == store::RunStatus::kCancelled) CancelPending(p);
    starting = it->second.starting;
  }
  if (!starting) TryNext(id);  // else the TryNext that started this day goes on
}

void Backfills::Forget() {
  size_t finished = 0;
  for (const auto& [id, entry] : backfills_) finished += entry.progress.DaysLeft() == 0 ? 1 : 0;
  for (auto it = backfills_.begin(); it != backfills_.end() && finished > kKeptBackfills;) {
    if (it->second.progress.DaysLeft() == 0) {
      it = backfills_.erase(it);
      --finished;
    } else {
      ++it;
    }
  }
}

}  // namespace s3u::service
