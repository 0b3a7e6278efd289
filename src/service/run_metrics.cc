#include "service/run_metrics.h"

#include <algorithm>
#include <set>

namespace s3u::service {

ConnectorRunStats& RunMetrics::StatsLocked(const unload::RunIdentity& id) {
  ConnectorRunStats& stats = connectors_[id.connector_id.value_or("")];
  stats.name = id.job_name;  // the service names a connector's job after the connector
  if (id.attempt > 1) ++stats.retries;
  return stats;
}

void RunMetrics::Began(const unload::RunStart& start) {
  std::lock_guard lock(mu_);
  ++StatsLocked(start.id).in_progress;
  begun_[start.id.run_id] = {start.id.connector_id.value_or(""), start.started_ms};
}

void RunMetrics::Finished(const std::string& run_id, const unload::RunEnd& end) {
  std::lock_guard lock(mu_);
  auto it = begun_.find(run_id);
  if (it == begun_.end()) return;
  ConnectorRunStats& stats = connectors_[it->second.connector_id];
  --stats.in_progress;
  stats.durations.Observe(static_cast<double>(end.finished_ms - it->second.started_ms) / 1000.0);
  switch (end.status) {
    case RunStatus::kSucceeded:
      ++stats.succeeded;
      // Only a success publishes: a failed or cancelled run aborted what it had uploaded.
      stats.rows += static_cast<uint64_t>(std::max<int64_t>(end.rows, 0));
      stats.bytes += static_cast<uint64_t>(std::max<int64_t>(end.bytes, 0));
      break;
    case RunStatus::kCancelled:
      ++stats.cancelled;
      break;
    default:
      ++stats.failed;
      break;
  }
  begun_.erase(it);
}

void RunMetrics::NotStarted(const unload::RunIdentity& id) {
  std::lock_guard lock(mu_);
  ++StatsLocked(id).failed;
}

std::map<std::string, ConnectorRunStats> RunMetrics::Snapshot() const {
  std::lock_guard lock(mu_);
  return connectors_;
}

// Counted before the keeper records it: whoever sees an outcome in the history (the API, a
// test waiting for a run's end) finds it counted already.
void MeteredHistory::Began(const unload::RunStart& start) {
  metrics_.Began(start);
  keeper_.Began(start);
}

void MeteredHistory::Finished(const std::string& run_id, const unload::RunEnd& end) {
  metrics_.Finished(run_id, end);
  keeper_.Finished(run_id, end);
}

void MeteredHistory::NotStarted(const unload::RunIdentity& id, int64_t at_ms, const Error& error) {
  metrics_.NotStarted(id);
  keeper_.NotStarted(id, at_ms, error);
}

std::vector<MetricFamily> MetricFamilies(const std::vector<ConnectorState>& connectors,
                                         const std::map<std::string, ConnectorRunStats>& stats,
                                         int64_t now_ms) {
  MetricFamily runs{"s3unload_runs_total",
                    "Runs ended, by connector and status (succeeded, failed, cancelled); a run "
                    "that could not start is failed.",
                    MetricType::kCounter,
                    {}};
  MetricFamily rows{
      "s3unload_rows_total", "Rows published to S3 by succeeded runs.", MetricType::kCounter, {}};
  MetricFamily bytes{"s3unload_bytes_total",
                     "Bytes published to S3 by succeeded runs (as stored: after compression).",
                     MetricType::kCounter,
                     {}};
  MetricFamily retries{"s3unload_retries_total",
                       "Runs that were a retry of a failed run (attempt 2 and later).",
                       MetricType::kCounter,
                       {}};
  MetricFamily durations{"s3unload_run_duration_seconds",
                         "Duration of ended runs, from begin to end, every status.",
                         MetricType::kHistogram,
                         {}};
  MetricFamily in_progress{
      "s3unload_runs_in_progress", "Runs running now.", MetricType::kGauge, {}};
  MetricFamily last_success{"s3unload_last_success_timestamp_seconds",
                            "When the connector's last succeeded run ended (Unix time); no "
                            "series until it has succeeded once.",
                            MetricType::kGauge,
                            {}};
  MetricFamily enabled{"s3unload_connector_enabled",
                       "1 for an enabled connector, 0 for a disabled one: one series per "
                       "connector.",
                       MetricType::kGauge,
                       {}};
  MetricFamily lag{"s3unload_scheduler_lag_seconds",
                   "How long the longest-waiting due run (a scheduled time or a retry that has "
                   "come) has waited to start; 0 when none waits.",
                   MetricType::kGauge,
                   {}};

  std::map<std::string, const ConnectorState*> by_id;
  for (const ConnectorState& c : connectors) by_id[c.id] = &c;
  std::set<std::string> ids;
  for (const auto& [id, s] : stats) ids.insert(id);
  for (const auto& [id, c] : by_id) ids.insert(id);

  const ConnectorRunStats none;
  int64_t lag_ms = 0;
  for (const std::string& id : ids) {
    auto state = by_id.find(id);
    auto counted = stats.find(id);
    const ConnectorRunStats& s = counted != stats.end() ? counted->second : none;
    const Labels labels = {{"connector_id", id},
                           {"connector", state != by_id.end() ? state->second->name : s.name}};
    auto with_status = [&](const char* status) {
      Labels l = labels;
      l.emplace_back("status", status);
      return l;
    };
    runs.samples.push_back({"", with_status("succeeded"), static_cast<double>(s.succeeded)});
    runs.samples.push_back({"", with_status("failed"), static_cast<double>(s.failed)});
    runs.samples.push_back({"", with_status("cancelled"), static_cast<double>(s.cancelled)});
    rows.samples.push_back({"", labels, static_cast<double>(s.rows)});
    bytes.samples.push_back({"", labels, static_cast<double>(s.bytes)});
    retries.samples.push_back({"", labels, static_cast<double>(s.retries)});
    AppendHistogram(durations, labels, s.durations);
    in_progress.samples.push_back({"", labels, static_cast<double>(s.in_progress)});
    if (state == by_id.end()) continue;  // deleted: its counts only
    const ConnectorState& c = *state->second;
    if (c.last_success_ms) {
      last_success.samples.push_back({"", labels, static_cast<double>(*c.last_success_ms) / 1000});
    }
    enabled.samples.push_back({"", labels, c.enabled ? 1.0 : 0.0});
    if (!c.enabled) continue;
    for (const std::optional<int64_t>& due : {c.next_run_ms, c.retry_due_ms}) {
      if (due && *due <= now_ms) lag_ms = std::max(lag_ms, now_ms - *due);
    }
  }
  lag.samples.push_back({"", {}, static_cast<double>(lag_ms) / 1000});
  return {runs, rows, bytes, retries, durations, in_progress, last_success, enabled, lag};
}

Result<std::string> ScrapeMetrics(store::Store& store, const RunMetrics& metrics, int64_t now_ms) {
  auto connectors = store.ListConnectors();
  if (!connectors) return Fail(connectors.error());
  std::vector<ConnectorState> states;
  for (const store::ConnectorRecord& c : *connectors) {
    ConnectorState state{c.id, c.name, c.enabled, c.next_run_ms, c.retry_due_ms, std::nullopt};
    store::RunFilter filter;
    filter.connector_id = c.id;
    filter.status = store::RunStatus::kSucceeded;
    filter.limit = 1;
    auto last = store.ListRuns(filter);
    if (!last) return Fail(last.error());
    if (!last->empty()) state.last_success_ms = last->front().finished_ms;
    states.push_back(std::move(state));
  }
  return FormatExposition(MetricFamilies(states, metrics.Snapshot(), now_ms));
}

}  // namespace s3u::service
