// `s3unload serve`: opens the store and its key, makes sure there is an API token (creating
// and printing it once), recovers from the last stop (interrupted runs, pending retries,
// missed schedules), then serves the API and the page and ticks the scheduler every second
// (and within 100 ms of a run's end, so a waiting run takes the freed slot) until `stop` is set.
// The shutdown (docs/service.md) stops new runs at once, lets running runs finish for up to
// `shutdown_grace`, then cancels them (their uploads are aborted, so nothing partial becomes
// visible) and waits up to 30 s more for that.
//
// Thread-safety: Serve is called once per process.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "core/log.h"
#include "store/secret_box.h"
#include "store/store_url.h"

namespace s3u::service {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8686;                    // 0: a free port (printed)
  store::StoreUrl store;              // cli/env.h: ResolveStoreUrl
  store::SecretKeySource secret_key;  // store::ResolveSecretBox
  int max_concurrent_runs = 2;        // over every process sharing the store
  std::chrono::seconds lease{30};     // SchedulerOptions::lease_ms
  std::chrono::seconds shutdown_grace{30};
  std::filesystem::path web_dir;  // empty: the embedded page
  bool new_token = false;         // replace the API token (the old one stops working)
  // When a token is created, also write it here (mode 0600, replaced whole), for scripts.
  std::filesystem::path token_file;
  LogLevel log_level = LogLevel::kInfo;
  bool json_log = false;  // --log-format json: one JsonLogLine per line instead of "level: ..."
  // HTTPS (both or neither; ApiOptions). Without them a host beyond loopback gets a warning.
  std::filesystem::path tls_cert;
  std::filesystem::path tls_key;
  // Tests only (docs/service.md, "Testing"): the scheduler's clock starts here and moves only
  // through POST /api/v1/test/clock, so schedules and retries are tested without waiting.
  std::optional<int64_t> test_clock_start_ms;
};

// Returns the process exit code: 0 after a clean shutdown, else ExitCodeFor(the error) after
// printing it on `err`. Lines for the user (address, token) go to `out`; the log to `err`.
int Serve(const ServeOptions& options, const std::atomic<bool>& stop, std::ostream& out,
          std::ostream& err);

// The warning Serve logs when it listens on `host` without TLS where connections may come
// from other machines (anything but localhost, ::1 and 127.0.0.0/8); nullopt when there is
// nothing to warn about. Pure: tested without binding beyond loopback.
std::optional<std::string> PlainHttpWarning(const std::string& host, bool tls);

}  // namespace s3u::service
