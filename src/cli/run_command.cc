#include "cli/run_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "cli/env.h"
#include "cli/interrupt.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "core/executor.h"
#include "jobs/accounts.h"
#include "jobs/clients.h"
#include "jobs/recovery.h"
#include "jobs/store_history.h"
#include "store/store.h"
#include "table/day_range.h"
#include "table/day_window.h"
#include "unload/progress.h"
#include "unload/runner.h"

namespace s3u::cli {
namespace {

Result<store::StoreUrl> StorePath(const std::string& flag) {
  return ResolveStoreUrl(flag, ProcessEnv);
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
  sources.getenv = ProcessEnv;
  sources.set_flags = flags.set;
  if (flags.readers)
    sources.set_flags.push_back("tuning.readers=" + std::to_string(*flags.readers));
  sources.day_flag = flags.day;
  sources.resolve_account = jobs::SavedAccounts(
      StorePath(flags.store), ResolveSecretKeySource(flags.secret_key_file, ProcessEnv));
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
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - start_);
    std::string line = "  rows " + Thousands(p.rows);
    if (p.expected_rows > 0) {
      line +=
          fmt::format(" / {}  {:.0f}%", Thousands(p.expected_rows),
                      100.0 * static_cast<double>(p.rows) / static_cast<double>(p.expected_rows));
    }
    line += fmt::format("  {:.1f} MB", static_cast<double>(p.bytes) / 1e6);
    if (elapsed > std::chrono::milliseconds(500) && p.rows > 0) {
      const unload::ProgressRates rates = unload::ProgressRatesOf(p, elapsed);
      line += fmt::format("  {:.0f} rows/s", rates.rows_per_s);
      if (rates.eta_s && p.expected_rows > p.rows)
        line += fmt::format("  ETA {:.0f}s", *rates.eta_s);
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

// What `run` and `cleanup` both start from: the job, its clients, the logger that knows
// their secrets. Members reference each other: on the heap, never moved.
struct JobSession {
  explicit JobSession(LogLevel level) : log(level) {}
  Logger log;
  SystemClock clock;
  unload::JobSpec spec;
  jobs::JobClients clients;
};

// `out` redacts with the session's logger while it lives. On failure the session ends here,
// so the error is redacted with the secrets it knew before it goes, and `out` forgets it.
Result<std::unique_ptr<JobSession>> OpenJob(const RunFlags& flags, Output& out) {
  LogLevel level = LogLevel::kWarn;
  ParseLogLevel(flags.log_level, &level);
  auto session = std::make_unique<JobSession>(level);
  out.SetLogger(&session->log);
  const auto fail = [&](Error error) -> Result<std::unique_ptr<JobSession>> {
    error.subject = session->log.Redact(error.subject);
    error.message = session->log.Redact(error.message);
    out.SetLogger(nullptr);
    return Fail(std::move(error));
  };
  auto spec = LoadSpec(flags);
  if (!spec) return fail(spec.error());
  session->spec = std::move(*spec);
  auto clients = jobs::OpenJobClients(session->spec, jobs::Environment::Process(), {},
                                      session->clock, session->log);
  if (!clients) return fail(clients.error());
  session->clients = std::move(*clients);
  return session;
}

// One run of `spec`'s day, begun in `history` under a new run id.
unload::RunOutcome RunDay(const unload::JobSpec& spec, unload::RunHistory& history,
                          unload::RunDeps& deps) {
  std::random_device device;
  unload::BegunRun run = unload::BeginRun(
      spec, {store::MakeRunId(deps.clock.Now(), device()), spec.name, std::nullopt, 1}, history,
      deps.clock);
  return unload::ExecuteRun(spec, std::move(run), deps);
}

// The --json summary of one run.
nlohmann::json OutcomeJson(const unload::JobSpec& spec, const unload::RunOutcome& outcome) {
  nlohmann::json summary = {{"run_id", outcome.run_id},
                            {"status", RunStatusName(outcome.status)},
                            {"plan", unload::RunPlanJson(outcome.plan)},
                            {"s3_uris", outcome.s3_uris},
                            {"objects", outcome.objects},
                            {"rows", outcome.rows},
                            {"bytes", outcome.bytes},
                            {"raw_bytes", outcome.raw_bytes},
                            {"duplicate_keys", outcome.duplicate_keys},
                            {"readers", outcome.readers},
                            {"metrics", unload::MetricsJson(outcome.metrics, spec.metrics_dates)},
                            {"writeback_dataset_id", outcome.writeback_dataset_id},
                            {"metrics_recorded", outcome.metrics_recorded}};
  if (!outcome.metrics_recorded) summary["metrics_error"] = outcome.metrics_error;
  if (!outcome.succeeded) {
    summary["error"] = {{"code", CodeName(outcome.error->code)},
                        {"subject", outcome.error->subject},
                        {"message", outcome.error->message}};
  }
  return summary;
}

// --from/--to: the flags' own rules, before anything is opened.
Result<void> CheckBackfillFlags(const RunFlags& flags) {
  FieldErrors errors;
  if (flags.from && !flags.to) errors.push_back({"--to", "required with --from"});
  if (flags.to && !flags.from) errors.push_back({"--from", "required with --to"});
  if ((flags.from || flags.to) && flags.day) {
    errors.push_back({"--day", "not with --from/--to: a backfill runs every day of its range"});
  }
  if ((flags.from || flags.to) && flags.dry_run) {
    errors.push_back({"--dry-run", "not with --from/--to: dry-run one day with --day"});
  }
  if (!errors.empty()) return Fail(JoinFieldErrors(errors, "the flags"));
  return {};
}

// One run per day of --from..--to, oldest first; a day's "days ago" is taken when it starts.
int RunBackfill(const RunFlags& flags, const unload::JobSpec& spec, unload::RunHistory& history,
                unload::RunDeps& deps, Output& out) {
  auto zone = table::FindTimeZone(spec.time_zone, "details.time_zone");
  if (!zone) return out.Failure(zone.error());
  auto days =
      table::BackfillDates(*flags.from, *flags.to, deps.clock.Now(), **zone, "--from", "--to");
  if (!days) return out.Failure(JoinFieldErrors(days.error(), "the flags"));
  nlohmann::json list = nlohmann::json::array();
  std::string text;
  int exit_code = 0, done = 0, failed = 0, cancelled = 0;
  for (const table::Days day : *days) {
    const std::string date = table::FormatDate(day);
    if (Interrupted().load()) {
      ++cancelled;
      list.push_back({{"day", date}, {"status", "CANCELLED"}, {"run_id", nullptr}});
      text += fmt::format("{}  CANCELLED  not begun\n", date);
      continue;
    }
    unload::JobSpec day_spec = spec;
    day_spec.specific_day = table::DaysAgo(day, deps.clock.Now(), **zone);
    const unload::RunOutcome outcome = RunDay(day_spec, history, deps);
    nlohmann::json summary = OutcomeJson(day_spec, outcome);
    summary["day"] = date;
    list.push_back(summary);
    if (outcome.succeeded) {
      ++done;
      text += fmt::format("{}  SUCCEEDED  run {}  {} rows, {} object(s)\n", date, outcome.run_id,
                          Thousands(outcome.rows), outcome.objects);
      continue;
    }
    ++(outcome.status == RunStatus::kCancelled ? cancelled : failed);
    if (exit_code == 0) exit_code = ExitCodeFor(outcome.error->code);
    text += fmt::format("{}  {}  run {}  {}\n", date, RunStatusName(outcome.status), outcome.run_id,
                        deps.log.Redact(outcome.error->ToString()));
  }
  text += fmt::format("backfill {} to {} ({}): {} done, {} failed, {} cancelled", *flags.from,
                      *flags.to, spec.time_zone, done, failed, cancelled);
  return out.Report({{"from", *flags.from},
                     {"to", *flags.to},
                     {"time_zone", spec.time_zone},
                     {"days_done", done},
                     {"days_failed", failed},
                     {"days_cancelled", cancelled},
                     {"runs", list}},
                    text, exit_code);
}

}  // namespace

CLI::App* AddRunCommand(CLI::App& app, RunFlags& flags) {
  CLI::App* cmd = app.add_subcommand("run", "Unload one day of a Domo dataset to S3 (a job file)");
  cmd->add_option("--config,-c", flags.config, "The job file (TOML, see docs/job-spec.md)")
      ->required();
  cmd->add_option("--day", flags.day, "Specific day: 0 today, 1 yesterday, N days ago");
  cmd->add_option("--from", flags.from,
                  "Backfill: the first day, YYYY-MM-DD in the job's time zone (with --to)");
  cmd->add_option("--to", flags.to, "Backfill: the last day, YYYY-MM-DD (included)");
  cmd->add_option("--set", flags.set, "Override a field: section.field=value (repeatable)");
  cmd->add_option("--readers", flags.readers,
                  "Parallel readers of the day (tuning.readers; 0 = automatic, 1 = one reader)");
  cmd->add_flag("--dry-run", flags.dry_run,
                "Print the window, object keys and row count; move and write nothing");
  cmd->add_flag("--json", flags.json, "Print one JSON summary");
  cmd->add_flag("--no-progress", flags.no_progress, "No progress line on the terminal");
  cmd->add_option("--store", flags.store,
                  "The store: a path, sqlite:///PATH or postgresql://... (default: see "
                  "docs/store.md; also $S3UNLOAD_STORE)");
  cmd->add_option("--secret-key-file", flags.secret_key_file,
                  "The key of the saved accounts' secrets (needed with PostgreSQL; or "
                  "$S3UNLOAD_SECRET_KEY in base64)");
  cmd->add_option("--log-level", flags.log_level, "debug, info, warn (default), error");
  return cmd;
}

int RunRun(const RunFlags& flags) {
  Output out(flags.json);
  if (auto ok = CheckBackfillFlags(flags); !ok) return out.Failure(ok.error());
  auto session = OpenJob(flags, out);
  if (!session) return out.Failure(session.error());
  Logger& log = (*session)->log;
  SystemClock& clock = (*session)->clock;
  const unload::JobSpec* spec = &(*session)->spec;
  jobs::JobClients* clients = &(*session)->clients;
  const jobs::S3Clients& s3 = *clients->s3;

  ThreadPool pool(static_cast<size_t>(spec->concurrency));
  InstallInterruptHandler();
  RowProgress progress(clock, !flags.no_progress && !flags.json && isatty(STDERR_FILENO));
  unload::RunDeps deps{*clients->domo->client, *s3.client, pool, clock, log};
  deps.on_progress = [&](const unload::Progress& p) { progress.Update(p); };
  deps.cancel = &Interrupted();
  const ProcStatCpuMeter cpu;
  deps.cpu = &cpu;
  deps.aws_credentials = &s3.settings.credentials;
  deps.region = s3.settings.region;

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
    return out.Success(unload::RunPlanJson(*plan), text);
  }

  // The history: the shared store, or none when no store location can be found (no $HOME).
  std::unique_ptr<store::Store> store;
  if (auto path = StorePath(flags.store)) {
    auto opened = store::Store::Open(*path, clock);
    if (!opened) return out.Failure(opened.error());
    store = std::move(*opened);
    // A run of this job that a killed process left behind is cleaned up first.
    auto recovered = jobs::RecoverJob(*store, *spec, *s3.client, *clients->domo->client, log);
    if (!recovered) return out.Failure(recovered.error());
    for (const jobs::RecoveredRun& r : *recovered) out.Line(jobs::DescribeRecovery(r));
  }
  unload::NoHistory no_history;
  std::optional<jobs::StoreHistory> store_history;
  if (store) store_history.emplace(*store, clock, log);
  unload::RunHistory& history =
      store_history ? static_cast<unload::RunHistory&>(*store_history) : no_history;

  if (flags.from) return RunBackfill(flags, *spec, history, deps, out);
  const unload::RunOutcome outcome = RunDay(*spec, history, deps);
  progress.Clear();

  nlohmann::json summary = OutcomeJson(*spec, outcome);
  if (!outcome.succeeded) {
    if (!outcome.metrics_recorded) {
      out.Line("the metrics row was not recorded in Domo: " + outcome.metrics_error);
    }
    if (flags.json) return out.Report(summary, "", ExitCodeFor(outcome.error->code));
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

CLI::App* AddCleanupCommand(CLI::App& app, RunFlags& flags) {
  CLI::App* cmd = app.add_subcommand(
      "cleanup", "Clean up after runs of a job that a killed process left unfinished");
  cmd->add_option("--config,-c", flags.config, "The job file (TOML, see docs/job-spec.md)")
      ->required();
  cmd->add_option("--set", flags.set, "Override a field: section.field=value (repeatable)");
  cmd->add_flag("--json", flags.json, "Print JSON");
  cmd->add_option(
      "--store", flags.store,
      "The store: a path, sqlite:///PATH or postgresql://... (default: see docs/store.md)");
  cmd->add_option("--secret-key-file", flags.secret_key_file,
                  "The key of the saved accounts' secrets (needed with PostgreSQL; or "
                  "$S3UNLOAD_SECRET_KEY in base64)");
  cmd->add_option("--log-level", flags.log_level, "debug, info, warn (default), error");
  return cmd;
}

int RunCleanup(const RunFlags& flags) {
  Output out(flags.json);
  auto session = OpenJob(flags, out);
  if (!session) return out.Failure(session.error());
  JobSession& job = **session;
  auto path = StorePath(flags.store);
  if (!path) return out.Failure(path.error());
  auto store = store::Store::Open(*path, job.clock);
  if (!store) return out.Failure(store.error());
  auto recovered = jobs::RecoverJob(**store, job.spec, *job.clients.s3->client,
                                    *job.clients.domo->client, job.log);
  if (!recovered) return out.Failure(recovered.error());
  nlohmann::json list = nlohmann::json::array();
  std::string text;
  bool complete = true;
  for (const jobs::RecoveredRun& r : *recovered) {
    list.push_back({{"run_id", r.run_id},
                    {"uploads_aborted", r.uploads_aborted},
                    {"uploads_left", r.uploads_left},
                    {"metrics_recorded", r.metrics_recorded},
                    {"metrics_error", r.metrics_error}});
    text += jobs::DescribeRecovery(r) + "\n";
    complete = complete && r.uploads_left.empty() && r.metrics_recorded;
  }
  if (recovered->empty()) text = "no interrupted run of " + job.spec.name + " to clean up";
  // Uploads S3 would not let us abort stay journaled: a failure the user must look at.
  return out.Report(list, text, complete ? 0 : ExitCodeFor(ErrorCode::kUnavailable));
}

CLI::App* AddHistoryCommand(CLI::App& app, HistoryFlags& flags) {
  CLI::App* cmd = app.add_subcommand("history", "List recorded runs, newest first");
  cmd->add_option("--job", flags.job, "Only runs of this job");
  cmd->add_option("--status", flags.status, "RUNNING, SUCCEEDED, FAILED or CANCELLED");
  cmd->add_option("--limit", flags.limit, "At most this many runs (default 20)");
  cmd->add_flag("--json", flags.json, "Print JSON");
  cmd->add_option(
      "--store", flags.store,
      "The store: a path, sqlite:///PATH or postgresql://... (default: see docs/store.md)");
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
    list.push_back(store::RunJson(run));
    text += fmt::format("{:<30} {:<20} {:<10} {:<10} {:>12} {:>8.1f}  {}\n", run.run_id,
                        run.job_name, run.day, store::RunStatusName(run.status),
                        Thousands(static_cast<uint64_t>(run.result.rows)), seconds,
                        run.result.error_message);
  }
  if (runs->empty()) text = "no runs recorded in " + path->redacted;
  return out.Success(list, text);
}

}  // namespace s3u::cli
