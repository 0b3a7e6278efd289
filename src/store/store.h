// The store of s3unload, shared by the CLI and the service, holding the run history, the
// service's accounts and connectors (with the scheduler's state) and its settings (schema:
// migrations.h and docs/store.md). It is one SQLite file (the default) or a PostgreSQL database
// (store_url.h), through the same Connection interface (connection.h). Opening an SQLite store
// creates the directory (0700) and the file (0600), turns on WAL (readers never wait for the
// writer), foreign keys and a busy wait; opening either applies pending migrations.
//
// Account secrets are sealed with a SecretBox (secret_box.h) attached after opening: they are
// written only sealed, and never appear in an error message.
//
// Errors always name the store's location (the path, or the URL without its password): a lock held
// by another process for longer than the busy timeout is kUnavailable; a file that is not an
// s3unload store, is damaged, or was written by a newer s3unload is kFailedPrecondition with what
// to do about it.
//
// Thread-safety: all methods may be called from several threads. They share one connection
// and are serialized by a mutex (each call is one short transaction, so a connection per
// thread would buy little); other processes are kept out by SQLite's locks, or by PostgreSQL's
// advisory lock around every write transaction.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "store/accounts.h"
#include "store/connection.h"
#include "store/connectors.h"
#include "store/leases.h"
#include "store/notifications.h"
#include "store/process_identity.h"
#include "store/runs.h"
#include "store/secret_box.h"
#include "store/store_url.h"

namespace s3u::store {

struct StoreOptions {
  // How long a write waits while another process holds the write lock before failing with
  // kUnavailable. Writes are single small transactions, so 5 s rides out any healthy writer
  // without hanging a run behind a stuck one. Waits go through the Clock given to Open.
  std::chrono::milliseconds busy_timeout{5000};
  // Identity recorded as the owner of the runs this Store begins, and the liveness test that
  // MarkInterruptedRuns applies to the owners of RUNNING runs. Tests inject their own.
  std::string owner = CurrentProcessIdentity();
  std::function<bool(std::string_view owner)> owner_alive = ProcessAlive;
  // Whether an owner is a process of this machine since its boot, so that owner_alive can
  // judge it. A run holding a lease (leases.h) whose owner is elsewhere is left to its lease.
  std::function<bool(std::string_view owner)> owner_here = ProcessOnThisBoot;
};

// $XDG_STATE_HOME/s3unload/s3unload.db, or $HOME/.local/state/s3unload/s3unload.db when
// XDG_STATE_HOME is unset, empty or relative (as the XDG spec asks). Pass the environment's
// values (nullopt when unset). kFailedPrecondition when neither gives an absolute directory.
Result<std::filesystem::path> DefaultStorePath(std::optional<std::string_view> xdg_state_home,
                                               std::optional<std::string_view> home);

class Store {
 public:
  // Opens or creates the store at `url` (see the top comment). REQUIRES: `clock` outlives
  // the Store. Errors name url.redacted. A PostgreSQL server that cannot be reached is
  // kUnavailable; refused credentials kUnauthenticated.
  static Result<std::unique_ptr<Store>> Open(const StoreUrl& url, Clock& clock,
                                             StoreOptions options = {});
  // The SQLite store at `path`.
  static Result<std::unique_ptr<Store>> Open(const std::filesystem::path& path, Clock& clock,
                                             StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Backend backend() const { return backend_; }
  // The store as messages name it: the SQLite file's path, or the URL without its password.
  const std::string& location() const { return location_; }

  // Records a run that has started, owned by this process. REQUIRES (else kInvalidArgument
  // listing every problem): status RUNNING, no finished_ms, an empty result, non-empty
  // run_id/job_name/input_dataset_id/time_zone/engine, day as YYYY-MM-DD, attempt >= 1,
  // started_ms > 0, and a run_id not used before.
  Result<void> BeginRun(const RunRecord& run);

  // Records the end of a RUNNING run: status SUCCEEDED (no error), FAILED (with error code and
  // message, already redacted) or CANCELLED; finished_ms >= started_ms; counts >= 0;
  // metrics_json empty or a JSON object. kInvalidArgument for values breaking these rules,
  // kNotFound for an unknown run_id, kFailedPrecondition when the run already finished.
  Result<void> FinishRun(std::string_view run_id, RunStatus status, int64_t finished_ms,
                         const RunResult& result);

  // Records a run that failed before it could start (its connector's account is gone, its
  // settings no longer valid, its clients could not be built): `run` names it (run_id,
  // job_name, connector_id, attempt, started_ms = when it was refused); what was not known yet
  // (input_dataset_id, day, time_zone, engine) stays empty — unknown, never made up.
  // `failure` carries the error code and message (redacted). The run is FAILED at started_ms.
  // kInvalidArgument for a missing id/name/error, an attempt < 1 or a used run_id.
  Result<void> RecordRunNotStarted(const RunRecord& run, const RunResult& failure);

  // One run; kNotFound when there is none with this id.
  Result<RunRecord> GetRun(std::string_view run_id);

  // Runs matching `filter`, newest first. kInvalidArgument for a limit outside
  // 1..kMaxRunsPerPage or a `before` cursor naming no run. A connector's last run: the one run
  // of {.connector_id = id, .limit = 1}.
  Result<std::vector<RunRecord>> ListRuns(const RunFilter& filter);

  // Marks FAILED every RUNNING run whose owner process is gone (killed, crashed, rebooted),
  // and drops its lease; a run holding a lease whose owner is not of this machine's boot
  // (another machine of a fleet) is left to its lease's expiry (ReapExpiredLeases),
  // with error code "aborted", a message saying so, and the clock's time as finished_ms. Runs
  // of live processes (a concurrent CLI run) are left alone. Returns the ids marked, oldest
  // first. The service calls this on start (all runs), before scheduling retries; a CLI run
  // or `cleanup` calls it for its own job's runs only (`cli_job`: runs of no connector with
  // that job name), so it never takes a connector's run from the service's retry policy.
  Result<std::vector<std::string>> MarkInterruptedRuns(
      const std::optional<std::string>& cli_job = std::nullopt);

  // ---- A run's own log (migration 7; the bound is the writer's: service/run_log.h).

  // Inserts `batch.lines` and deletes the run's lines in [dropped_from, dropped_to), in one
  // transaction. kNotFound for an unknown run; kInvalidArgument for a seq < 0 or a line whose
  // seq the run already has.
  Result<void> AppendRunLog(std::string_view run_id, const RunLogBatch& batch);

  // The run's stored lines by seq (empty for a run that logged nothing). kNotFound for an
  // unknown run; kDataLoss for a level that is not a LogLevel name.
  Result<std::vector<RunLogLine>> ReadRunLog(std::string_view run_id);

  // ---- The upload journal (crash safety, migration 4). An upload is journaled before its
  // first part and forgotten once completed or aborted; what a dead process left is aborted by
  // the next start (jobs/recovery.h).
  Result<void> JournalUpload(const JournaledUpload& upload);
  Result<void> MarkUploadCompleted(std::string_view upload_id);
  // Idempotent: forgetting an unknown id is not an error.
  Result<void> ForgetUpload(std::string_view upload_id);
  Result<void> ForgetRunUploads(std::string_view run_id);
  // The journaled uploads of a run, oldest first.
  Result<std::vector<JournaledUpload>> JournaledUploads(std::string_view run_id);

  // ---- Accounts (accounts.h). Create, Update, Get and Find seal or open secrets and fail with
  // kFailedPrecondition until AttachSecrets; List and Delete do not need the key.

  // The key that seals account secrets (secret_box.h: ResolveSecretBox).
  void AttachSecrets(SecretBox box);

  // Stores a new account and returns it with id (when empty), created_ms and updated_ms set,
  // and a role's defaults (accounts.h: external_id, role_session_name). kInvalidArgument
  // listing every problem by field ("name", "domo_client_id", "domo_client_secret",
  // "aws_access_key_id", "aws_secret_access_key", "bucket", "region", "role_arn"; the fields
  // of other kinds must be empty), or for a base_account_id naming no AWS account;
  // kFailedPrecondition (subject "name") when an account of the same kind has the name (AWS
  // and AWS role accounts share names), (subject "id") when the given id is taken.
  Result<Account> CreateAccount(Account account);

  // Replaces the account with `account.id` (its kind cannot change: kInvalidArgument "kind").
  // An EMPTY secret keeps the stored one, so an edit need not retype secrets; a session token
  // is removed only with `clear_session_token` (kInvalidArgument if a new one is also given).
  // An empty external ID keeps the stored one; base_identity_arn is kept unless the base or
  // the endpoint changes (then it is forgotten).
  // Returns the stored account with its secrets: kDataLoss, changing nothing, when a kept
  // secret no longer decrypts (the key file changed), so that the user types it again.
  // kNotFound for an unknown id; otherwise the errors of CreateAccount.
  Result<Account> UpdateAccount(const Account& account, bool clear_session_token = false);

  // One account, secrets decrypted. kNotFound for an unknown id; kDataLoss with subject
  // "account <name>: <field>" when a secret does not decrypt under the attached key.
  Result<Account> GetAccount(std::string_view id);

  // The account of `kind` named `name` (exactly), secrets decrypted; errors as GetAccount.
  Result<Account> FindAccount(AccountKind kind, std::string_view name);

  // Every account: Domo, then AWS, then AWS role accounts, each kind by name. Secrets are NOT
  // decrypted: they read as
  // "" (has_session_token is set).
  Result<std::vector<Account>> ListAccounts();

  // kFailedPrecondition naming the connectors using it ('account "prod" is used by
  // connectors: a, b') and the role accounts it is the base of; kNotFound for an unknown id.
  Result<void> DeleteAccount(std::string_view id);

  // Records what STS GetCallerIdentity said of the base credentials of the role account `id`
  // (the principal its trust policy names). Leaves updated_ms alone: no user edit. kNotFound
  // when `id` names no role account.
  Result<void> SetRoleBaseIdentity(std::string_view id, std::string_view arn);

  // ---- Connectors (connectors.h).

  // Stores a new connector (the scheduler state as given, usually empty) and returns it with
  // id (when empty), created_ms and updated_ms set. kInvalidArgument listing every problem by
  // field: name (empty, too long), domo_account_id / aws_account_id (empty, "no such account",
  // or the wrong kind: "account acc_x is an AWS account; a Domo account is needed"),
  // settings_json / schedule_json / retry_json (not a JSON object), an incomplete pending retry.
  // kFailedPrecondition (subject "name") for a name in use, (subject "id") for an id in use.
  Result<ConnectorRecord> CreateConnector(ConnectorRecord connector);

  // Replaces the user's fields (name, enabled, accounts, the three JSON objects) of the
  // connector with `connector.id`; the scheduler state and created_ms stay as stored. Returns
  // the stored record. kNotFound for an unknown id; otherwise the errors of CreateConnector.
  Result<ConnectorRecord> UpdateConnector(const ConnectorRecord& connector);

  // kNotFound for an unknown id.
  Result<ConnectorRecord> GetConnector(std::string_view id);

  // Every connector, by name.
  Result<std::vector<ConnectorRecord>> ListConnectors();

  // Deletes the connector; its runs stay in the history with their connector_id (and the name
  // they ran under in job_name). kNotFound for an unknown id.
  Result<void> DeleteConnector(std::string_view id);

  // Scheduler state; kNotFound for an unknown connector id. These leave updated_ms alone.
  Result<void> SetNextRun(std::string_view id, std::optional<int64_t> next_run_ms);
  // REQUIRES (else kInvalidArgument): attempt >= 2 and a non-empty retry_of_run_id.
  Result<void> SetPendingRetry(std::string_view id, int64_t due_ms, int attempt,
                               std::string_view retry_of_run_id);
  Result<void> ClearPendingRetry(std::string_view id);

  // ---- Leases of running runs (leases.h; migration 8). The owner is options.owner; times are
  // the clock's.

  // Claims a run of `request.connector_id` (leases.h gives the rules), in one write
  // transaction. kNotFound for an unknown connector; kInvalidArgument for an empty run id,
  // max_running < 1 or lease_ms < 1.
  Result<ClaimResult> ClaimRun(const ClaimRequest& request);

  // Extends every lease this process owns to now + lease_ms and returns them (with any cancel
  // request written on them by another process).
  Result<std::vector<Lease>> RenewLeases(int64_t lease_ms);

  // Drops the lease of a run that ended; a lease that is gone already is no error.
  Result<void> ReleaseLease(std::string_view connector_id, std::string_view run_id);

  // The lease of the connector's running run, if any (expired or not).
  Result<std::optional<Lease>> GetLease(std::string_view connector_id);

  // Writes a cancel request on the connector's lease, for its owner to see; returns the lease.
  // kFailedPrecondition when the connector holds no lease (nothing runs).
  Result<Lease> RequestCancel(std::string_view connector_id);

  // Drops every lease expired by now, marking its run FAILED (error "aborted": its process
  // stopped renewing) when it is still RUNNING. Returns the runs so marked, oldest first; each
  // lease is reaped by one process only.
  Result<std::vector<std::string>> ReapExpiredLeases();

  // ---- Notifications (notifications.h). Sealing and opening the secrets needs AttachSecrets
  // (else kFailedPrecondition).

  // The connector's settings, secrets decrypted; nullopt when none were saved. kDataLoss
  // (subject "connector <id>: notifications.<secret>") when a secret does not decrypt.
  Result<std::optional<NotificationRecord>> GetNotifications(std::string_view connector_id);
  // Inserts or replaces the user's part (settings_json, the secrets as given, "" = none), keeping
  // `failing`; returns the stored record. kNotFound for an unknown connector, kInvalidArgument
  // (subject "settings_json") when it is not a JSON object.
  Result<NotificationRecord> SaveNotifications(const NotificationRecord& record);
  // The notifier's state; a connector without settings has nothing to change (no error).
  Result<void> SetNotificationsFailing(std::string_view connector_id, bool failing);
  // Appends `delivery` and returns its id. kInvalidArgument for an unknown event or channel,
  // attempts < 1, or an empty connector_id / run_id.
  Result<int64_t> RecordDelivery(const DeliveryRecord& delivery);
  // The connector's latest deliveries, newest first, at most `limit` (1..kMaxRunsPerPage).
  Result<std::vector<DeliveryRecord>> ListDeliveries(std::string_view connector_id, int limit);

  // ---- Service settings: text values by key (the API token's hash, ...).

  // nullopt when the key was never set.
  Result<std::optional<std::string>> GetSetting(std::string_view key);
  // Inserts or replaces. kInvalidArgument for an empty key.
  Result<void> SetSetting(std::string_view key, std::string_view value);

 private:
  Store(Backend backend, std::string location, Clock& clock, StoreOptions options,
        std::unique_ptr<Connection> db);
  friend class StoreCopier;  // copy.cc reads and writes every table through db_ under mu_

  // Runs `sql` with `id` as ?1 in a write transaction (the journal's one-line updates).
  Result<void> WriteJournal(std::string_view sql, std::string_view id, const std::string& doing);

  // Runs `body` in one transaction on the connection, holding mu_ for its duration.
  Result<void> Locked(TransactionMode mode, std::string_view doing,
                      const std::function<Result<void>(Connection&)>& body);

  const Backend backend_;
  const std::string location_;
  Clock& clock_;
  const StoreOptions options_;
  // Runs "UPDATE connectors SET <set_sql> WHERE id = ?1" in its own transaction, `bind`
  // binding ?2 onwards: the scheduler-state setters. kNotFound when no connector has `id`.
  Result<void> SetSchedulerState(std::string_view id, std::string_view doing,
                                 std::string_view set_sql,
                                 const std::function<void(Statement&)>& bind);

  // The attached SecretBox, or kFailedPrecondition. REQUIRES: mu_ held.
  Result<const SecretBox*> Secrets() const;

  // Now, in epoch milliseconds, from clock_.
  int64_t NowMs() const;

  std::mutex mu_;
  std::unique_ptr<Connection> db_;    // GUARDED_BY(mu_)
  std::optional<SecretBox> secrets_;  // GUARDED_BY(mu_)
};

}  // namespace s3u::store
