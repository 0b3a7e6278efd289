// `s3unload run --config job.toml [--day N] [--set section.field=value]... [--dry-run]`:
// one run of a job (unload/runner.h), with progress on a terminal, a summary (or --json),
// the run recorded in the local history, and the documented exit code.
// `s3unload run --config job.toml --from DATE --to DATE`: a backfill, one run per day of the
// range (table/day_range.h: dates in the job's zone, both ends included), oldest first, one
// after the other; each is its own run in the history and its own metrics row. A failed day
// does not stop the others; Ctrl-C cancels the running day and the days not begun. Prints a
// line per day (or one JSON summary) and exits with the first failed day's code, 0 when every
// day succeeded.
// `s3unload history [--job NAME] [--limit N] [--json]`: the local run history, newest first.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace s3u::cli {

struct RunFlags {
  std::string config;
  std::optional<int> day;
  std::optional<std::string> from, to;  // a backfill: both, and no --day or --dry-run
  std::vector<std::string> set;
  std::optional<int> readers;  // --readers N: tuning.readers, after every --set
  bool dry_run = false;
  bool json = false;
  bool no_progress = false;
  std::string store;  // default: store::DefaultStorePath
  std::string secret_key_file;
  std::string log_level = "warn";
};

CLI::App* AddRunCommand(CLI::App& app, RunFlags& flags);
int RunRun(const RunFlags& flags);

// `s3unload cleanup --config job.toml`: what `run` does first, alone: the job's runs that a
// killed process left RUNNING are marked FAILED, their journaled multipart uploads aborted and
// their FAILED metrics rows written (jobs/recovery.h). Exit 6 when something could not be done.
CLI::App* AddCleanupCommand(CLI::App& app, RunFlags& flags);
int RunCleanup(const RunFlags& flags);

struct HistoryFlags {
  std::string job;
  std::string status;
  int limit = 20;
  bool json = false;
  std::string store;
};

CLI::App* AddHistoryCommand(CLI::App& app, HistoryFlags& flags);
int RunHistory(const HistoryFlags& flags);

}  // namespace s3u::cli
