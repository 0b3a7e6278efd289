// The local store of s3unload: one SQLite file shared by the CLI and the service, holding the
// run history now (and the service's accounts and connectors later, as new migrations; see
// migrations.h and docs/store.md). Opening it creates the directory (0700) and the file (0600),
// turns on WAL (readers never wait for the writer), foreign keys and a busy wait, and applies
// pending migrations.
//
// Errors always name the database path: a lock held by another process for longer than the
// busy timeout is kUnavailable; a file that is not an s3unload store, is damaged, or was
// written by a newer s3unload is kFailedPrecondition with what to do about it.
//
// Thread-safety: all methods may be called from several threads. They share one connection
// and are serialized by a mutex (each call is one short transaction, so a connection per
// thread would buy little); other processes are kept out by SQLite's locks.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "store/process_identity.h"
#include "store/runs.h"
#include "store/sqlite.h"

namespace s3u::store {

struct StoreOptions {
  // How long a write waits while another process holds the write lock before failing with
  // kUnavailable. Writes are single small transactions, so 5 s rides out any healthy writer
  // without hanging a run behind a stuck one. Waits go through the Clock given to Open.
  std::chrono::milliseconds busy_timeout{5000};
  // Identity recorded as the owner of the runs this Store begins, and the liveness test that
  // MarkInterruptedRuns applies to the owners of RUNNING runs. Tests inject their own.
  std::string owner = CurrentProcessIdentity();
  std::function<bool(std::string_view owner)> owner_alive = ProcessAlive;
};

// $XDG_STATE_HOME/s3unload/s3unload.db, or $HOME/.local/state/s3unload/s3unload.db when
// XDG_STATE_HOME is unset, empty or relative (as the XDG spec asks). Pass the environment's
// values (nullopt when unset). kFailedPrecondition when neither gives an absolute directory.
Result<std::filesystem::path> DefaultStorePath(std::optional<std::string_view> xdg_state_home,
                                               std::optional<std::string_view> home);

class Store {
 public:
  // Opens or creates the store at `path` (see the top comment). REQUIRES: `clock` outlives
  // the Store. Errors name `path`.
  static Result<std::unique_ptr<Store>> Open(const std::filesystem::path& path, Clock& clock,
                                             StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Records a run that has started, owned by this process. REQUIRES (else kInvalidArgument
  // listing every problem): status RUNNING, no finished_ms, an empty result, non-empty
  // run_id/job_name/input_dataset_id/time_zone/engine, day as YYYY-MM-DD, attempt >= 1,
  // started_ms > 0, and a run_id not used before.
  Result<void> BeginRun(const RunRecord& run);

  // Records the end of a RUNNING run: status SUCCEEDED (no error), FAILED (with error code and
  // message, already redacted) or CANCELLED; finished_ms >= started_ms; counts >= 0;
  // metrics_json empty or a JSON object. kInvalidArgument for values breaking these rules,
  // kNotFound for an unknown run_id, kFailedPrecondition when the run already finished.
  Result<void> FinishRun(std::string_view run_id, RunStatus status, int64_t finished_ms,
                         const RunResult& result);

  // One run; kNotFound when there is none with this id.
  Result<RunRecord> GetRun(std::string_view run_id);

  // Runs matching `filter`, newest first. kInvalidArgument for a limit outside
  // 1..kMaxRunsPerPage or a `before` cursor naming no run.
  Result<std::vector<RunRecord>> ListRuns(const RunFilter& filter);

  // Marks FAILED every RUNNING run whose owner process is gone (killed, crashed, rebooted),
  // with error code "aborted", a message saying so, and the clock's time as finished_ms. Runs
  // of live processes (a concurrent CLI run) are left alone. Returns the ids marked, oldest
  // first. The service calls this on start, before scheduling retries.
  Result<std::vector<std::string>> MarkInterruptedRuns();

 private:
  Store(std::filesystem::path path, Clock& clock, StoreOptions options,
        std::unique_ptr<Connection> db);

  // Runs `body` in one transaction on the connection, holding mu_ for its duration.
  Result<void> Locked(TransactionMode mode, std::string_view doing,
                      const std::function<Result<void>(Connection&)>& body);

  const std::filesystem::path path_;
  Clock& clock_;
  const StoreOptions options_;
  std::mutex mu_;
  std::unique_ptr<Connection> db_;  // GUARDED_BY(mu_)
};

}  // namespace s3u::store
