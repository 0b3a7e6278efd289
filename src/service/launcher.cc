#include "service/launcher.h"

#include <fmt/format.h>

#include "core/executor.h"
#include "service/clients.h"
#include "service/forms.h"
#include "table/day_window.h"
#include "table/types.h"
#include "unload/runner.h"

namespace s3u::service {
namespace {

int64_t NowMs(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.Now().time_since_epoch())
      .count();
}

// Records a run that failed before the unload could start.
void RecordUnstartable(store::Store& store, const Clock& clock,
                       const store::ConnectorRecord& connector, const LaunchRequest& request,
                       const Error& error, Logger& log) {
  store::RunRecord record;
  record.run_id = request.run_id;
  record.job_name = connector.name;
  record.connector_id = connector.id;
  record.input_dataset_id = "(not started)";
  record.time_zone = "UTC";
  record.day = table::FormatDate(
      table::ResolveDayWindow(clock.Now(), **table::FindTimeZone("UTC", "UTC"), 0).local_date);
  record.engine = "direct";
  record.attempt = request.attempt;
  record.started_ms = NowMs(clock);
  store::RunResult result;
  result.error_code = std::string(CodeName(error.code));
  result.error_message = log.Redact(error.ToString());
  auto begun = store.BeginRun(record);
  auto finished =
      begun ? store.FinishRun(request.run_id, store::RunStatus::kFailed, record.started_ms, result)
            : Result<void>(Fail(begun.error()));
  if (!finished) log.Error("cannot record the failed run: " + finished.error().ToString());
}

}  // namespace

RunLauncher::RunLauncher(store::Store& store, Clock& clock, Logger& log)
    : store_(store), clock_(clock), log_(log) {}

RunLauncher::~RunLauncher() {
  std::lock_guard lock(mu_);
  for (Worker& w : workers_) w.thread.join();
}

void RunLauncher::Launch(const store::ConnectorRecord& connector, const LaunchRequest& request,
                         std::shared_ptr<std::atomic<bool>> cancel,
                         std::function<void(const RunEnded&)> done) {
  // The job is built and the run recorded before Launch returns, so the run id "Run now"
  // answers with is in the history at once; only the unload itself runs on the thread.
  const std::string prefix = fmt::format("connector {} run {}: ", connector.name, request.run_id);
  auto log = std::make_shared<Logger>(LogLevel::kInfo,
                                      [this, prefix](LogLevel level, std::string_view line) {
                                        log_.Log(level, prefix + std::string(line));
                                      });
  auto spec = PrepareJob(connector, request, *log);
  if (!spec) {
    log->Error("could not start: " + spec.error().ToString());
    RecordUnstartable(store_, clock_, connector, request, spec.error(), *log);
    done({connector.id, request.run_id, store::RunStatus::kFailed, NowMs(clock_)});
    return;
  }
  const bool recorded = store_
                            .BeginRun(unload::RunRecordFor(*spec, request.run_id, connector.id,
                                                           request.attempt, clock_.Now()))
                            .has_value();

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
  workers_.push_back(
      {std::thread([this, connector, request, cancel, done, finished, log, recorded,
                    job = std::move(*spec)] {
         Run(connector, request, job, recorded, *cancel, *log);
         RunEnded ended{connector.id, request.run_id, store::RunStatus::kFailed, NowMs(clock_)};
         if (auto run = store_.GetRun(request.run_id)) {
           ended.status = run->status;
           ended.finished_ms = run->finished_ms.value_or(ended.finished_ms);
         }
         done(ended);
         finished->store(true);
       }),
       finished});
}

Result<unload::JobSpec> RunLauncher::PrepareJob(const store::ConnectorRecord& connector,
                                                const LaunchRequest& request, Logger& log) {
  auto form = FromRecord(connector);
  if (!form) return Fail(form.error());
  auto domo_account = store_.GetAccount(connector.domo_account_id);
  if (!domo_account) return Fail(domo_account.error());
  auto aws_account = store_.GetAccount(connector.aws_account_id);
  if (!aws_account) return Fail(aws_account.error());
  log.AddSecret(domo_account->domo_client_secret);
  log.AddSecret(aws_account->aws_secret_access_key);
  log.AddSecret(aws_account->aws_session_token);
  auto spec = ConnectorJobSpec(*form, &*domo_account, &*aws_account, request.specific_day);
  if (!spec) return Fail(JoinFieldErrors(spec.error(), "the connector"));
  return *spec;
}

void RunLauncher::Run(const store::ConnectorRecord& connector, const LaunchRequest& request,
                      const unload::JobSpec& spec, bool recorded, const std::atomic<bool>& cancel,
                      Logger& log) {
  auto fail = [&](const Error& error) {
    log.Error("could not start: " + error.ToString());
    if (!recorded) return RecordUnstartable(store_, clock_, connector, request, error, log);
    store::RunResult result;
    result.error_code = std::string(CodeName(error.code));
    result.error_message = log.Redact(error.ToString());
    if (auto ok =
            store_.FinishRun(request.run_id, store::RunStatus::kFailed, NowMs(clock_), result);
        !ok) {
      log.Error("cannot record the failed run: " + ok.error().ToString());
    }
  };
  auto s3 = OpenS3(spec, clock_, log);
  if (!s3) return fail(s3.error());
  auto domo = OpenDomo(spec, clock_, log);
  if (!domo) return fail(domo.error());

  ThreadPool pool(spec.concurrency);
  unload::RunDeps deps{*(*domo)->client, *(*s3)->client, pool, clock_, log};
  deps.store = &store_;
  deps.connector_id = connector.id;
  deps.attempt = request.attempt;
  deps.aws_credentials = &(*s3)->credentials;
  deps.region = (*s3)->region;
  deps.cancel = &cancel;
  deps.run_recorded = recorded;
  const unload::RunOutcome outcome = unload::ExecuteRun(spec, deps, request.run_id);
  if (outcome.succeeded) {
    log.Info(fmt::format("succeeded: {} rows, {} object(s), {} bytes", outcome.rows,
                         outcome.objects, outcome.bytes));
  } else {
    log.Warn("ended: " + outcome.error->ToString());
  }
  if (spec.writeback_dataset_id.empty() && !outcome.writeback_dataset_id.empty()) {
    RememberWriteback(connector.id, outcome.writeback_dataset_id, log);
  }
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
