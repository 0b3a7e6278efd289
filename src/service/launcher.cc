#include "service/launcher.h"

#include <fmt/format.h>

#include "core/executor.h"
#include "core/time_format.h"
#include "jobs/accounts.h"
#include "jobs/clients.h"
#include "jobs/recovery.h"
#include "service/aws_environment.h"
#include "service/forms.h"
#include "service/run_log.h"
#include "unload/runner.h"

namespace s3u::service {

RunLauncher::RunLauncher(store::Store& store, Clock& clock, Logger& log, RunMetrics& metrics,
                         LiveProgress& progress)
    : store_(store),
      clock_(clock),
      log_(log),
      history_(store, clock, log),
      metered_history_(history_, metrics),
      progress_(progress) {}

RunLauncher::~RunLauncher() {
  std::lock_guard lock(mu_);
  for (Worker& w : workers_) w.thread.join();
}

void RunLauncher::Launch(const store::ConnectorRecord& connector, const LaunchRequest& request,
                         std::shared_ptr<std::atomic<bool>> cancel,
                         std::function<void(const RunEnded&)> done) {
  // The job is built, its clients made and the run begun before Launch returns, so the run id
  // "Run now" answers with is in the history at once; only the unload runs on the thread.
  // The run's lines are kept with it (run_log.h) and go to the service's log as well.
  const std::string prefix = fmt::format("connector {} run {}: ", connector.name, request.run_id);
  auto run_log = std::make_shared<RunLog>(store_, request.run_id, clock_, log_);
  auto log = std::make_shared<Logger>(
      LogLevel::kInfo, [this, prefix, run_log](LogLevel level, std::string_view line) {
        run_log->Add(level, line);
        log_.Log(level, prefix + std::string(line));
      });
  auto history = std::make_shared<RunLogHistory>(metered_history_, *run_log, *log);
  unload::RunIdentity id{request.run_id, connector.name, connector.id, request.attempt};
  auto refuse = [&](const Error& error) {
    Error shown = error;
    shown.message = log->Redact(shown.message);
    log->Error("could not start: " + shown.ToString());
    const int64_t now = EpochMillis(clock_.Now());
    history->NotStarted(id, now, shown);
    done({connector.id, request.run_id, RunStatus::kFailed, now});
  };
  auto spec = PrepareJob(connector, request, *log);
  if (!spec) return refuse(spec.error());
  auto clients =
      jobs::OpenJobClients(*spec, ServiceEnvironment(jobs::S3SourceFor(*spec)), {}, clock_, *log);
  if (!clients) return refuse(clients.error());
  auto run = std::make_shared<unload::BegunRun>(unload::BeginRun(*spec, id, *history, clock_));
  progress_.Begin(request.run_id);  // so the run shows progress (none yet) as soon as it exists

  std::lock_guard lock(mu_);
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->finished->load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  auto finished = std::make_shared<std::atomic<bool>>(false);
  auto job_clients = std::make_shared<jobs::JobClients>(std::move(*clients));
  workers_.push_back(
      {std::thread([this, connector_id = connector.id, run_id = request.run_id, cancel, done,
                    finished, run_log, log, history, run, job_clients, job = std::move(*spec)] {
         jobs::S3Clients& s3 = *job_clients->s3;
         ThreadPool pool(job.concurrency);
         unload::RunDeps deps{*job_clients->domo->client, *s3.client, pool, clock_, *log};
         deps.aws_credentials = &s3.settings.credentials;
         deps.region = s3.settings.region;
         deps.cancel = cancel.get();
         const ProcStatCpuMeter cpu;
         deps.cpu = &cpu;
         deps.on_progress = [this, run_id](const unload::Progress& p) {
           progress_.Update(run_id, p);
         };
         // The run's last line ("succeeded: ..." or "ended: ...") is logged by `history`.
         const unload::RunOutcome outcome = unload::ExecuteRun(job, std::move(*run), deps);
         progress_.End(run_id);
         if (job.writeback_dataset_id.empty() && !outcome.writeback_dataset_id.empty()) {
           RememberWriteback(connector_id, outcome.writeback_dataset_id, *log);
         }
         run_log->Save();
         done({connector_id, outcome.run_id, outcome.status, outcome.finished_ms});
         finished->store(true);
       }),
       finished});
}

void RunLauncher::CleanUp(const store::ConnectorRecord& connector, const store::RunRecord& run) {
  const std::string prefix = fmt::format("connector {} run {}: ", connector.name, run.run_id);
  Logger log(LogLevel::kInfo, [this, prefix](LogLevel level, std::string_view line) {
    log_.Log(level, prefix + std::string(line));
  });
  LaunchRequest request;
  request.run_id = run.run_id;
  request.attempt = run.attempt;
  auto spec = PrepareJob(connector, request, log);
  if (!spec) {
    return log.Error("cannot clean up the interrupted run (its uploads stay journaled): " +
                     spec.error().ToString());
  }
  auto clients =
      jobs::OpenJobClients(*spec, ServiceEnvironment(jobs::S3SourceFor(*spec)), {}, clock_, log);
  if (!clients) {
    return log.Error("cannot clean up the interrupted run (its uploads stay journaled): " +
                     clients.error().ToString());
  }
  jobs::CleanUpInterruptedRun(store_, run, *spec, *clients->s3->client, *clients->domo->client,
                              log);
}

Result<unload::JobSpec> RunLauncher::PrepareJob(const store::ConnectorRecord& connector,
                                                const LaunchRequest& request, Logger& log) {
  auto form = FromRecord(connector);
  if (!form) return Fail(form.error());
  auto domo_account = store_.GetAccount(connector.domo_account_id);
  if (!domo_account) return Fail(domo_account.error());
  auto aws_account = store_.GetAccount(connector.aws_account_id);
  if (!aws_account) return Fail(aws_account.error());
  // A role account's base account lends its keys; checked again at every run (jobs::RoleBase).
  auto aws_base = jobs::RoleBase(store_, *aws_account);
  if (!aws_base) return Fail(JoinFieldErrors(aws_base.error(), "account " + aws_account->name));
  log.AddSecret(domo_account->domo_client_secret);
  for (const store::Account* aws : {&*aws_account, aws_base->has_value() ? &**aws_base : nullptr}) {
    if (aws == nullptr) continue;
    log.AddSecret(aws->aws_secret_access_key);
    log.AddSecret(aws->aws_session_token);
  }
  auto spec = ConnectorJobSpec(*form, &*domo_account, &*aws_account,
                               aws_base->has_value() ? &**aws_base : nullptr, request.specific_day);
  if (!spec) return Fail(JoinFieldErrors(spec.error(), "the connector"));
  return *spec;
}

// The first run found or created the writeback dataset by name; from now on the connector
// names it by id, so a new name or description in Name & Describe is applied to that same
// dataset instead of creating another one.
void RunLauncher::RememberWriteback(const std::string& connector_id, const std::string& dataset_id,
                                    Logger& log) {
  auto connector = store_.GetConnector(connector_id);
  if (!connector) return;
  nlohmann::json settings = nlohmann::json::parse(connector->settings_json, nullptr, false);
  if (!settings.is_object()) return;
  nlohmann::json& writeback = settings["writeback"];
  if (!writeback.is_object()) writeback = nlohmann::json::object();
  if (writeback.contains("dataset_id")) return;
  writeback["dataset_id"] = dataset_id;
  connector->settings_json = settings.dump();
  if (auto ok = store_.UpdateConnector(*connector); !ok) {
    log.Warn("cannot remember the writeback dataset: " + ok.error().ToString());
  } else {
    log.Info("writeback dataset " + dataset_id + " is the connector's from now on");
  }
}

}  // namespace s3u::service
