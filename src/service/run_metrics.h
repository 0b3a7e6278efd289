// The service's Prometheus metrics (GET /metrics; the list, with types and labels, is in
// docs/operations.md). Two sources, each the one owner of what it says:
//   - what runs did (runs by status, rows, bytes, retries, durations, runs in progress) is
//     counted by RunMetrics, fed by MeteredHistory: the launcher's unload::RunHistory, so every
//     outcome the history records is counted from that one place. These counters live in
//     memory and start at 0 with the process (Prometheus reads a drop as a counter reset);
//   - what the store knows (the connectors, whether each is enabled, when it last succeeded,
//     which runs are due) is read from the store at every scrape, so the time of the last
//     success is right after a restart, and a deleted connector's gauges disappear with it.
// Every series is labelled by the connector's id and its current name (escaped as user text,
// metrics_text.h); nothing else of a connector, never an account, a bucket or a secret.
//
// Thread-safety: RunMetrics and MeteredHistory may be used from any thread; the rest is pure
// (ScrapeMetrics is as thread-safe as the Store).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "service/metrics_text.h"
#include "store/store.h"
#include "unload/history.h"

namespace s3u::service {

// The run duration histogram's upper bounds, in seconds: a day of a small dataset takes
// seconds, one of hundreds of millions of rows hours.
inline constexpr std::array<double, 14> kRunDurationBounds = {
    1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800};

// What the runs of one connector did since the process started.
struct ConnectorRunStats {
  std::string name;  // as the connector was named when it last began or was refused
  uint64_t succeeded = 0, failed = 0, cancelled = 0;
  uint64_t rows = 0, bytes = 0;  // of succeeded runs: what was published
  uint64_t retries = 0;          // runs that were a retry (attempt 2 and later)
  int64_t in_progress = 0;       // begun and not finished
  // Begun to finished, every status.
  HistogramCounts durations{{kRunDurationBounds.begin(), kRunDurationBounds.end()}};
};

class RunMetrics {
 public:
  // The three outcomes of unload::RunHistory. A run without a connector (none in the service)
  // is counted under the connector id "".
  void Began(const unload::RunStart& start);
  // Unknown run ids (never begun here) are ignored.
  void Finished(const std::string& run_id, const unload::RunEnd& end);
  // Counted as a failed run; it has no duration.
  void NotStarted(const unload::RunIdentity& id);

  // A copy of the counts, by connector id.
  std::map<std::string, ConnectorRunStats> Snapshot() const;

 private:
  struct Begun {
    std::string connector_id;
    int64_t started_ms = 0;
  };
  ConnectorRunStats& StatsLocked(const unload::RunIdentity& id);

  mutable std::mutex mu_;
  std::map<std::string, ConnectorRunStats> connectors_;  // GUARDED_BY(mu_), by connector id
  std::map<std::string, Begun> begun_;                   // GUARDED_BY(mu_), by run id
};

// The launcher's history: everything goes to `keeper` (the store's history) as it is, and the
// outcomes are also counted in `metrics`, before the keeper records them. Both must outlive
// this.
class MeteredHistory final : public unload::RunHistory {
 public:
  MeteredHistory(unload::RunHistory& keeper, RunMetrics& metrics)
      : keeper_(keeper), metrics_(metrics) {}

  void Began(const unload::RunStart& start) override;
  void Finished(const std::string& run_id, const unload::RunEnd& end) override;
  void NotStarted(const unload::RunIdentity& id, int64_t at_ms, const Error& error) override;
  Result<void> UploadOpened(const std::string& run_id, const std::string& bucket,
                            const std::string& key, const std::string& upload_id) override {
    return keeper_.UploadOpened(run_id, bucket, key, upload_id);
  }
  void UploadCompleted(const std::string& upload_id) override {
    keeper_.UploadCompleted(upload_id);
  }
  void UploadAborted(const std::string& upload_id) override { keeper_.UploadAborted(upload_id); }
  void Published(const std::string& run_id) override { keeper_.Published(run_id); }

 private:
  unload::RunHistory& keeper_;
  RunMetrics& metrics_;
};

// A connector as the store has it at the scrape.
struct ConnectorState {
  std::string id;
  std::string name;
  bool enabled = true;
  std::optional<int64_t> next_run_ms, retry_due_ms;  // the scheduler's due times
  std::optional<int64_t> last_success_ms;            // finished_ms of its last SUCCEEDED run
};

// Every family of docs/operations.md, in its order, from the store's connectors and the
// counts; `now_ms` is the scheduler's clock. Series exist for every connector of either list
// (a connector's counters from its creation, at 0, so increase() sees its first run; a deleted
// one's until the process ends); the name is the store's when it has the connector. The
// scheduler lag is how long the longest-waiting due run of an enabled connector (a scheduled
// time or a retry that has come) has waited by `now_ms`, 0 when none waits.
std::vector<MetricFamily> MetricFamilies(const std::vector<ConnectorState>& connectors,
                                         const std::map<std::string, ConnectorRunStats>& stats,
                                         int64_t now_ms);

// The /metrics page: the connectors and their last successes read from `store`, the counts
// from `metrics`, formatted. Store errors are returned as they are.
Result<std::string> ScrapeMetrics(store::Store& store, const RunMetrics& metrics, int64_t now_ms);

}  // namespace s3u::service
