// The connectors half of the Store: the user's fields, and the scheduler state the service
// keeps beside them.
#include "store/connectors.h"

#include <functional>
#include <tuple>
#include <utility>

#include "store/fields.h"
#include "store/store.h"

namespace s3u::store {
namespace {

// The columns every query reads, in the order ReadConnector expects and BindConnector binds.
constexpr std::string_view kColumns =
    "id, name, enabled, domo_account_id, aws_account_id, settings_json, schedule_json, "
    "retry_json, created_ms, updated_ms, next_run_ms, retry_due_ms, retry_attempt, "
    "retry_of_run_id";

std::string ConnectorSubject(std::string_view id) { return "connector " + std::string(id); }

// A pending retry is all or nothing: a due time, the attempt (2, 3, ...) and the failed run.
void CheckPendingRetry(FieldErrors& errors, std::optional<int64_t> due_ms, int attempt,
                       std::string_view retry_of_run_id) {
  if (!due_ms) {
    if (attempt != 0 || !retry_of_run_id.empty()) {
      errors.push_back({"retry_due_ms",
                        "missing while retry_attempt or retry_of_run_id is set; a pending retry "
                        "has all three, no retry has none"});
    }
    return;
  }
  if (attempt < 2) {
    errors.push_back({"retry_attempt", std::to_string(attempt) +
                                           "; a retry runs as attempt 2 or later (the failed "
                                           "run was attempt 1 or later)"});
  }
  RequireField(errors, "retry_of_run_id", retry_of_run_id,
               "a pending retry names the failed run it retries");
}

// kInvalidArgument listing every problem with the user's fields (and, when creating, with the
// scheduler state given), including accounts that are missing or of the wrong kind.
Result<void> CheckConnector(Connection& db, std::string_view doing,
                            const ConnectorRecord& connector, bool creating) {
  FieldErrors errors;
  CheckName(errors, connector.name);
  // The S3 side is keys, or a role assumed with keys or the service's own credentials.
  const std::vector<AccountKind> domo = {AccountKind::kDomo};
  const std::vector<AccountKind> s3 = {AccountKind::kAws, AccountKind::kRole};
  for (const auto& [field, id, kinds] :
       {std::tuple{"domo_account_id", &connector.domo_account_id, &domo},
        std::tuple{"aws_account_id", &connector.aws_account_id, &s3}}) {
    if (id->empty()) {
      RequireField(errors, field, *id, "choose " + AnyAccountOf(*kinds) + " for the connector");
    } else if (auto ok = CheckAccountRef(db, doing, errors, field, *id, *kinds); !ok) {
      return ok;
    }
  }
  CheckJsonObject(errors, "settings_json", connector.settings_json);
  CheckJsonObject(errors, "schedule_json", connector.schedule_json);
  CheckJsonObject(errors, "retry_json", connector.retry_json);
  if (creating) {
    CheckPendingRetry(errors, connector.retry_due_ms, connector.retry_attempt,
                      connector.retry_of_run_id);
  }
  if (!errors.empty()) return Fail(JoinFieldErrors(errors, "the connector"));
  return {};
}

// kFailedPrecondition (subject "name") when another connector has the name.
Result<void> CheckNameFree(Connection& db, const ConnectorRecord& connector,
                           std::string_view doing) {
  auto taken = RowExists(
      db, "SELECT 1 FROM connectors WHERE name = ?1 AND id <> ?2", doing,
      [&](Statement& query) { query.BindText(1, connector.name).BindText(2, connector.id); });
  if (!taken) return Fail(std::move(taken.error()));
  if (*taken) {
    return Fail(
        ErrorCode::kFailedPrecondition, "name",
        "a connector named " + Quoted(connector.name) + " already exists; choose another name");
  }
  return {};
}

std::optional<std::string> NullIfEmpty(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

// Binds ?1..?14 in kColumns order.
void BindConnector(Statement& statement, const ConnectorRecord& connector) {
  statement.BindText(1, connector.id)
      .BindText(2, connector.name)
      .BindInt(3, connector.enabled ? 1 : 0)
      .BindText(4, connector.domo_account_id)
      .BindText(5, connector.aws_account_id)
      .BindText(6, connector.settings_json)
      .BindText(7, connector.schedule_json)
      .BindText(8, connector.retry_json)
      .BindInt(9, connector.created_ms)
      .BindInt(10, connector.updated_ms)
      .BindOptionalInt(11, connector.next_run_ms)
      .BindOptionalInt(12, connector.retry_due_ms)
      .BindInt(13, connector.retry_attempt)
      .BindOptionalText(14, NullIfEmpty(connector.retry_of_run_id));
}

ConnectorRecord ReadConnector(const Statement& row) {
  ConnectorRecord connector;
  connector.id = row.Text(0);
  connector.name = row.Text(1);
  connector.enabled = row.Int(2) != 0;
  connector.domo_account_id = row.Text(3);
  connector.aws_account_id = row.Text(4);
  connector.settings_json = row.Text(5);
  connector.schedule_json = row.Text(6);
  connector.retry_json = row.Text(7);
  connector.created_ms = row.Int(8);
  connector.updated_ms = row.Int(9);
  connector.next_run_ms = row.OptionalInt(10);
  connector.retry_due_ms = row.OptionalInt(11);
  connector.retry_attempt = static_cast<int>(row.Int(12));
  connector.retry_of_run_id = row.Text(13);
  return connector;
}

// The connectors matching `where` (with its ORDER BY), parameters bound by `bind`.
Result<std::vector<ConnectorRecord>> SelectConnectors(Connection& db, std::string_view where,
                                                      std::string_view doing,
                                                      const std::function<void(Statement&)>& bind) {
  auto query = Statement::Prepare(
      db, "SELECT " + std::string(kColumns) + " FROM connectors " + std::string(where),
      std::string(doing));
  if (!query) return Fail(std::move(query.error()));
  bind(*query);
  std::vector<ConnectorRecord> connectors;
  while (true) {
    auto row = query->Step();
    if (!row) return Fail(std::move(row.error()));
    if (!*row) return connectors;
    connectors.push_back(ReadConnector(*query));
  }
}

Result<std::vector<ConnectorRecord>> SelectById(Connection& db, std::string_view id,
                                                std::string_view doing) {
  return SelectConnectors(db, "WHERE id = ?1", doing,
                          [&](Statement& query) { query.BindText(1, id); });
}

}  // namespace

Result<ConnectorRecord> Store::CreateConnector(ConnectorRecord connector) {
  if (connector.id.empty()) connector.id = NewId("con_");
  connector.created_ms = connector.updated_ms = NowMs();
  const std::string doing = "saving connector " + Quoted(connector.name);
  auto saved = Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    if (auto valid = CheckConnector(db, doing, connector, /*creating=*/true); !valid) return valid;
    auto id_taken = RowExists(db, "SELECT 1 FROM connectors WHERE id = ?1", doing,
                              [&](Statement& query) { query.BindText(1, connector.id); });
    if (!id_taken) return Fail(std::move(id_taken.error()));
    if (*id_taken) {
      return Fail(ErrorCode::kFailedPrecondition, "id",
                  "a connector with id " + connector.id + " already exists; leave the id empty");
    }
    if (auto free = CheckNameFree(db, connector, doing); !free) return free;
    auto insert = Statement::Prepare(db,
                                     "INSERT INTO connectors (" + std::string(kColumns) +
                                         ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                                         "?12, ?13, ?14)",
                                     doing);
    if (!insert) return Fail(std::move(insert.error()));
    BindConnector(*insert, connector);
    return insert->Run();
  });
  if (!saved) return Fail(std::move(saved.error()));
  return connector;
}

Result<ConnectorRecord> Store::UpdateConnector(const ConnectorRecord& connector) {
  const std::string doing = "updating connector " + connector.id;
  std::vector<ConnectorRecord> stored;
  auto updated = Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto current = SelectById(db, connector.id, doing);
    if (!current) return Fail(std::move(current.error()));
    if (current->empty()) {
      return Fail(ErrorCode::kNotFound, ConnectorSubject(connector.id), "no such connector");
    }
    if (auto valid = CheckConnector(db, doing, connector, /*creating=*/false); !valid) {
      return valid;
    }
    if (auto free = CheckNameFree(db, connector, doing); !free) return free;
    // The user's fields only; created_ms and the scheduler state keep their stored values.
    auto update = Statement::Prepare(
        db,
        "UPDATE connectors SET name = ?2, enabled = ?3, domo_account_id = ?4, "
        "aws_account_id = ?5, settings_json = ?6, schedule_json = ?7, retry_json = ?8, "
        "updated_ms = ?9 WHERE id = ?1",
        doing);
    if (!update) return Fail(std::move(update.error()));
    update->BindText(1, connector.id)
        .BindText(2, connector.name)
        .BindInt(3, connector.enabled ? 1 : 0)
        .BindText(4, connector.domo_account_id)
        .BindText(5, connector.aws_account_id)
        .BindText(6, connector.settings_json)
        .BindText(7, connector.schedule_json)
        .BindText(8, connector.retry_json)
        .BindInt(9, NowMs());
    if (auto ok = update->Run(); !ok) return ok;
    auto read = SelectById(db, connector.id, doing);
    if (!read) return Fail(std::move(read.error()));
    stored = std::move(*read);
    return {};
  });
  if (!updated) return Fail(std::move(updated.error()));
  return std::move(stored.front());
}

Result<ConnectorRecord> Store::GetConnector(std::string_view id) {
  const std::string doing = "reading connector " + std::string(id);
  std::vector<ConnectorRecord> found;
  auto read = Locked(TransactionMode::kRead, doing, [&](Connection& db) -> Result<void> {
    auto connectors = SelectById(db, id, doing);
    if (!connectors) return Fail(std::move(connectors.error()));
    found = std::move(*connectors);
    return {};
  });
  if (!read) return Fail(std::move(read.error()));
  if (found.empty()) return Fail(ErrorCode::kNotFound, ConnectorSubject(id), "no such connector");
  return std::move(found.front());
}

Result<std::vector<ConnectorRecord>> Store::ListConnectors() {
  const std::string doing = "listing connectors";
  std::vector<ConnectorRecord> connectors;
  auto read = Locked(TransactionMode::kRead, doing, [&](Connection& db) -> Result<void> {
    auto all = SelectConnectors(db, "ORDER BY name", doing, [](Statement&) {});
    if (!all) return Fail(std::move(all.error()));
    connectors = std::move(*all);
    return {};
  });
  if (!read) return Fail(std::move(read.error()));
  return connectors;
}

Result<void> Store::DeleteConnector(std::string_view id) {
  const std::string doing = "deleting connector " + std::string(id);
  return Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto remove = Statement::Prepare(db, "DELETE FROM connectors WHERE id = ?1", doing);
    if (!remove) return Fail(std::move(remove.error()));
    remove->BindText(1, id);
    if (auto ok = remove->Run(); !ok) return ok;
    if (db.Changes() == 0) {
      return Fail(ErrorCode::kNotFound, ConnectorSubject(id), "no such connector");
    }
    return {};
  });
}

Result<void> Store::SetSchedulerState(std::string_view id, std::string_view doing,
                                      std::string_view set_sql,
                                      const std::function<void(Statement&)>& bind) {
  return Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto update = Statement::Prepare(
        db, "UPDATE connectors SET " + std::string(set_sql) + " WHERE id = ?1", std::string(doing));
    if (!update) return Fail(std::move(update.error()));
    update->BindText(1, id);
    bind(*update);
    if (auto ok = update->Run(); !ok) return ok;
    if (db.Changes() == 0) {
      return Fail(ErrorCode::kNotFound, ConnectorSubject(id), "no such connector");
    }
    return {};
  });
}

Result<void> Store::SetNextRun(std::string_view id, std::optional<int64_t> next_run_ms) {
  return SetSchedulerState(id, "setting the next run of connector " + std::string(id),
                           "next_run_ms = ?2",
                           [&](Statement& update) { update.BindOptionalInt(2, next_run_ms); });
}

Result<void> Store::SetPendingRetry(std::string_view id, int64_t due_ms, int attempt,
                                    std::string_view retry_of_run_id) {
  FieldErrors errors;
  CheckPendingRetry(errors, due_ms, attempt, retry_of_run_id);
  if (!errors.empty()) return Fail(JoinFieldErrors(errors, "the pending retry"));
  return SetSchedulerState(
      id, "recording a pending retry of connector " + std::string(id),
      "retry_due_ms = ?2, retry_attempt = ?3, retry_of_run_id = ?4", [&](Statement& update) {
        update.BindInt(2, due_ms).BindInt(3, attempt).BindText(4, retry_of_run_id);
      });
}

Result<void> Store::ClearPendingRetry(std::string_view id) {
  return SetSchedulerState(id, "clearing the pending retry of connector " + std::string(id),
                           "retry_due_ms = NULL, retry_attempt = 0, retry_of_run_id = NULL",
                           [](Statement&) {});
}

}  // namespace s3u::store
