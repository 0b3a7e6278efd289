// The HTTP side of `s3unload serve`: the JSON API of docs/api.md and the web page, on
// cpp-httplib (thread pool, blocking I/O: a handful of users and one page per browser need no
// more). Every route under /api/v1/ but health checks the bearer token against its stored
// hash before any of the body is read, and every body is capped (service/admission.h); every
// error has the documented shape and status; no response carries a secret.
//
// Thread-safety: handlers run on httplib's pool and share the thread-safe Store and Scheduler.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "service/backfill.h"
#include "service/progress.h"
#include "service/run_metrics.h"
#include "service/scheduler.h"
#include "store/store.h"

namespace s3u::service {

struct ApiOptions {
  std::string token_hash;         // HashApiToken of the API token
  std::filesystem::path web_dir;  // empty: the embedded page; else files served from disk
  Clock* run_clock = nullptr;     // times credential tests (the real clock); REQUIRED
  // HTTPS with this certificate chain and private key (PEM files; both or neither). Empty:
  // plain HTTP.
  std::filesystem::path tls_cert;
  std::filesystem::path tls_key;
  // GET /metrics (docs/operations.md) serves these counts with the store's; null: no such route.
  const RunMetrics* metrics = nullptr;
  // GET /api/v1/runs/{id} shows a running run's progress from here; null: progress is null.
  const LiveProgress* progress = nullptr;
  // Tests only: POST /api/v1/test/clock {"advance_ms": N} calls this and answers the new time
  // in epoch ms. Unset: the route does not exist.
  std::function<int64_t(int64_t advance_ms)> advance_test_clock;
};

class Api {
 public:
  // `clock` is the scheduler's (next runs, previews). All references must outlive the Api.
  Api(store::Store& store, Scheduler& scheduler, Backfills& backfills, Clock& clock, Logger& log,
      ApiOptions options);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Binds `host`:`port` (0 = a free port) and returns the port; kUnavailable when it cannot,
  // kInvalidArgument (subject --tls-cert) when the TLS certificate or key cannot be loaded.
  Result<int> Bind(const std::string& host, int port);
  // Serves until Stop. REQUIRES: Bind succeeded.
  void Run();
  // Health answers 503 and other routes refuse new work from now on; for the shutdown.
  void SetStopping();
  // Ends Run, even when Run has only just been started. REQUIRES: Run was called, on another
  // thread.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace s3u::service
