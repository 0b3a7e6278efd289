// The PostgreSQL implementation of the store's Connection (connection.h), over libpq. The store's
// SQL arrives in SQLite's words with ?N parameters and is translated here (dialect.h); values
// are bound typed (text, bigint, bytea) and read back in text form. Every libpq failure becomes
// an Error here and nowhere else, with the store's URL WITHOUT its password as the subject; the
// password is also scrubbed from libpq's own words, should they ever quote it.
//
// Writes are serialized like SQLite's single writer: every kWrite transaction first takes the
// transaction-scoped advisory lock kWriteLockKey, so the Store's read-check-write logic stays
// correct with several processes on one database. Reads are REPEATABLE READ snapshots.
//
// A lost connection (the server restarted, a network cut) is re-opened at the start of the next
// transaction, trying again (every 250 ms of the clock) for up to the lock timeout while the
// server cannot be reached, so that a restart of PostgreSQL is ridden out: nothing of the
// transaction has run yet, so waiting and beginning on the new connection is safe. A call
// whose own transaction is cut fails with kUnavailable and may be retried.
//
// Thread-safety: none (connection.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"
#include "store/connection.h"
#include "store/store_url.h"

struct pg_conn;
struct pg_result;

namespace s3u::store {

// The advisory lock of the store's write transactions: "s3ul", as kApplicationId.
inline constexpr int64_t kWriteLockKey = 0x7333756C;

class PostgresConnection final : public Connection {
 public:
  // Connects to `url` (kPostgres). Waits for a lock (the write lock, a row another writer holds)
  // at most `lock_timeout`, then fails with kUnavailable. Errors: kUnavailable when the server
  // cannot be reached, kUnauthenticated when it refuses the credentials.
  // `clock` (which outlives the connection) times the waits for an unreachable server.
  static Result<std::unique_ptr<PostgresConnection>> Open(const StoreUrl& url, Clock& clock,
                                                          std::chrono::milliseconds lock_timeout);
  ~PostgresConnection() override;
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  Backend backend() const override { return Backend::kPostgres; }
  const std::string& location() const override { return location_; }
  Result<void> Exec(std::string_view sql, std::string_view doing) override;
  Result<void> Transaction(TransactionMode mode, std::string_view doing,
                           const std::function<Result<void>()>& body) override;
  int64_t Changes() const override { return changes_; }
  Result<std::unique_ptr<StatementBackend>> Prepare(std::string_view sql,
                                                    std::string_view doing) override;

  // The Error for a failed command: `result` may be null (no answer at all). Classified by
  // SQLSTATE: integrity (23) -> kInvalidArgument; connection (08), shutdown (57P0x),
  // serialization, deadlock and lock timeouts -> kUnavailable; credentials (28) ->
  // kUnauthenticated; privileges (42501) -> kPermissionDenied; resources (53) ->
  // kResourceExhausted; others kInternal.
  Error ErrorFor(const pg_result* result, std::string_view doing) const;

  // Notes the rows the latest command changed (its command tag).
  void NoteChanges(const pg_result* result);

  pg_conn* handle() const { return conn_; }

 private:
  PostgresConnection(const StoreUrl& url, Clock& clock, std::chrono::milliseconds lock_timeout);
  // Connects (or reconnects) and sets the session up; the Error classifies the failure.
  Result<void> Connect();
  // Connect, tried again while the server cannot be reached, for up to lock_timeout_.
  Result<void> Reconnect();
  // libpq's message with the password (if any) replaced by ***.
  std::string Scrub(std::string text) const;

  std::string conninfo_;  // the URL, password included: never in a message
  std::string password_;  // as libpq parsed it from conninfo_, for Scrub
  std::string location_;  // the URL without its password
  Clock& clock_;
  std::chrono::milliseconds lock_timeout_;
  int64_t changes_ = 0;
  pg_conn* conn_ = nullptr;
};

}  // namespace s3u::store
