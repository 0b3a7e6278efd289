// The Store's leases (leases.h has the rules; migration 8 the table).
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "store/fields.h"
#include "store/store.h"

namespace s3u::store {
namespace {

constexpr std::string_view kLeaseColumns =
    "connector_id, run_id, owner, expires_ms, cancel_requested";

Lease ReadLease(const Statement& row) {
  return {row.Text(0), row.Text(1), row.Text(2), row.Int(3), row.Int(4) != 0};
}

// Every lease `query` selects (kLeaseColumns).
Result<std::vector<Lease>> ReadLeases(Statement& query) {
  std::vector<Lease> leases;
  while (true) {
    auto row = query.Step();
    if (!row) return Fail(std::move(row.error()));
    if (!*row) return leases;
    leases.push_back(ReadLease(query));
  }
}

// The lease of `connector_id`, if any.
Result<std::optional<Lease>> LeaseOf(Connection& db, std::string_view connector_id,
                                     const std::string& doing) {
  auto query = Statement::Prepare(
      db, "SELECT " + std::string(kLeaseColumns) + " FROM leases WHERE connector_id = ?1", doing);
  if (!query) return Fail(std::move(query.error()));
  query->BindText(1, connector_id);
  auto all = ReadLeases(*query);
  if (!all) return Fail(std::move(all.error()));
  if (all->empty()) return std::optional<Lease>();
  return std::optional<Lease>(all->front());
}

}  // namespace

Result<ClaimResult> Store::ClaimRun(const ClaimRequest& request) {
  FieldErrors problems;
  if (request.run_id.empty()) problems.push_back({"run_id", "empty; a lease names its run"});
  if (request.max_running < 1) problems.push_back({"max_running", "must be at least 1"});
  if (request.lease_ms < 1) problems.push_back({"lease_ms", "must be at least 1"});
  if (!problems.empty()) return Fail(JoinFieldErrors(problems, "the claim"));
  const std::string doing = "claiming a run of connector " + request.connector_id;
  ClaimResult result;
  const int64_t now = NowMs();
  auto write = Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    result = {};
    auto connector = Statement::Prepare(
        db, "SELECT next_run_ms, retry_due_ms FROM connectors WHERE id = ?1", doing);
    if (!connector) return Fail(std::move(connector.error()));
    connector->BindText(1, request.connector_id);
    auto found = connector->Step();
    if (!found) return Fail(std::move(found.error()));
    if (!*found) {
      return Fail(ErrorCode::kNotFound, "connector " + request.connector_id, "no such connector");
    }
    const std::optional<int64_t> next_run = connector->OptionalInt(0);
    const std::optional<int64_t> retry_due = connector->OptionalInt(1);
    if ((request.kind == ClaimKind::kScheduled && next_run != request.due_ms) ||
        (request.kind == ClaimKind::kRetry && retry_due != request.due_ms)) {
      result.outcome = ClaimOutcome::kTaken;
      return {};
    }
    auto set_next = [&]() -> Result<void> {
      auto update =
          Statement::Prepare(db, "UPDATE connectors SET next_run_ms = ?2 WHERE id = ?1", doing);
      if (!update) return Fail(std::move(update.error()));
      update->BindText(1, request.connector_id).BindOptionalInt(2, request.next_run_ms);
      return update->Run();
    };

    auto held = LeaseOf(db, request.connector_id, doing);
    if (!held) return Fail(std::move(held.error()));
    if (*held) {
      result.outcome = ClaimOutcome::kConnectorRunning;
      result.running_run_id = (*held)->run_id;
      // A scheduled time that comes during a run is skipped, once.
      if (request.kind == ClaimKind::kScheduled) return set_next();
      return {};
    }
    auto count = Statement::Prepare(db, "SELECT COUNT(*) FROM leases", doing);
    if (!count) return Fail(std::move(count.error()));
    auto counted = count->Step();
    if (!counted) return Fail(std::move(counted.error()));
    result.running = static_cast<int>(count->Int(0));
    if (result.running >= request.max_running) {
      result.outcome = ClaimOutcome::kLimitReached;  // a due run stays due
      return {};
    }
    auto insert = Statement::Prepare(
        db, "INSERT INTO leases (connector_id, run_id, owner, expires_ms) VALUES (?1, ?2, ?3, ?4)",
        doing);
    if (!insert) return Fail(std::move(insert.error()));
    insert->BindText(1, request.connector_id)
        .BindText(2, request.run_id)
        .BindText(3, options_.owner)
        .BindInt(4, now + request.lease_ms);
    if (auto ok = insert->Run(); !ok) return ok;
    if (request.kind == ClaimKind::kScheduled) {
      if (auto ok = set_next(); !ok) return ok;
    }
    // A scheduled run supersedes a pending retry, a retry consumes it, and run now starts a
    // new series of attempts (clear_retry); a backfill's day leaves it pending.
    if (request.kind != ClaimKind::kManual || request.clear_retry) {
      auto clear = Statement::Prepare(db,
                                      "UPDATE connectors SET retry_due_ms = NULL, "
                                      "retry_attempt = 0, retry_of_run_id = NULL WHERE id = ?1",
                                      doing);
      if (!clear) return Fail(std::move(clear.error()));
      clear->BindText(1, request.connector_id);
      if (auto ok = clear->Run(); !ok) return ok;
    }
    result.outcome = ClaimOutcome::kClaimed;
    return {};
  });
  if (!write) return Fail(std::move(write.error()));
  return result;
}

Result<std::vector<Lease>> Store::RenewLeases(int64_t lease_ms) {
  const std::string doing = "renewing this process's leases";
  std::vector<Lease> leases;
  const int64_t expires = NowMs() + lease_ms;
  auto write = Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto renew =
        Statement::Prepare(db, "UPDATE leases SET expires_ms = ?2 WHERE owner = ?1", doing);
    if (!renew) return Fail(std::move(renew.error()));
    renew->BindText(1, options_.owner).BindInt(2, expires);
    if (auto ok = renew->Run(); !ok) return ok;
    auto query = Statement::Prepare(
        db,
        "SELECT " + std::string(kLeaseColumns) + " FROM leases WHERE owner = ?1 ORDER BY run_id",
        doing);
    if (!query) return Fail(std::move(query.error()));
    query->BindText(1, options_.owner);
    auto read = ReadLeases(*query);
    if (!read) return Fail(std::move(read.error()));
    leases = std::move(*read);
    return {};
  });
  if (!write) return Fail(std::move(write.error()));
  return leases;
}

Result<void> Store::ReleaseLease(std::string_view connector_id, std::string_view run_id) {
  const std::string doing = "releasing the lease of run " + std::string(run_id);
  return Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto remove =
        Statement::Prepare(db, "DELETE FROM leases WHERE connector_id = ?1 AND run_id = ?2", doing);
    if (!remove) return Fail(std::move(remove.error()));
    remove->BindText(1, connector_id).BindText(2, run_id);
    return remove->Run();
  });
}

Result<std::optional<Lease>> Store::GetLease(std::string_view connector_id) {
  const std::string doing = "reading the lease of connector " + std::string(connector_id);
  std::optional<Lease> lease;
  auto read = Locked(TransactionMode::kRead, doing, [&](Connection& db) -> Result<void> {
    auto found = LeaseOf(db, connector_id, doing);
    if (!found) return Fail(std::move(found.error()));
    lease = std::move(*found);
    return {};
  });
  if (!read) return Fail(std::move(read.error()));
  return lease;
}

Result<Lease> Store::RequestCancel(std::string_view connector_id) {
  const std::string doing = "asking for the cancel of connector " + std::string(connector_id);
  std::optional<Lease> lease;
  auto write = Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto mark = Statement::Prepare(
        db, "UPDATE leases SET cancel_requested = 1 WHERE connector_id = ?1", doing);
    if (!mark) return Fail(std::move(mark.error()));
    mark->BindText(1, connector_id);
    if (auto ok = mark->Run(); !ok) return ok;
    auto found = LeaseOf(db, connector_id, doing);
    if (!found) return Fail(std::move(found.error()));
    lease = std::move(*found);
    return {};
  });
  if (!write) return Fail(std::move(write.error()));
  if (!lease) {
    return Fail(ErrorCode::kFailedPrecondition, "connector " + std::string(connector_id),
                "nothing to cancel: the connector is not running");
  }
  return *lease;
}

Result<std::vector<std::string>> Store::ReapExpiredLeases() {
  const std::string doing = "reaping expired leases";
  const int64_t now = NowMs();
  std::vector<std::string> marked;
  // A read first (it never waits for a writer): nearly always there is nothing to reap, and
  // then no write transaction is taken.
  bool any = false;
  auto read = Locked(TransactionMode::kRead, doing, [&](Connection& db) -> Result<void> {
    auto found = RowExists(db, "SELECT 1 FROM leases WHERE expires_ms < ?1", doing,
                           [now](Statement& query) { query.BindInt(1, now); });
    if (!found) return Fail(std::move(found.error()));
    any = *found;
    return {};
  });
  if (!read) return Fail(std::move(read.error()));
  if (!any) return marked;
  auto write = Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    marked.clear();
    auto expired = Statement::Prepare(
        db,
        "SELECT l.run_id, r.status FROM leases l LEFT JOIN runs r ON r.run_id = l.run_id "
        "WHERE l.expires_ms < ?1 ORDER BY r.started_ms, l.run_id",
        doing);
    if (!expired) return Fail(std::move(expired.error()));
    expired->BindInt(1, now);
    std::vector<std::pair<std::string, bool>> leases;  // run id, still RUNNING
    while (true) {
      auto row = expired->Step();
      if (!row) return Fail(std::move(row.error()));
      if (!*row) break;
      leases.emplace_back(expired->Text(0), expired->Text(1) == "RUNNING");
    }
    std::vector<std::string> expired_runs;
    for (const auto& [run_id, running] : leases) {
      if (running) marked.push_back(run_id);
      expired_runs.push_back(run_id);
    }
    if (auto ok = MarkRunsAborted(db, expired_runs, now,
                                  "interrupted: the s3unload process running it stopped renewing "
                                  "its lease (killed, crashed, cut off from the store, or its "
                                  "machine stopped)",
                                  doing);
        !ok) {
      return ok;
    }
    return {};
  });
  if (!write) return Fail(std::move(write.error()));
  return marked;
}

Result<void> MarkRunsAborted(Connection& db, const std::vector<std::string>& run_ids,
                             int64_t now_ms, std::string_view message, std::string_view doing) {
  auto fail = Statement::Prepare(
      db,
      "UPDATE runs SET status = 'FAILED', "
      "finished_ms = CASE WHEN started_ms > ?2 THEN started_ms ELSE ?2 END, "
      "error_code = ?3, error_message = ?4 WHERE run_id = ?1 AND status = 'RUNNING'",
      doing);
  if (!fail) return Fail(std::move(fail.error()));
  auto release = Statement::Prepare(db, "DELETE FROM leases WHERE run_id = ?1", doing);
  if (!release) return Fail(std::move(release.error()));
  for (const std::string& run_id : run_ids) {
    fail->BindText(1, run_id)
        .BindInt(2, now_ms)
        .BindText(3, CodeName(ErrorCode::kAborted))
        .BindText(4, message);
    if (auto ok = fail->Run(); !ok) return ok;
    fail->Reset();
    release->BindText(1, run_id);
    if (auto ok = release->Run(); !ok) return ok;
    release->Reset();
  }
  return {};
}

}  // namespace s3u::store
