// The service's real Launcher: runs a connector's job with the unload engine (unload/runner.h)
// on a thread of its own, with clients built from the connector's saved accounts
// (jobs/clients.h; nothing from the service's own environment, except for an AWS role account
// without a base account, whose base credentials are the service's own: aws_environment.h). The run
// is begun in the history before Launch returns, so "Run now" answers with a run the history
// already shows; a run that cannot start (an account deleted or unreadable, settings no longer
// valid) is recorded as not started, FAILED with the reason, so the history shows every attempt.
//
// Thread-safety: Launch may be called from any thread; the destructor waits for every run.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/log.h"
#include "jobs/store_history.h"
#include "service/progress.h"
#include "service/run_metrics.h"
#include "service/scheduler.h"
#include "store/store.h"
#include "unload/job_spec.h"

namespace s3u::service {

class RunLauncher final : public Launcher {
 public:
  // `clock` times and signs the runs (the real clock in production). Lines of each run go to
  // `log` prefixed with the connector's name and the run id, after the run's own redaction,
  // and are kept with the run in `store` (run_log.h).
  // Every outcome is also counted in `metrics` (run_metrics.h), and each run's counts are
  // reported to `progress` while it runs (progress.h); both must outlive this.
  RunLauncher(store::Store& store, Clock& clock, Logger& log, RunMetrics& metrics,
              LiveProgress& progress);
  ~RunLauncher() override;
  RunLauncher(const RunLauncher&) = delete;
  RunLauncher& operator=(const RunLauncher&) = delete;

  void Launch(const store::ConnectorRecord& connector, const LaunchRequest& request,
              std::shared_ptr<std::atomic<bool>> cancel,
              std::function<void(const RunEnded&)> done) override;
  // With the connector's job and accounts (jobs/recovery.h); problems go to the log.
  void CleanUp(const store::ConnectorRecord& connector, const store::RunRecord& run) override;

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> finished;
  };
  // The connector's job, from its stored form and its two accounts (secrets decrypted and
  // registered with `log`).
  Result<unload::JobSpec> PrepareJob(const store::ConnectorRecord& connector,
                                     const LaunchRequest& request, Logger& log);

  void RememberWriteback(const std::string& connector_id, const std::string& dataset_id,
                         Logger& log);

  store::Store& store_;
  Clock& clock_;
  Logger& log_;
  jobs::StoreHistory history_;
  MeteredHistory metered_history_;  // history_, with the outcomes counted: what runs report to
  LiveProgress& progress_;
  std::mutex mu_;
  std::list<Worker> workers_;  // GUARDED_BY(mu_); finished ones are joined on the next Launch
};

}  // namespace s3u::service
