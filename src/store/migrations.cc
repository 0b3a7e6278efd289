#include "store/migrations.h"

#include <array>
#include <functional>
#include <string>

#include "store/dialect.h"

namespace s3u::store {
namespace {

// Migration 1: the run history. Notes on choices:
// - STRICT: SQLite otherwise stores any type in any column.
// - connector_id has no foreign key: history outlives a deleted connector (job_name keeps the
//   name the run had), and the connectors table arrives in migration 3.
// - owner is the process identity (process_identity.h) of the process running a RUNNING row,
//   which MarkInterruptedRuns tests for liveness.
// - s3_uris is a JSON array of text; metrics_json the exact metrics row sent to Domo.
constexpr std::string_view kRunsSql = R"sql(
CREATE TABLE runs (
  run_id           TEXT PRIMARY KEY NOT NULL,
  job_name         TEXT NOT NULL,
  connector_id     TEXT,
  input_dataset_id TEXT NOT NULL,
  day              TEXT NOT NULL,
  time_zone        TEXT NOT NULL,
  engine           TEXT NOT NULL,
  attempt          INTEGER NOT NULL CHECK (attempt >= 1),
  owner            TEXT NOT NULL,
  status           TEXT NOT NULL
                   CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
  started_ms       INTEGER NOT NULL,
  finished_ms      INTEGER,
  s3_uris          TEXT NOT NULL DEFAULT '[]',
  objects          INTEGER NOT NULL DEFAULT 0,
  rows             INTEGER NOT NULL DEFAULT 0,
  bytes            INTEGER NOT NULL DEFAULT 0,
  duplicate_keys   INTEGER NOT NULL DEFAULT 0,
  error_code       TEXT,
  error_message    TEXT,
  metrics_json     TEXT
) STRICT;
-- ListRuns pages newest first: over all runs, per job and per connector.
CREATE INDEX runs_by_start ON runs (started_ms DESC, run_id DESC);
CREATE INDEX runs_by_job ON runs (job_name, started_ms DESC, run_id DESC);
CREATE INDEX runs_by_connector ON runs (connector_id, started_ms DESC, run_id DESC)
  WHERE connector_id IS NOT NULL;
-- MarkInterruptedRuns reads only the unfinished runs.
CREATE INDEX runs_running ON runs (status) WHERE status = 'RUNNING';
)sql";

// Migration 2: the service's saved accounts (accounts.h). Notes on choices:
// - One table for both kinds: the connectors refer to either through one kind of key, and the
//   columns of the other kind stay '' (text) or NULL (secrets); the CHECKs keep it that way.
// - Secrets are BLOBs holding SecretBox::Seal output (nonce || ciphertext), never plaintext; a
//   BLOB column of a STRICT table refuses text, so a plaintext value cannot slip in as TEXT.
// - Names are unique per kind (a Domo and an AWS account may both be called "prod").
constexpr std::string_view kAccountsSql = R"sql(
CREATE TABLE accounts (
  id                    TEXT PRIMARY KEY NOT NULL,
  kind                  TEXT NOT NULL CHECK (kind IN ('domo', 'aws')),
  name                  TEXT NOT NULL CHECK (name <> ''),
  domo_client_id        TEXT NOT NULL DEFAULT '',
  domo_api_url          TEXT NOT NULL DEFAULT '',
  domo_instance_url     TEXT NOT NULL DEFAULT '',
  aws_access_key_id     TEXT NOT NULL DEFAULT '',
  bucket                TEXT NOT NULL DEFAULT '',
  region                TEXT NOT NULL DEFAULT '',
  endpoint_url          TEXT NOT NULL DEFAULT '',
  domo_client_secret    BLOB,
  aws_secret_access_key BLOB,
  aws_session_token     BLOB,
  created_ms            INTEGER NOT NULL,
  updated_ms            INTEGER NOT NULL,
  UNIQUE (kind, name),
  CHECK ((kind = 'domo') = (domo_client_secret IS NOT NULL)),
  CHECK ((kind = 'aws') = (aws_secret_access_key IS NOT NULL)),
  CHECK (kind = 'aws' OR aws_session_token IS NULL)
) STRICT;
)sql";

// Migration 3: connectors, their pending retries, and the service's settings. Notes:
// - The accounts are foreign keys ON DELETE RESTRICT: an account in use cannot be deleted.
//   That a connector's Domo account is of kind 'domo' (and the AWS one 'aws') is checked by the
//   Store; a composite key would need the kind copied into every connector row.
// - settings/schedule/retry are JSON objects owned by the service (which validates them), so a
//   new connector field needs no migration.
// - The scheduler state lives in the same row: a pending retry (due time, attempt number, the
//   failed run) is all-or-nothing, and survives a restart because it is here.
// - Runs keep their connector_id when a connector is deleted (no foreign key from runs).
constexpr std::string_view kConnectorsSql = R"sql(
CREATE TABLE connectors (
  id              TEXT PRIMARY KEY NOT NULL,
  name            TEXT NOT NULL UNIQUE CHECK (name <> ''),
  enabled         INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  domo_account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE RESTRICT,
  aws_account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE RESTRICT,
  settings_json   TEXT NOT NULL,
  schedule_json   TEXT NOT NULL,
  retry_json      TEXT NOT NULL,
  created_ms      INTEGER NOT NULL,
  updated_ms      INTEGER NOT NULL,
  next_run_ms     INTEGER,
  retry_due_ms    INTEGER,
  retry_attempt   INTEGER NOT NULL DEFAULT 0,
  retry_of_run_id TEXT,
  CHECK ((retry_due_ms IS NULL AND retry_attempt = 0 AND retry_of_run_id IS NULL) OR
         (retry_due_ms IS NOT NULL AND retry_attempt >= 2 AND coalesce(retry_of_run_id, '') <> ''))
) STRICT;
-- DeleteAccount looks up the connectors using an account (and so does the foreign key check).
CREATE INDEX connectors_by_domo_account ON connectors (domo_account_id);
CREATE INDEX connectors_by_aws_account ON connectors (aws_account_id);
CREATE TABLE settings (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) STRICT;
)sql";

// Migration 4: the crash journal. Every multipart upload a run opens is written here before its
// first part, marked completed once its object is visible, deleted once aborted, and the run's
// entries are deleted when the run finishes; so a process killed in between leaves, for the next
// start (of the service, of a run of the same job, of `cleanup`), the uploads to abort and the
// objects of an unfinished publish to remove. No foreign key to runs: an entry must outlive
// anything else that goes wrong.
constexpr std::string_view kUploadsSql = R"sql(
CREATE TABLE uploads (
  upload_id  TEXT PRIMARY KEY NOT NULL CHECK (upload_id <> ''),
  run_id     TEXT NOT NULL,
  bucket     TEXT NOT NULL,
  key        TEXT NOT NULL,
  opened_ms  INTEGER NOT NULL,
  completed  INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1))
) STRICT;
CREATE INDEX uploads_by_run ON uploads (run_id);
)sql";

// Migration 5: AWS role accounts (issue 15). A role account names a role to assume (role_arn,
// external_id, role_session_name), with the keys of an AWS account (base_account_id) or with
// the service's own credentials (NULL), and writes to bucket/region/endpoint_url like an AWS
// account. The kind CHECK of migration 2 admits only 'domo' and 'aws', and SQLite cannot alter
// a CHECK, so the table is rebuilt (SQLite's documented procedure: create, copy, drop, rename;
// foreign keys are off meanwhile, Migration::rebuilds_tables). Notes on choices:
// - base_account_id is a foreign key ON DELETE RESTRICT, like the connectors' accounts: a key
//   account lending its keys to a role cannot be deleted. NULL, never '', means "none". That
//   it names an 'aws' account is the Store's check, as for the connectors.
// - base_identity_arn is what STS said of the base credentials at the last test (the principal
//   of the trust policy); it is learnt, never typed.
// - The role's own columns are '' (and the base NULL) on other kinds; a CHECK keeps it so.
// PostgreSQL alters a CHECK in place, and its DROP TABLE would drop the foreign keys of the
// connectors with the old table: there, migration 5 adds the columns and replaces the CHECK (the
// column CHECK's name is PostgreSQL's: <table>_<column>_check). The columns end in the same
// order as the rebuilt SQLite table's.
constexpr std::string_view kRoleAccountsPostgresSql = R"sql(
ALTER TABLE accounts DROP CONSTRAINT accounts_kind_check;
ALTER TABLE accounts
  ADD CONSTRAINT accounts_kind_check CHECK (kind IN ('domo', 'aws', 'role')),
  ADD COLUMN role_arn          TEXT NOT NULL DEFAULT '',
  ADD COLUMN external_id       TEXT NOT NULL DEFAULT '',
  ADD COLUMN role_session_name TEXT NOT NULL DEFAULT '',
  ADD COLUMN base_account_id   TEXT REFERENCES accounts (id) ON DELETE RESTRICT,
  ADD COLUMN base_identity_arn TEXT NOT NULL DEFAULT '',
  ADD CHECK ((kind = 'role') = (role_arn <> '')),
  ADD CHECK (kind = 'role' OR (external_id = '' AND role_session_name = '' AND
                               base_account_id IS NULL AND base_identity_arn = ''));
CREATE INDEX accounts_by_base ON accounts (base_account_id) WHERE base_account_id IS NOT NULL;
)sql";

constexpr std::string_view kRoleAccountsSql = R"sql(
CREATE TABLE accounts_v5 (
  id                    TEXT PRIMARY KEY NOT NULL,
  kind                  TEXT NOT NULL CHECK (kind IN ('domo', 'aws', 'role')),
  name                  TEXT NOT NULL CHECK (name <> ''),
  domo_client_id        TEXT NOT NULL DEFAULT '',
  domo_api_url          TEXT NOT NULL DEFAULT '',
  domo_instance_url     TEXT NOT NULL DEFAULT '',
  aws_access_key_id     TEXT NOT NULL DEFAULT '',
  bucket                TEXT NOT NULL DEFAULT '',
  region                TEXT NOT NULL DEFAULT '',
  endpoint_url          TEXT NOT NULL DEFAULT '',
  domo_client_secret    BLOB,
  aws_secret_access_key BLOB,
  aws_session_token     BLOB,
  created_ms            INTEGER NOT NULL,
  updated_ms            INTEGER NOT NULL,
  role_arn              TEXT NOT NULL DEFAULT '',
  external_id           TEXT NOT NULL DEFAULT '',
  role_session_name     TEXT NOT NULL DEFAULT '',
  base_account_id       TEXT REFERENCES accounts (id) ON DELETE RESTRICT,
  base_identity_arn     TEXT NOT NULL DEFAULT '',
  UNIQUE (kind, name),
  CHECK ((kind = 'domo') = (domo_client_secret IS NOT NULL)),
  CHECK ((kind = 'aws') = (aws_secret_access_key IS NOT NULL)),
  CHECK (kind = 'aws' OR aws_session_token IS NULL),
  CHECK ((kind = 'role') = (role_arn <> '')),
  CHECK (kind = 'role' OR (external_id = '' AND role_session_name = '' AND
                           base_account_id IS NULL AND base_identity_arn = ''))
) STRICT;
INSERT INTO accounts_v5 (id, kind, name, domo_client_id, domo_api_url, domo_instance_url,
                         aws_access_key_id, bucket, region, endpoint_url, domo_client_secret,
                         aws_secret_access_key, aws_session_token, created_ms, updated_ms)
  SELECT id, kind, name, domo_client_id, domo_api_url, domo_instance_url, aws_access_key_id,
         bucket, region, endpoint_url, domo_client_secret, aws_secret_access_key,
         aws_session_token, created_ms, updated_ms
  FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_v5 RENAME TO accounts;
-- DeleteAccount looks up the role accounts an account is the base of.
CREATE INDEX accounts_by_base ON accounts (base_account_id) WHERE base_account_id IS NOT NULL;
)sql";

// Migration 6: notifications (issue 18). Notes on choices:
// - One settings row per connector, deleted with it (ON DELETE CASCADE). Its non-secret part is
//   a JSON object the service validates, so a new setting needs no migration; the webhook URL
//   and the SMTP password are SecretBox BLOBs like the accounts' secrets.
// - `failing` is the notifier's memory of the connector's last final outcome (a recovery is the
//   first success after a failure); it survives a restart because it is here.
// - Deliveries keep their connector_id without a foreign key, as runs do: the record of what
//   was sent outlives a deleted connector. They never hold a secret (target: a host).
constexpr std::string_view kNotificationsSql = R"sql(
CREATE TABLE notifications (
  connector_id  TEXT PRIMARY KEY NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  settings_json TEXT NOT NULL,
  webhook_url   BLOB,
  smtp_password BLOB,
  failing       INTEGER NOT NULL DEFAULT 0 CHECK (failing IN (0, 1)),
  updated_ms    INTEGER NOT NULL
) STRICT;
CREATE TABLE deliveries (
  id           INTEGER PRIMARY KEY,
  connector_id TEXT NOT NULL,
  run_id       TEXT NOT NULL,
  event        TEXT NOT NULL CHECK (event IN ('failure', 'recovery', 'success')),
  channel      TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
  target       TEXT NOT NULL,
  delivered    INTEGER NOT NULL CHECK (delivered IN (0, 1)),
  attempts     INTEGER NOT NULL CHECK (attempts >= 1),
  error        TEXT NOT NULL DEFAULT '',
  finished_ms  INTEGER NOT NULL
) STRICT;
CREATE INDEX deliveries_by_connector ON deliveries (connector_id, id DESC);
)sql";

// Migration 7: each service run's own log lines (issue 18), bounded by their writer
// (service/run_log.h: the first and the last lines of a run; seq numbers the lines as the run
// logged them, so a gap is where lines were left out). Notes on choices:
// - A foreign key to runs ON DELETE CASCADE: lines exist only for a recorded run, and go with
//   it (runs are never deleted today; a future pruning of runs takes their logs along).
// - The lines are stored as the run's Logger emitted them: redacted, control characters
//   escaped; level is a LogLevel name.
constexpr std::string_view kRunLogSql = R"sql(
CREATE TABLE run_log (
  run_id  TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  seq     INTEGER NOT NULL CHECK (seq >= 0),
  time_ms INTEGER NOT NULL,
  level   TEXT NOT NULL CHECK (level IN ('debug', 'info', 'warn', 'error')),
  line    TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
) STRICT, WITHOUT ROWID;
)sql";

// Migration 8: leases of running runs (leases.h: several service processes on one store).
// Notes on choices:
// - One row per running connector (the primary key): "one run of a connector at a time" holds
//   across processes because a second lease cannot be inserted.
// - No foreign keys: a lease names a run that its owner is about to begin (the claim comes
//   first), and a connector deleted while its run goes on keeps the lease until the run ends.
// - cancel_requested is how a process that does not own the run asks its owner to stop it.
constexpr std::string_view kLeasesSql = R"sql(
CREATE TABLE leases (
  connector_id     TEXT PRIMARY KEY NOT NULL,
  run_id           TEXT NOT NULL UNIQUE,
  owner            TEXT NOT NULL,
  expires_ms       INTEGER NOT NULL,
  cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1))
) STRICT;
CREATE INDEX leases_by_owner ON leases (owner);
)sql";

constexpr std::array kMigrations = {
    Migration{1, "runs", kRunsSql},
    Migration{2, "accounts", kAccountsSql},
    Migration{3, "connectors and settings", kConnectorsSql},
    Migration{4, "upload journal", kUploadsSql},
    Migration{5, "AWS role accounts", kRoleAccountsSql, /*rebuilds_tables=*/true,
              kRoleAccountsPostgresSql},
    Migration{6, "notifications", kNotificationsSql},
    Migration{7, "run logs", kRunLogSql},
    Migration{8, "leases", kLeasesSql},
};

struct SchemaState {
  int64_t version = 0;
  int64_t application_id = 0;
  int64_t objects = 0;  // tables, indexes, views, triggers
};

Result<int64_t> ReadInt(Connection& db, std::string_view sql, std::string_view doing) {
  auto statement = Statement::Prepare(db, sql, std::string(doing));
  if (!statement) return Fail(std::move(statement.error()));
  auto row = statement->Step();
  if (!row) return Fail(std::move(row.error()));
  return *row ? statement->Int(0) : 0;
}

// PostgreSQL has no user_version or application_id: they live in a table of their own.
constexpr std::string_view kPostgresSchemaTable = "s3unload_schema";

Result<SchemaState> ReadState(Connection& db) {
  constexpr std::string_view kDoing = "reading the store's schema version";
  if (db.backend() == Backend::kSqlite) {
    auto version = ReadInt(db, "PRAGMA user_version", kDoing);
    if (!version) return Fail(std::move(version.error()));
    auto application = ReadInt(db, "PRAGMA application_id", kDoing);
    if (!application) return Fail(std::move(application.error()));
    auto objects = ReadInt(db, "SELECT count(*) FROM sqlite_schema", kDoing);
    if (!objects) return Fail(std::move(objects.error()));
    return SchemaState{*version, *application, *objects};
  }
  const std::string tables =
      "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()";
  auto objects = ReadInt(db, tables, kDoing);
  if (!objects) return Fail(std::move(objects.error()));
  auto ours =
      ReadInt(db, tables + " AND tablename = '" + std::string(kPostgresSchemaTable) + "'", kDoing);
  if (!ours) return Fail(std::move(ours.error()));
  if (*ours == 0) return SchemaState{0, 0, *objects};
  const std::string from = " FROM " + std::string(kPostgresSchemaTable);
  auto version = ReadInt(db, "SELECT version" + from, kDoing);
  if (!version) return Fail(std::move(version.error()));
  auto application = ReadInt(db, "SELECT application_id" + from, kDoing);
  if (!application) return Fail(std::move(application.error()));
  return SchemaState{*version, *application, *objects};
}

// Records `version` (and, at the first migration, the application id) in the transaction.
Result<void> SetVersion(Connection& db, int64_t from, int version, std::string_view doing) {
  if (db.backend() == Backend::kSqlite) {
    if (from == 0) {
      if (auto ok = db.Exec("PRAGMA application_id = " + std::to_string(kApplicationId), doing);
          !ok) {
        return ok;
      }
    }
    return db.Exec("PRAGMA user_version = " + std::to_string(version), doing);
  }
  const std::string table(kPostgresSchemaTable);
  if (from == 0) {
    if (auto ok = db.Exec("CREATE TABLE " + table +
                              " (application_id BIGINT NOT NULL, version BIGINT NOT NULL); "
                              "INSERT INTO " +
                              table + " VALUES (" + std::to_string(kApplicationId) + ", 0)",
                          doing);
        !ok) {
      return ok;
    }
  }
  return db.Exec("UPDATE " + table + " SET version = " + std::to_string(version), doing);
}

// Refuses files that are not (or not yet) ours, and versions from a newer s3unload.
Result<void> CheckState(const Connection& db, const SchemaState& state, int latest) {
  const bool fresh = state.version == 0 && state.application_id == 0 && state.objects == 0;
  if (!fresh && state.application_id != kApplicationId) {
    if (db.backend() == Backend::kPostgres) {
      return Fail(ErrorCode::kFailedPrecondition, db.location(),
                  "the database holds tables of another application, not an s3unload store; "
                  "choose another database (or schema) for the store");
    }
    return Fail(ErrorCode::kFailedPrecondition, db.location(),
                "is an SQLite database of another application (application_id " +
                    std::to_string(state.application_id) +
                    "), not an s3unload store; choose another store path");
  }
  if (state.version > latest) {
    return Fail(ErrorCode::kFailedPrecondition, db.location(),
                "the store has schema version " + std::to_string(state.version) +
                    ", written by a newer s3unload; this one knows versions up to " +
                    std::to_string(latest) +
                    ". Upgrade s3unload, or restore the backup taken before the upgrade (see "
                    "docs/store.md)");
  }
  return {};
}

// kFailedPrecondition when a foreign key of the database refers to no row (after a rebuild).
Result<void> CheckForeignKeys(Connection& db, std::string_view doing) {
  auto check = Statement::Prepare(db, "PRAGMA foreign_key_check", std::string(doing));
  if (!check) return Fail(std::move(check.error()));
  auto row = check->Step();
  if (!row) return Fail(std::move(row.error()));
  if (!*row) return {};
  return Fail(ErrorCode::kFailedPrecondition, db.location(),
              std::string(doing) + ": a row of table " + check->Text(0) +
                  " refers to a missing row of " + check->Text(2) +
                  "; the store is damaged: restore its backup (docs/store.md)");
}

// Runs `body` with foreign keys off when `off` (restored to on after, when they were on):
// PRAGMA foreign_keys cannot change inside a transaction.
Result<void> WithForeignKeys(Connection& db, bool off, std::string_view doing,
                             const std::function<Result<void>()>& body) {
  if (!off || db.backend() != Backend::kSqlite) return body();
  auto was_on = ReadInt(db, "PRAGMA foreign_keys", doing);
  if (!was_on) return Fail(std::move(was_on.error()));
  if (auto ok = db.Exec("PRAGMA foreign_keys = OFF", doing); !ok) return ok;
  Result<void> result = body();
  if (*was_on != 0) {
    if (auto ok = db.Exec("PRAGMA foreign_keys = ON", doing); !ok && result) return ok;
  }
  return result;
}

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

std::string MigrationSql(Backend backend, const Migration& migration) {
  if (backend == Backend::kSqlite) return std::string(migration.sql);
  return TranslateDdl(migration.postgres_sql.empty() ? migration.sql : migration.postgres_sql);
}

Result<void> ApplyMigrations(Connection& db, std::span<const Migration> migrations) {
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  // A quick read first: opening an up-to-date store must not wait for the write lock.
  auto state = ReadState(db);
  if (!state) return Fail(std::move(state.error()));
  if (auto ok = CheckState(db, *state, latest); !ok) return ok;
  if (state->version == latest) return {};

  for (const Migration& migration : migrations) {
    const std::string doing = "applying migration " + std::to_string(migration.version) + " (" +
                              std::string(migration.name) + ")";
    auto applied = WithForeignKeys(db, migration.rebuilds_tables, doing, [&] {
      return db.Transaction(TransactionMode::kWrite, doing, [&]() -> Result<void> {
        // Re-read under the write lock: another process may have migrated meanwhile.
        auto current = ReadState(db);
        if (!current) return Fail(std::move(current.error()));
        if (auto ok = CheckState(db, *current, latest); !ok) return ok;
        if (current->version >= migration.version) return {};
        if (auto ok = db.Exec(MigrationSql(db.backend(), migration), doing); !ok) return ok;
        if (migration.rebuilds_tables && db.backend() == Backend::kSqlite) {
          if (auto ok = CheckForeignKeys(db, doing); !ok) return ok;
        }
        return SetVersion(db, current->version, migration.version, doing);
      });
    });
    if (!applied) return applied;
  }
  return {};
}

}  // namespace s3u::store
