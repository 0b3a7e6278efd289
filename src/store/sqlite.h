// A thin RAII layer over the SQLite C API, private to the store: a Connection (the handle, the
// file's path for messages, lock waits through the injected Clock) and prepared Statements.
// Every SQLite result code becomes an Error here and nowhere else (Connection::ErrorFor), with
// the database path as the subject.
//
// Thread-safety: none. A Connection and its Statements are used by one thread at a time; the
// Store serializes callers with its mutex. Connections are opened in SQLite's multi-thread
// mode (no SQLite-internal mutex), which is safe under that rule.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace s3u::store {

enum class TransactionMode {
  kRead,   // BEGIN: a consistent snapshot for several SELECTs
  kWrite,  // BEGIN IMMEDIATE: takes the write lock up front, so the busy wait happens at BEGIN
           // and a read never has to be upgraded (an upgrade can fail without waiting in WAL)
};

class Connection {
 public:
  // Opens `path` (created when missing). While another connection holds a lock, waits in
  // clock.SleepFor steps and gives up after `busy_timeout` with kUnavailable.
  // REQUIRES: `clock` outlives the Connection.
  static Result<std::unique_ptr<Connection>> Open(const std::filesystem::path& path, Clock& clock,
                                                  std::chrono::milliseconds busy_timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs SQL without results (DDL, PRAGMA, several statements separated by ';').
  // `doing` says what it was for ("applying migration 1 (runs)") in the error.
  Result<void> Exec(std::string_view sql, std::string_view doing);

  // Runs `body` between BEGIN and COMMIT; rolls back when `body` or COMMIT fails.
  Result<void> Transaction(TransactionMode mode, std::string_view doing,
                           const std::function<Result<void>()>& body);

  // The Error for SQLite result code `rc` from the latest call on this connection:
  // busy/locked -> kUnavailable; not a database/corrupt -> kFailedPrecondition (what to do);
  // read-only/permission -> kPermissionDenied; constraint -> kInvalidArgument.
  Error ErrorFor(int rc, std::string_view doing) const;

  // Rows changed by the latest INSERT, UPDATE or DELETE: 0 tells "no row with this id".
  int64_t Changes() const;

  const std::filesystem::path& path() const { return path_; }
  sqlite3* handle() const { return db_; }

 private:
  Connection(std::filesystem::path path, Clock& clock, std::chrono::milliseconds busy_timeout);
  static int OnBusy(void* connection, int calls);

  std::filesystem::path path_;
  Clock& clock_;
  std::chrono::milliseconds busy_timeout_;
  std::chrono::steady_clock::time_point busy_since_;  // start of the current lock wait
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  // Compiles one SQL statement; an error names `doing`, which later failures reuse.
  static Result<Statement> Prepare(Connection& db, std::string_view sql, std::string doing);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds parameter `index` (1-based, as in SQLite). A failed bind is returned by Step.
  Statement& BindText(int index, std::string_view text);
  Statement& BindInt(int index, int64_t value);
  Statement& BindOptionalText(int index, const std::optional<std::string>& text);  // NULL if none
  Statement& BindOptionalInt(int index, std::optional<int64_t> value);
  // Bytes as a BLOB (STRICT tables refuse TEXT in BLOB columns); NULL when `bytes` is nullopt.
  Statement& BindOptionalBlob(int index, const std::optional<std::string>& bytes);

  // Advances: true when a row is ready, false when the statement has finished.
  Result<bool> Step();
  // Steps a statement that returns no rows to its end.
  Result<void> Run();
  // Makes the statement runnable again, to run it with new bindings.
  void Reset();

  // Columns of the current row (0-based, as in SQLite). NULL reads as "" / 0 / nullopt.
  std::string Text(int column) const;
  int64_t Int(int column) const;
  std::optional<std::string> OptionalText(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;
  std::optional<std::string> OptionalBlob(int column) const;

 private:
  Statement(Connection& db, sqlite3_stmt* stmt, std::string doing);
  void NoteBind(int rc);

  Connection* db_;
  sqlite3_stmt* stmt_;
  std::string doing_;
  int bind_rc_;  // first failed bind, SQLITE_OK when all succeeded
};

}  // namespace s3u::store
