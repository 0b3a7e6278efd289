#include "cli/run_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "cli/domo_options.h"
#include "cli/interrupt.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "cli/s3_options.h"
#include "core/executor.h"
#include "service/forms.h"
#include "store/secret_box.h"
#include "store/store.h"
#include "unload/runner.h"

namespace s3u::cli {
namespace {

const Getenv Env = ProcessEnv;

Result<std::filesystem::path> StorePath(const std::string& flag) {
  return ResolveStorePath(flag, Env);
}

// Saved accounts (credentials.domo_account / aws_account) from the service's store.
unload::AccountResolver StoreAccounts(const std::string& store_flag) {
  return [store_flag](std::string_view kind,
                      std::string_view name) -> Result<std::vector<unload::SpecValue>> {
    auto path = StorePath(store_flag);
    if (!path) return Fail(path.error());
    SystemClock clock;
    auto opened = store::Store::Open(*path, clock);
    if (!opened) return Fail(opened.error());
    auto box = store::SecretBox::LoadOrCreate(store::KeyPathFor(*path));
    if (!box) return Fail(box.error());
    (*opened)->AttachSecrets(std::move(*box));
    auto parsed = store::ParseAccountKind(kind, "account kind");
    if (!parsed) return Fail(parsed.error());
    auto account = (*opened)->FindAccount(*parsed, name);
    if (!account) return Fail(account.error());
    return service::AccountSpecValues(*account, "account " + std::string(name));
  };
}

Result<unload::JobSpec> LoadSpec(const RunFlags& flags) {
  unload::SpecSources sources;
  std::ifstream file(flags.config, std::ios::binary);
  if (!file) {
    return Fail(ErrorCode::kInvalidArgument, "--config",
                "cannot read the job file \"" + flags.config + "\" (see docs/job-spec.md)");
  }
  std::stringstream text;
  text << file.rdbuf();
  sources.toml_text = text.str();
  sources.toml_path = flags.config;
  sources.getenv = Env;
  sources.set_flags = flags.set;
  sources.day_flag = flags.day;
  sources.resolve_account = StoreAccounts(flags.store);
  return unload::BuildJobSpec(sources);
}

std::string Thousands(uint64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return digits;
}

// "rows 12,345 / 100,000  12%  3.2 MB  ETA 4s", redrawn at most 10 times a second.
class RowProgress {
 public:
  RowProgress(Clock& clock, bool enabled)
      : clock_(clock), enabled_(enabled), start_(clock.Monotonic()) {}
  void Update(const unload::Progress& p) {
    if (!enabled_) return;
    const auto now = clock_.Monotonic();
    if (drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    drawn_ = true;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    std::string line = "  rows " + Thousands(p.rows);
    if (p.expected_rows > 0) {
      line +=
          fmt::format(" / {}  {:.0f}%", Thousands(p.expected_rows),
                      100.0 * static_cast<double>(p.rows) / static_cast<double>(p.expected_rows));
    }
    line += fmt::format("  {:.1f} MB", static_cast<double>(p.bytes) / 1e6);
    if (seconds > 0.5 && p.rows > 0) {
      const double rate = static_cast<double>(p.rows) / seconds;
      line += fmt::format("  {:.0f} rows/s", rate);
      if (p.expected_rows > p.rows) {
        line += fmt::format("  ETA {:.0f}s", static_cast<double>(p.expected_rows - p.rows) / rate);
      }
    }
    std::fprintf(stderr, "\r%-78s", line.c_str());
  }
  void Clear() {
    if (drawn_) std::fprintf(stderr, "\r%-78s\r", "");
  }

 private:
  Clock& clock_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_, last_{};
  bool drawn_ = false;
};

nlohmann::json PlanJson(const unload::RunPlan& plan) {
  return {{"day", table::FormatDate(plan.window.local_date)},
          {"time_zone", plan.window.zone},
          {"window_start_utc", table::FormatDateTime(plan.window.start_utc) + "Z"},
          {"window_end_utc", table::FormatDateTime(plan.window.end_utc) + "Z"},
          {"date_column", plan.date_column},
          {"input_name", plan.input_name},
          {"rows", plan.rows},
          {"object_keys", plan.object_keys},
          {"writeback_dataset_id", plan.writeback_dataset_id},
          {"ownership", plan.ownership}};
}

}  // namespace

CLI::App* AddRunCommand(CLI::App& app, RunFlags& flags) {
  CLI::App* cmd = app.add_subcommand("run", "Unload one day of a Domo dataset to S3 (a job file)");
  cmd->add_option("--config,-c", flags.config, "The job file (TOML, see docs/job-spec.md)")
      ->required();
  cmd->add_option("--day", flags.day, "Specific day: 0 today, 1 yesterday, N days ago");
  cmd->add_option("--set", flags.set, "Override a field: section.field=value (repeatable)");
  cmd->add_flag("--dry-run", flags.dry_run,
                "Print the window, object keys and row count; move and write nothing");
  cmd->add_flag("--json", flags.json, "Print one JSON summary");
  cmd->add_flag("--no-progress", flags.no_progress, "No progress line on the terminal");
  cmd->add_option("--store", flags.store, "Local history database (default: see docs/store.md)");
  cmd->add_option("--log-level", flags.log_level, "debug, info, warn (default), error");
  return cmd;
}

int RunRun(const RunFlags& flags) {
  Output out(flags.json);
  auto spec = LoadSpec(flags);
  if (!spec) return out.Failure(spec.error());

  S3Flags s3_flags;
  s3_flags.endpoint_url = spec->endpoint_url;
  s3_flags.region = spec->region;
  s3_flags.profile = spec->aws_profile;
  s3_flags.access_key_id = spec->aws_access_key_id;
  s3_flags.secret_access_key = spec->aws_secret_access_key;
  s3_flags.session_token = spec->aws_session_token;
  s3_flags.log_level = flags.log_level;
  if (spec->endpoint_url) s3_flags.force_path_style = true;
  s3_flags.retry_budget = spec->retry_budget;
  auto s3 = OpenS3Session(s3_flags);
  if (!s3) return out.Failure(s3.error());

  DomoFlags domo_flags;
  domo_flags.client_id = spec->domo_client_id;
  domo_flags.client_secret = spec->domo_client_secret;
  domo_flags.api_url = spec->domo_api_url;
  if (!spec->domo_instance_url.empty()) domo_flags.instance_url = spec->domo_instance_url;
  DomoSessionSettings domo_settings;
  domo_settings.retry_budget = spec->retry_budget;
  ParseLogLevel(flags.log_level, &domo_settings.log_level);
  auto domo = OpenDomoSession(domo_flags, domo_settings);
  if (!domo) return out.Failure(domo.error());
  // One logger for the report, knowing every secret of both sessions.
  Logger& log = *(*s3)->log;
  log.AddSecret(spec->domo_client_secret);
  (*domo)->log->AddSecret((*s3)->settings.credentials.secret_access_key);
  (*domo)->log->AddSecret((*s3)->settings.credentials.session_token);
  out.SetLogger(&log);

  auto store_path = StorePath(flags.store);
  std::unique_ptr<store::Store> history;
  if (store_path && !flags.dry_run) {
    auto opened = store::Store::Open(*store_path, (*s3)->clock);
    if (!opened) return out.Failure(opened.error());
    history = std::move(*opened);
  }

  ThreadPool pool(static_cast<size_t>(spec->concurrency));
  InstallInterruptHandler();
  RowProgress progress((*s3)->clock, !flags.no_progress && !flags.json && isatty(STDERR_FILENO));
  unload::RunDeps deps{*(*domo)->client, *(*s3)->client, pool, (*s3)->clock, log};
  deps.store = history.get();
  deps.on_progress = [&](const unload::Progress& p) { progress.Update(p); };
  deps.cancel = &Interrupted();
  deps.aws_credentials = &(*s3)->settings.credentials;
  deps.region = (*s3)->settings.region;

  if (flags.dry_run) {
    auto plan = unload::PlanRun(*spec, deps);
    if (!plan) return out.Failure(plan.error());
    std::string text = fmt::format(
        "dry run of {}: day {} in {} = [{}Z, {}Z) by column {}\n  {} rows of \"{}\"\n  would "
        "write s3://{}/{}\n  ownership: {}\n  nothing was moved or written",
        spec->name, table::FormatDate(plan->window.local_date), plan->window.zone,
        table::FormatDateTime(plan->window.start_utc), table::FormatDateTime(plan->window.end_utc),
        plan->date_column, Thousands(plan->rows), plan->input_name, spec->bucket,
        plan->object_keys.front(), plan->ownership);
    return out.Success(PlanJson(*plan), text);
  }

  std::random_device device;
  const std::string run_id = store::MakeRunId((*s3)->clock.Now(), device());
  const unload::RunOutcome outcome = unload::ExecuteRun(*spec, deps, run_id);
  progress.Clear();

  nlohmann::json summary = {{"run_id", outcome.run_id},
                            {"status", outcome.metrics.status},
                            {"plan", PlanJson(outcome.plan)},
                            {"s3_uris", outcome.s3_uris},
                            {"objects", outcome.objects},
                            {"rows", outcome.rows},
                            {"bytes", outcome.bytes},
                            {"raw_bytes", outcome.raw_bytes},
                            {"duplicate_keys", outcome.duplicate_keys},
                            {"metrics", unload::MetricsJson(outcome.metrics, spec->metrics_dates)},
                            {"writeback_dataset_id", outcome.writeback_dataset_id},
                            {"metrics_recorded", outcome.metrics_recorded}};
  if (!outcome.metrics_recorded) summary["metrics_error"] = outcome.metrics_error;
  if (!outcome.succeeded) {
    if (!outcome.metrics_recorded) {
      out.Line("the metrics row was not recorded in Domo: " + outcome.metrics_error);
    }
    if (flags.json) {
      summary["error"] = {{"code", CodeName(outcome.error->code)},
                          {"subject", outcome.error->subject},
                          {"message", outcome.error->message}};
      return out.Report(summary, "", ExitCodeFor(outcome.error->code));
    }
    return out.Failure(*outcome.error);
  }
  std::string text =
      fmt::format("run {} succeeded: {} rows of {} ({}), {} object(s), {} bytes\n", outcome.run_id,
                  Thousands(outcome.rows), table::FormatDate(outcome.plan.window.local_date),
                  outcome.plan.window.zone, outcome.objects, Thousands(outcome.bytes));
  for (const std::string& uri : outcome.s3_uris) text += "  " + uri + "\n";
  if (outcome.duplicate_keys > 0) {
    text += fmt::format("  {} duplicate key(s) (details.duplicate_keys)\n", outcome.duplicate_keys);
  }
  text += outcome.metrics_recorded
              ? "  metrics row recorded in writeback dataset " + outcome.writeback_dataset_id
              : "  warning: the metrics row was not recorded in Domo: " + outcome.metrics_error;
  return out.Success(summary, text);
}

CLI::App* AddHistoryCommand(CLI::App& app, HistoryFlags& flags) {
  CLI::App* cmd = app.add_subcommand("history", "List recorded runs, newest first");
  cmd->add_option("--job", flags.job, "Only runs of this job");
  cmd->add_option("--status", flags.status, "RUNNING, SUCCEEDED, FAILED or CANCELLED");
  cmd->add_option("--limit", flags.limit, "At most this many runs (default 20)");
  cmd->add_flag("--json", flags.json, "Print JSON");
  cmd->add_option("--store", flags.store, "Local history database (default: see docs/store.md)");
  return cmd;
}

int RunHistory(const HistoryFlags& flags) {
  Output out(flags.json);
  SystemClock clock;
  auto path = StorePath(flags.store);
  if (!path) return out.Failure(path.error());
  auto opened = store::Store::Open(*path, clock);
  if (!opened) return out.Failure(opened.error());
  store::RunFilter filter;
  if (!flags.job.empty()) filter.job_name = flags.job;
  if (!flags.status.empty()) {
    auto status = store::ParseRunStatus(flags.status, "--status");
    if (!status) return out.Failure(status.error());
    filter.status = *status;
  }
  filter.limit = flags.limit;
  auto runs = (*opened)->ListRuns(filter);
  if (!runs) return out.Failure(runs.error());
  nlohmann::json list = nlohmann::json::array();
  std::string text = fmt::format("{:<30} {:<20} {:<10} {:<10} {:>12} {:>8}  {}\n", "run", "job",
                                 "day", "status", "rows", "seconds", "error");
  for (const store::RunRecord& run : *runs) {
    const double seconds =
        run.finished_ms ? static_cast<double>(*run.finished_ms - run.started_ms) / 1000.0 : 0;
    list.push_back({{"run_id", run.run_id},
                    {"job_name", run.job_name},
                    {"day", run.day},
                    {"status", store::RunStatusName(run.status)},
                    {"rows", run.result.rows},
                    {"bytes", run.result.bytes},
                    {"s3_uris", run.result.s3_uris},
                    {"started_ms", run.started_ms},
                    {"finished_ms", run.finished_ms ? nlohmann::json(*run.finished_ms) : nullptr},
                    {"error", run.result.error_message}});
    text += fmt::format("{:<30} {:<20} {:<10} {:<10} {:>12} {:>8.1f}  {}\n", run.run_id,
                        run.job_name, run.day, store::RunStatusName(run.status),
                        Thousands(static_cast<uint64_t>(run.result.rows)), seconds,
                        run.result.error_message);
  }
  if (runs->empty()) text = "no runs recorded in " + path->string();
  return out.Success(list, text);
}

}  // namespace s3u::cli
