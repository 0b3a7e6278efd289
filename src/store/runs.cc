// The run-history half of the Store, and the pure helpers of runs.h.
#include "store/runs.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <utility>

#include "store/fields.h"
#include "store/store.h"

namespace s3u::store {
namespace {

// The columns every query reads, in the order ReadRecord expects.
constexpr std::string_view kColumns =
    "run_id, job_name, connector_id, input_dataset_id, day, time_zone, engine, attempt, status, "
    "started_ms, finished_ms, s3_uris, objects, rows, bytes, duplicate_keys, error_code, "
    "error_message, metrics_json";

std::string RunSubject(std::string_view run_id) {
  return run_id.empty() ? "run (without an id)" : "run " + std::string(run_id);
}

bool IsDay(std::string_view day) {
  if (day.size() != 10 || day[4] != '-' || day[7] != '-') return false;
  constexpr size_t kStart[3] = {0, 5, 8};
  constexpr size_t kLength[3] = {4, 2, 2};
  unsigned parts[3] = {0, 0, 0};  // year, month, day
  for (size_t part = 0; part < 3; ++part) {
    for (size_t i = kStart[part]; i < kStart[part] + kLength[part]; ++i) {
      if (day[i] < '0' || day[i] > '9') return false;
      parts[part] = parts[part] * 10 + static_cast<unsigned>(day[i] - '0');
    }
  }
  const std::chrono::year_month_day date{std::chrono::year(static_cast<int>(parts[0])),
                                         std::chrono::month(parts[1]), std::chrono::day(parts[2])};
  return date.ok();
}

// Appends "field: problem" to `problems`.
void Problem(std::string& problems, std::string_view field, std::string_view problem) {
  if (!problems.empty()) problems += "; ";
  problems += std::string(field) + ": " + std::string(problem);
}

void RequireText(std::string& problems, std::string_view field, std::string_view value) {
  if (value.empty()) Problem(problems, field, "empty; a value is required");
}

Result<void> Refuse(std::string_view run_id, const std::string& problems) {
  if (problems.empty()) return {};
  return Fail(ErrorCode::kInvalidArgument, RunSubject(run_id), problems);
}

Result<void> ValidateNewRun(const RunRecord& run) {
  std::string problems;
  RequireText(problems, "run_id", run.run_id);
  RequireText(problems, "job_name", run.job_name);
  RequireText(problems, "input_dataset_id", run.input_dataset_id);
  RequireText(problems, "time_zone", run.time_zone);
  RequireText(problems, "engine", run.engine);
  if (!IsDay(run.day)) Problem(problems, "day", "'" + run.day + "' is not a date as YYYY-MM-DD");
  if (run.attempt < 1) {
    Problem(problems, "attempt", std::to_string(run.attempt) + "; attempts count from 1");
  }
  if (run.started_ms <= 0) {
    Problem(problems, "started_ms", std::to_string(run.started_ms) + "; epoch milliseconds > 0");
  }
  if (run.status != RunStatus::kRunning) {
    Problem(problems, "status",
            std::string(RunStatusName(run.status)) +
                "; a run begins as RUNNING and FinishRun records how it ended");
  }
  if (run.finished_ms) Problem(problems, "finished_ms", "set; a run that begins has not finished");
  if (run.result != RunResult{}) {
    Problem(problems, "result", "set; a run that begins has no result yet (FinishRun records it)");
  }
  return Refuse(run.run_id, problems);
}

Result<void> ValidateOutcome(std::string_view run_id, RunStatus status, const RunResult& result) {
  std::string problems;
  if (status == RunStatus::kRunning) {
    Problem(problems, "status", "RUNNING; a run finishes as SUCCEEDED, FAILED or CANCELLED");
  }
  if (status == RunStatus::kSucceeded &&
      (!result.error_code.empty() || !result.error_message.empty())) {
    Problem(problems, "error", "set on a SUCCEEDED run; only FAILED and CANCELLED runs have one");
  }
  if (status == RunStatus::kFailed && (result.error_code.empty() || result.error_message.empty())) {
    Problem(problems, "error", "missing; a FAILED run records its error code and message");
  }
  for (const auto& [field, value] : {std::pair{"objects", result.objects},
                                     {"rows", result.rows},
                                     {"bytes", result.bytes},
                                     {"duplicate_keys", result.duplicate_keys}}) {
    if (value < 0) Problem(problems, field, std::to_string(value) + "; counts are >= 0");
  }
  if (!result.metrics_json.empty() &&
      !nlohmann::json::parse(result.metrics_json, nullptr, false).is_object()) {
    Problem(problems, "metrics_json", "not a JSON object; give the metrics row as one, or nothing");
  }
  return Refuse(run_id, problems);
}

std::string EncodeUris(const std::vector<std::string>& uris) {
  // error_handler_t::replace: invalid UTF-8 cannot make dump() throw.
  return nlohmann::json(uris).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::vector<std::string>> DecodeUris(std::string_view run_id, const std::string& text) {
  const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> uris;
  bool ok = parsed.is_array();
  for (size_t i = 0; ok && i < parsed.size(); ++i) {
    ok = parsed[i].is_string();
    if (ok) uris.push_back(parsed[i].get<std::string>());
  }
  if (!ok) {
    return Fail(ErrorCode::kDataLoss, RunSubject(run_id),
                "the stored s3_uris are not a JSON array of strings; the store was edited by "
                "hand or is damaged");
  }
  return uris;
}

std::optional<std::string> NullIfEmpty(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

Result<RunRecord> ReadRecord(const Statement& row) {
  RunRecord run;
  run.run_id = row.Text(0);
  run.job_name = row.Text(1);
  run.connector_id = row.OptionalText(2);
  run.input_dataset_id = row.Text(3);
  run.day = row.Text(4);
  run.time_zone = row.Text(5);
  run.engine = row.Text(6);
  run.attempt = static_cast<int>(row.Int(7));
  auto status = ParseRunStatus(row.Text(8), RunSubject(run.run_id));
  if (!status) return Fail(std::move(status.error()));
  run.status = *status;
  run.started_ms = row.Int(9);
  run.finished_ms = row.OptionalInt(10);
  auto uris = DecodeUris(run.run_id, row.Text(11));
  if (!uris) return Fail(std::move(uris.error()));
  run.result.s3_uris = std::move(*uris);
  run.result.objects = row.Int(12);
  run.result.rows = row.Int(13);
  run.result.bytes = row.Int(14);
  run.result.duplicate_keys = row.Int(15);
  run.result.error_code = row.Text(16);
  run.result.error_message = row.Text(17);
  run.result.metrics_json = row.Text(18);
  return run;
}

// Steps `statement` to its end, appending every row as a RunRecord.
Result<void> ReadAll(Statement& statement, std::vector<RunRecord>& out) {
  while (true) {
    auto row = statement.Step();
    if (!row) return Fail(std::move(row.error()));
    if (!*row) return {};
    auto run = ReadRecord(statement);
    if (!run) return Fail(std::move(run.error()));
    out.push_back(std::move(*run));
  }
}

// started_ms of `run_id`, or nullopt when there is no such run.
Result<std::optional<int64_t>> StartOf(Connection& db, std::string_view run_id, std::string doing) {
  auto query = Statement::Prepare(db, "SELECT started_ms FROM runs WHERE run_id = ?1", doing);
  if (!query) return Fail(std::move(query.error()));
  query->BindText(1, run_id);
  auto row = query->Step();
  if (!row) return Fail(std::move(row.error()));
  if (!*row) return std::optional<int64_t>();
  return std::optional<int64_t>(query->Int(0));
}

// Ok when `run_id` is in the store; kNotFound naming the run and the store otherwise.
Result<void> RunExists(Connection& db, std::string_view run_id, const std::string& doing,
                       const std::string& store) {
  auto start = StartOf(db, run_id, doing);
  if (!start) return Fail(std::move(start.error()));
  if (!*start) {
    return Fail(ErrorCode::kNotFound, RunSubject(run_id), "no such run in the store " + store);
  }
  return {};
}

}  // namespace

nlohmann::json RunJson(const RunRecord& run) {
  using nlohmann::json;
  const auto optional_ms = [](const std::optional<int64_t>& ms) {
    return ms ? json(*ms) : json(nullptr);
  };
  json j = {
      {"run_id", run.run_id},
      {"connector_id", run.connector_id ? json(*run.connector_id) : json(nullptr)},
      {"job_name", run.job_name},
      {"attempt", run.attempt},
      {"day", run.day},
      {"time_zone", run.time_zone},
      {"engine", run.engine},
      {"input_dataset_id", run.input_dataset_id},
      {"status", std::string(RunStatusName(run.status))},
      {"started_ms", run.started_ms},
      {"finished_ms", optional_ms(run.finished_ms)},
      {"duration_ms", run.finished_ms ? json(*run.finished_ms - run.started_ms) : json(nullptr)},
      {"s3_uris", run.result.s3_uris},
      {"objects", run.result.objects},
      {"rows", run.result.rows},
      {"bytes", run.result.bytes},
      {"duplicate_keys", run.result.duplicate_keys},
      {"error", nullptr},
      {"metrics", nullptr}};
  if (!run.result.error_code.empty()) {
    j["error"] = {{"code", run.result.error_code}, {"message", run.result.error_message}};
  }
  if (!run.result.metrics_json.empty()) {
    j["metrics"] = json::parse(run.result.metrics_json, nullptr, false);
  }
  return j;
}

std::string MakeRunId(std::chrono::system_clock::time_point started, uint32_t random) {
  using std::chrono::floor;
  const auto ms = floor<std::chrono::milliseconds>(started);
  const auto day = floor<std::chrono::days>(ms);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss<std::chrono::milliseconds> time(ms - day);
  char id[40];
  std::snprintf(id, sizeof id, "%04d%02u%02uT%02d%02d%02d%03dZ-%08x", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()),
                static_cast<int>(time.subseconds().count()), static_cast<unsigned>(random));
  return id;
}

namespace {

// Inserts `run` as RUNNING, owned by `owner`; refuses an id already used.
Result<void> InsertRunning(Connection& db, const RunRecord& run, const std::string& owner,
                           const std::string& doing) {
  auto existing = StartOf(db, run.run_id, doing);
  if (!existing) return Fail(std::move(existing.error()));
  if (*existing) {
    return Fail(ErrorCode::kInvalidArgument, RunSubject(run.run_id),
                "a run with this id already exists; every run needs a new id (MakeRunId)");
  }
  auto insert = Statement::Prepare(
      db,
      "INSERT INTO runs (run_id, job_name, connector_id, input_dataset_id, day, time_zone, "
      "engine, attempt, owner, status, started_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
      doing);
  if (!insert) return Fail(std::move(insert.error()));
  insert->BindText(1, run.run_id)
      .BindText(2, run.job_name)
      .BindOptionalText(3, run.connector_id)
      .BindText(4, run.input_dataset_id)
      .BindText(5, run.day)
      .BindText(6, run.time_zone)
      .BindText(7, run.engine)
      .BindInt(8, run.attempt)
      .BindText(9, owner)
      .BindText(10, RunStatusName(RunStatus::kRunning))
      .BindInt(11, run.started_ms);
  return insert->Run();
}

// Writes how the run `run_id` ended.
Result<void> WriteOutcome(Connection& db, std::string_view run_id, RunStatus status,
                          int64_t finished_ms, const RunResult& result, const std::string& doing) {
  auto update = Statement::Prepare(
      db,
      "UPDATE runs SET status = ?2, finished_ms = ?3, s3_uris = ?4, objects = ?5, rows = ?6, "
      "bytes = ?7, duplicate_keys = ?8, error_code = ?9, error_message = ?10, "
      "metrics_json = ?11 WHERE run_id = ?1",
      doing);
  if (!update) return Fail(std::move(update.error()));
  update->BindText(1, run_id)
      .BindText(2, RunStatusName(status))
      .BindInt(3, finished_ms)
      .BindText(4, EncodeUris(result.s3_uris))
      .BindInt(5, result.objects)
      .BindInt(6, result.rows)
      .BindInt(7, result.bytes)
      .BindInt(8, result.duplicate_keys)
      .BindOptionalText(9, NullIfEmpty(result.error_code))
      .BindOptionalText(10, NullIfEmpty(result.error_message))
      .BindOptionalText(11, NullIfEmpty(result.metrics_json));
  return update->Run();
}

}  // namespace

Result<void> Store::BeginRun(const RunRecord& run) {
  if (auto valid = ValidateNewRun(run); !valid) return valid;
  const std::string doing = "recording the start of run " + run.run_id;
  return Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    return InsertRunning(db, run, options_.owner, doing);
  });
}

Result<void> Store::RecordRunNotStarted(const RunRecord& run, const RunResult& failure) {
  std::string problems;
  RequireText(problems, "run_id", run.run_id);
  RequireText(problems, "job_name", run.job_name);
  if (run.attempt < 1) {
    Problem(problems, "attempt", std::to_string(run.attempt) + "; attempts count from 1");
  }
  if (run.started_ms <= 0) {
    Problem(problems, "started_ms", std::to_string(run.started_ms) + "; epoch milliseconds > 0");
  }
  if (auto refused = Refuse(run.run_id, problems); !refused) return refused;
  if (auto valid = ValidateOutcome(run.run_id, RunStatus::kFailed, failure); !valid) return valid;
  const std::string doing = "recording run " + run.run_id + ", which could not start";
  return Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    if (auto inserted = InsertRunning(db, run, options_.owner, doing); !inserted) {
      return inserted;
    }
    return WriteOutcome(db, run.run_id, RunStatus::kFailed, run.started_ms, failure, doing);
  });
}

Result<void> Store::FinishRun(std::string_view run_id, RunStatus status, int64_t finished_ms,
                              const RunResult& result) {
  if (auto valid = ValidateOutcome(run_id, status, result); !valid) return valid;
  const std::string doing = "recording the end of run " + std::string(run_id);
  return Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto current =
        Statement::Prepare(db, "SELECT status, started_ms FROM runs WHERE run_id = ?1", doing);
    if (!current) return Fail(std::move(current.error()));
    current->BindText(1, run_id);
    auto row = current->Step();
    if (!row) return Fail(std::move(row.error()));
    if (!*row) {
      return Fail(ErrorCode::kNotFound, RunSubject(run_id),
                  "no such run in the store " + location_);
    }
    if (current->Text(0) != RunStatusName(RunStatus::kRunning)) {
      return Fail(ErrorCode::kFailedPrecondition, RunSubject(run_id),
                  "has already finished as " + current->Text(0) + "; a run finishes only once");
    }
    if (finished_ms < current->Int(1)) {
      return Fail(ErrorCode::kInvalidArgument, RunSubject(run_id),
                  "finished_ms: " + std::to_string(finished_ms) + " is before the start (" +
                      std::to_string(current->Int(1)) + ")");
    }
    return WriteOutcome(db, run_id, status, finished_ms, result, doing);
  });
}

Result<RunRecord> Store::GetRun(std::string_view run_id) {
  std::vector<RunRecord> found;
  const std::string doing = "reading run " + std::string(run_id);
  auto read = Locked(TransactionMode::kRead, doing, [&](Connection& db) -> Result<void> {
    auto query = Statement::Prepare(
        db, "SELECT " + std::string(kColumns) + " FROM runs WHERE run_id = ?1", doing);
    if (!query) return Fail(std::move(query.error()));
    query->BindText(1, run_id);
    return ReadAll(*query, found);
  });
  if (!read) return Fail(std::move(read.error()));
  if (found.empty()) {
    return Fail(ErrorCode::kNotFound, RunSubject(run_id), "no such run in the store " + location_);
  }
  return std::move(found.front());
}

Result<std::vector<RunRecord>> Store::ListRuns(const RunFilter& filter) {
  if (filter.limit < 1 || filter.limit > kMaxRunsPerPage) {
    return Fail(ErrorCode::kInvalidArgument, "limit",
                std::to_string(filter.limit) + " is out of range; accepted: 1 to " +
                    std::to_string(kMaxRunsPerPage));
  }
  std::vector<RunRecord> runs;
  const std::string doing = "listing runs";
  auto read = Locked(TransactionMode::kRead, doing, [&](Connection& db) -> Result<void> {
    std::optional<int64_t> cursor_start;
    if (filter.before) {
      auto start = StartOf(db, *filter.before, doing);
      if (!start) return Fail(std::move(start.error()));
      if (!*start) {
        return Fail(ErrorCode::kInvalidArgument, "before",
                    "no run '" + *filter.before +
                        "' to page from; pass the run_id of the last run of the previous page");
      }
      cursor_start = *start;
    }
    // Parameters are numbered, so a condition left out leaves an unbound (unused) number.
    std::string sql = "SELECT " + std::string(kColumns) + " FROM runs WHERE 1 = 1";
    if (filter.job_name) sql += " AND job_name = ?1";
    if (filter.connector_id) sql += " AND connector_id = ?2";
    if (filter.status) sql += " AND status = ?3";
    if (cursor_start) sql += " AND (started_ms, run_id) < (?4, ?5)";
    sql += " ORDER BY started_ms DESC, run_id DESC LIMIT ?6";
    auto query = Statement::Prepare(db, sql, doing);
    if (!query) return Fail(std::move(query.error()));
    if (filter.job_name) query->BindText(1, *filter.job_name);
    if (filter.connector_id) query->BindText(2, *filter.connector_id);
    if (filter.status) query->BindText(3, RunStatusName(*filter.status));
    if (cursor_start) query->BindInt(4, *cursor_start).BindText(5, *filter.before);
    query->BindInt(6, filter.limit);
    return ReadAll(*query, runs);
  });
  if (!read) return Fail(std::move(read.error()));
  return runs;
}

Result<std::vector<std::string>> Store::MarkInterruptedRuns(
    const std::optional<std::string>& cli_job) {
  std::vector<std::string> marked;
  const std::string doing = "marking interrupted runs";
  const int64_t now_ms = NowMs();
  auto write = Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto running = Statement::Prepare(
        db,
        cli_job ? "SELECT run_id, owner, 0 FROM runs WHERE status = 'RUNNING' AND "
                  "connector_id IS NULL AND job_name = ?1 ORDER BY started_ms, run_id"
                : "SELECT run_id, owner, (SELECT COUNT(*) FROM leases l WHERE l.run_id = "
                  "runs.run_id) FROM runs WHERE status = 'RUNNING' ORDER BY started_ms, run_id",
        doing);
    if (!running) return Fail(std::move(running.error()));
    if (cli_job) running->BindText(1, *cli_job);
    while (true) {
      auto row = running->Step();
      if (!row) return Fail(std::move(row.error()));
      if (!*row) break;
      const std::string owner = running->Text(1);
      const bool leased = running->Int(2) > 0;
      if (leased && !options_.owner_here(owner)) continue;  // another machine's: its lease says
      if (!options_.owner_alive(owner)) marked.push_back(running->Text(0));
    }
    return MarkRunsAborted(db, marked, now_ms,
                           "interrupted: the s3unload process running it stopped before the run "
                           "finished (killed, crashed, or the machine restarted)",
                           doing);
  });
  if (!write) return Fail(std::move(write.error()));
  return marked;
}

Result<void> Store::JournalUpload(const JournaledUpload& upload) {
  std::string problems;
  RequireText(problems, "upload_id", upload.upload_id);
  RequireText(problems, "run_id", upload.run_id);
  RequireText(problems, "bucket", upload.bucket);
  RequireText(problems, "key", upload.key);
  if (!problems.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "upload " + upload.upload_id, problems);
  }
  const std::string doing = "journaling upload " + upload.upload_id;
  return Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto insert = Statement::Prepare(
        db,
        "INSERT INTO uploads (upload_id, run_id, bucket, key, opened_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (upload_id) DO UPDATE SET "
        "run_id = excluded.run_id, bucket = excluded.bucket, key = excluded.key, "
        "opened_ms = excluded.opened_ms, completed = 0",
        doing);
    if (!insert) return Fail(std::move(insert.error()));
    insert->BindText(1, upload.upload_id)
        .BindText(2, upload.run_id)
        .BindText(3, upload.bucket)
        .BindText(4, upload.key)
        .BindInt(5, upload.opened_ms);
    return insert->Run();
  });
}

Result<void> Store::WriteJournal(std::string_view sql, std::string_view id,
                                 const std::string& doing) {
  return Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto statement = Statement::Prepare(db, std::string(sql), doing);
    if (!statement) return Fail(std::move(statement.error()));
    statement->BindText(1, id);
    return statement->Run();
  });
}

Result<void> Store::MarkUploadCompleted(std::string_view upload_id) {
  return WriteJournal("UPDATE uploads SET completed = 1 WHERE upload_id = ?1", upload_id,
                      "marking upload " + std::string(upload_id) + " completed");
}

Result<void> Store::ForgetUpload(std::string_view upload_id) {
  return WriteJournal("DELETE FROM uploads WHERE upload_id = ?1", upload_id,
                      "forgetting upload " + std::string(upload_id));
}

Result<void> Store::ForgetRunUploads(std::string_view run_id) {
  return WriteJournal("DELETE FROM uploads WHERE run_id = ?1", run_id,
                      "forgetting the uploads of run " + std::string(run_id));
}

Result<std::vector<JournaledUpload>> Store::JournaledUploads(std::string_view run_id) {
  std::vector<JournaledUpload> found;
  const std::string doing = "reading the journaled uploads of run " + std::string(run_id);
  auto read = Locked(TransactionMode::kRead, doing, [&](Connection& db) -> Result<void> {
    auto query = Statement::Prepare(
        db,
        "SELECT upload_id, run_id, bucket, key, opened_ms, completed FROM uploads "
        "WHERE run_id = ?1 ORDER BY opened_ms, upload_id",
        doing);
    if (!query) return Fail(std::move(query.error()));
    query->BindText(1, run_id);
    for (;;) {
      auto row = query->Step();
      if (!row) return Fail(std::move(row.error()));
      if (!*row) return {};
      found.push_back({query->Text(0), query->Text(1), query->Text(2), query->Text(3),
                       query->Int(4), query->Int(5) != 0});
    }
  });
  if (!read) return Fail(std::move(read.error()));
  return found;
}

Result<void> Store::AppendRunLog(std::string_view run_id, const RunLogBatch& batch) {
  for (const RunLogLine& line : batch.lines) {
    if (line.seq < 0) {
      return Fail(ErrorCode::kInvalidArgument, RunSubject(run_id),
                  "log line seq " + std::to_string(line.seq) + "; lines count from 0");
    }
  }
  const std::string doing = "saving the log of run " + std::string(run_id);
  return Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    if (auto ok = RunExists(db, run_id, doing, location_); !ok) return ok;
    auto insert = Statement::Prepare(
        db, "INSERT INTO run_log (run_id, seq, time_ms, level, line) VALUES (?1, ?2, ?3, ?4, ?5)",
        doing);
    if (!insert) return Fail(std::move(insert.error()));
    for (const RunLogLine& line : batch.lines) {
      insert->BindText(1, run_id)
          .BindInt(2, line.seq)
          .BindInt(3, line.time_ms)
          .BindText(4, LogLevelName(line.level))
          .BindText(5, line.text);
      if (auto ok = insert->Run(); !ok) return ok;
      insert->Reset();
    }
    if (batch.dropped_to <= batch.dropped_from) return {};
    auto drop = Statement::Prepare(
        db, "DELETE FROM run_log WHERE run_id = ?1 AND seq >= ?2 AND seq < ?3", doing);
    if (!drop) return Fail(std::move(drop.error()));
    drop->BindText(1, run_id).BindInt(2, batch.dropped_from).BindInt(3, batch.dropped_to);
    return drop->Run();
  });
}

Result<std::vector<RunLogLine>> Store::ReadRunLog(std::string_view run_id) {
  std::vector<RunLogLine> lines;
  const std::string doing = "reading the log of run " + std::string(run_id);
  auto read = Locked(TransactionMode::kRead, doing, [&](Connection& db) -> Result<void> {
    if (auto ok = RunExists(db, run_id, doing, location_); !ok) return ok;
    auto query = Statement::Prepare(
        db, "SELECT seq, time_ms, level, line FROM run_log WHERE run_id = ?1 ORDER BY seq", doing);
    if (!query) return Fail(std::move(query.error()));
    query->BindText(1, run_id);
    for (;;) {
      auto row = query->Step();
      if (!row) return Fail(std::move(row.error()));
      if (!*row) return {};
      RunLogLine line{query->Int(0), query->Int(1), LogLevel::kInfo, query->Text(3)};
      if (!ParseLogLevel(query->Text(2), &line.level)) {
        return Fail(ErrorCode::kDataLoss, RunSubject(run_id),
                    "log line " + std::to_string(line.seq) + " has level '" + query->Text(2) +
                        "'; the store was edited by hand or is damaged");
      }
      lines.push_back(std::move(line));
    }
  });
  if (!read) return Fail(std::move(read.error()));
  return lines;
}

}  // namespace s3u::store
