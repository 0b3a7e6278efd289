#include "service/service.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/executor.h"
#include "http/curl_client.h"
#include "service/api.h"
#include "service/api_token.h"
#include "service/launcher.h"
#include "service/notifier.h"
#include "service/scheduler.h"
#include "store/secret_box.h"
#include "store/store.h"

namespace s3u::service {
namespace {

// How long cancelled runs get to abort their uploads at shutdown. A run sees the cancel at its
// next page or part, and aborting is one request per upload: seconds, even on a slow store.
constexpr std::chrono::seconds kAbortWait{30};

// The scheduler's clock in test mode: wall time starts at a given instant and moves only when
// told; waits and durations stay real.
class TestClock final : public Clock {
 public:
  explicit TestClock(int64_t start_ms)
      : now_(std::chrono::system_clock::time_point(std::chrono::milliseconds(start_ms))) {}
  std::chrono::system_clock::time_point Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::now();
  }
  void SleepFor(std::chrono::milliseconds d) override { std::this_thread::sleep_for(d); }
  int64_t Advance(int64_t ms) {
    std::lock_guard lock(mu_);
    now_ += std::chrono::milliseconds(ms);
    return std::chrono::duration_cast<std::chrono::milliseconds>(now_.time_since_epoch()).count();
  }

 private:
  mutable std::mutex mu_;
  std::chrono::system_clock::time_point now_;  // GUARDED_BY(mu_)
};

// Written under a temporary name with mode 0600 from the start, then renamed into place.
Result<void> WriteTokenFile(const std::filesystem::path& path, const std::string& token) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0;
  if (ok) {
    const std::string line = token + "\n";
    ok = ::fchmod(fd, 0600) == 0 &&
         ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ok = ::close(fd) == 0 && ok;
  }
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
    return Fail(ErrorCode::kInvalidArgument, "--token-file",
                "cannot write the token to " + path.string() + ": " + std::strerror(errno));
  }
  return {};
}

int Report(std::ostream& err, const Error& error) {
  err << "s3unload serve: " << error.ToString() << "\n";
  return ExitCodeFor(error.code);
}

}  // namespace

std::optional<std::string> PlainHttpWarning(const std::string& host, bool tls) {
  const bool loopback = host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
  if (tls || loopback) return std::nullopt;
  return "listening on " + host +
         " without TLS: the API token and the accounts' secrets cross the network in plain "
         "HTTP. Give --tls-cert and --tls-key, or listen on 127.0.0.1 behind a TLS proxy";
}

int Serve(const ServeOptions& options, const std::atomic<bool>& stop, std::ostream& out,
          std::ostream& err) {
  SystemClock system_clock;
  std::optional<TestClock> test_clock;
  if (options.test_clock_start_ms) test_clock.emplace(*options.test_clock_start_ms);
  Clock& clock = test_clock ? static_cast<Clock&>(*test_clock) : system_clock;
  std::mutex err_mu;
  Logger log(options.log_level, [&](LogLevel level, std::string_view line) {
    std::lock_guard lock(err_mu);
    if (options.json_log) {
      err << JsonLogLine(level, std::chrono::system_clock::now(), line) << std::endl;
    } else {
      err << LogLevelName(level) << ": " << line << std::endl;
    }
  });

  const auto started = std::chrono::steady_clock::now();
  auto opened = store::Store::Open(options.store, clock);
  if (!opened) return Report(err, opened.error());
  store::Store& store = **opened;
  auto secrets = store::ResolveSecretBox(options.store, options.secret_key);
  if (!secrets) return Report(err, secrets.error());
  store.AttachSecrets(std::move(*secrets));

  // The API token: created on the first start (or on request), shown once, kept as a hash.
  auto hash = store.GetSetting(kApiTokenSetting);
  if (!hash) return Report(err, hash.error());
  std::optional<std::string> new_token;
  if (!*hash || options.new_token) {
    new_token = NewApiToken();
    if (auto ok = store.SetSetting(kApiTokenSetting, HashApiToken(*new_token)); !ok) {
      return Report(err, ok.error());
    }
    *hash = HashApiToken(*new_token);
    if (!options.token_file.empty()) {
      if (auto ok = WriteTokenFile(options.token_file, *new_token); !ok) {
        return Report(err, ok.error());
      }
    }
  }

  RunMetrics metrics;
  // Before the launcher: runs still ending while it is destroyed are told about.
  // A webhook receiver that trickles its answer cannot hold the notifications' one thread.
  http::HttpOptions notification_options;
  notification_options.total_timeout = std::chrono::seconds(30);
  http::CurlHttpClient notification_http(notification_options);
  CurlNotificationSender notification_sender(notification_http);
  Notifier notifier(store, system_clock, notification_sender, log, std::make_unique<ThreadPool>(1));
  LiveProgress progress(system_clock);  // the runs' clock: rates are real seconds
  RunLauncher launcher(store, system_clock, log, metrics, progress);
  SchedulerOptions scheduler_options;
  scheduler_options.max_concurrent_runs = options.max_concurrent_runs;
  scheduler_options.lease_ms = std::chrono::milliseconds(options.lease).count();
  scheduler_options.run_ended = [&notifier](const RunEnded& ended, bool retry_scheduled) {
    notifier.OnRunEnded(ended, retry_scheduled);
  };
  Scheduler scheduler(store, clock, launcher, log, scheduler_options);
  auto recovered = scheduler.Recover();
  if (!recovered) return Report(err, recovered.error());
  for (const std::string& run : recovered->interrupted_runs) {
    log.Warn("run " + run + " was interrupted by the last stop: marked FAILED (aborted)");
  }
  for (const std::string& c : recovered->retries_scheduled) {
    log.Info("connector " + c + ": a retry of its interrupted run is scheduled");
  }
  for (const std::string& c : recovered->catch_up) {
    log.Info("connector " + c +
             ": its scheduled time passed while the service was down; one "
             "catch-up run now");
  }

  ApiOptions api_options;
  api_options.token_hash = **hash;
  api_options.web_dir = options.web_dir;
  api_options.run_clock = &system_clock;
  api_options.tls_cert = options.tls_cert;
  api_options.tls_key = options.tls_key;
  api_options.metrics = &metrics;
  api_options.progress = &progress;
  if (test_clock) {
    api_options.advance_test_clock = [&](int64_t ms) {
      const int64_t now = test_clock->Advance(ms);
      scheduler.Tick();
      return now;
    };
  }
  // Backfill days are "N days ago" by the runs' clock (the launcher's).
  Backfills backfills(scheduler, system_clock, log);
  Api api(store, scheduler, backfills, clock, log, api_options);
  auto port = api.Bind(options.host, options.port);
  if (!port) return Report(err, port.error());
  scheduler.Tick();  // the catch-up and due retries start now, not a second later
  const auto recovery_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - started)
                               .count();

  const bool tls = !options.tls_cert.empty();
  const std::string url = fmt::format(
      "{}://{}:{}", tls ? "https" : "http",
      options.host.find(':') == std::string::npos ? options.host : "[" + options.host + "]", *port);
  if (auto warning = PlainHttpWarning(options.host, tls)) log.Warn(*warning);
  out << "s3unload serve listening on " << url << "\n";
  if (new_token) {
    out << "api token (shown once, only its hash is stored): " << *new_token << "\n";
    out << "web page: " << url << "/#token=" << *new_token << "\n";
  }
  out.flush();
  log.Info(
      fmt::format("ready in {} ms: store {}, {} interrupted run(s) recovered, {} catch-up "
                  "run(s), at most {} concurrent runs",
                  recovery_ms, options.store.redacted, recovered->interrupted_runs.size(),
                  recovered->catch_up.size(), options.max_concurrent_runs));

  std::thread server([&api] { api.Run(); });
  auto last_tick = std::chrono::steady_clock::now();
  while (!stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (std::chrono::steady_clock::now() - last_tick >= std::chrono::seconds(1) ||
        scheduler.TakeSlotFreed()) {
      scheduler.Tick();
      backfills.Tick();  // after the scheduled runs: they have the first pick of free slots
      last_tick = std::chrono::steady_clock::now();
    }
  }

  // Shutdown: no new runs; running ones get the grace period, then are cancelled.
  api.SetStopping();
  scheduler.StopStarting();
  if (const size_t running = scheduler.RunningCount(); running > 0) {
    log.Info(fmt::format("stopping: waiting up to {} s for {} running run(s) to finish",
                         options.shutdown_grace.count(), running));
    // Waits in steps of a second, renewing the runs' leases (Tick starts nothing now).
    auto wait_idle = [&](std::chrono::seconds limit) {
      const auto until = std::chrono::steady_clock::now() + limit;
      while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        const auto step =
            std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(1000));
        if (scheduler.WaitIdle(step)) return true;
        if (left <= step) return false;
        scheduler.Tick();
      }
    };
    if (!wait_idle(options.shutdown_grace)) {
      scheduler.CancelAll();
      log.Warn("stopping: cancelled the runs still running; their uploads are being aborted");
      if (!wait_idle(kAbortWait)) {
        log.Error(
            "stopping: runs did not end in time; exiting anyway. They will be marked "
            "FAILED on the next start, and nothing they wrote is visible");
        std::_Exit(ExitCodeFor(ErrorCode::kUnavailable));
      }
    }
  }
  api.Stop();
  server.join();
  log.Info("stopped");
  return 0;
}

}  // namespace s3u::service
