// The SQLite implementation of the store's Connection (connection.h), private to the store: a
// thin RAII layer over the SQLite C API with lock waits through the injected Clock. Every SQLite
// result code becomes an Error here and nowhere else (SqliteConnection::ErrorFor), with the
// database path as the subject.
//
// Thread-safety: none. A connection and its statements are used by one thread at a time; the
// Store serializes callers with its mutex. Connections are opened in SQLite's multi-thread
// mode (no SQLite-internal mutex), which is safe under that rule.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"
#include "store/connection.h"

struct sqlite3;

namespace s3u::store {

class SqliteConnection final : public Connection {
 public:
  // Opens `path` (created when missing). While another connection holds a lock, waits in
  // clock.SleepFor steps and gives up after `busy_timeout` with kUnavailable.
  // REQUIRES: `clock` outlives the connection.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::filesystem::path& path,
                                                        Clock& clock,
                                                        std::chrono::milliseconds busy_timeout);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Backend backend() const override { return Backend::kSqlite; }
  const std::string& location() const override { return location_; }
  Result<void> Exec(std::string_view sql, std::string_view doing) override;
  // kRead: BEGIN; kWrite: BEGIN IMMEDIATE (an upgrade from a read lock can fail without waiting
  // in WAL mode).
  Result<void> Transaction(TransactionMode mode, std::string_view doing,
                           const std::function<Result<void>()>& body) override;
  int64_t Changes() const override;
  Result<std::unique_ptr<StatementBackend>> Prepare(std::string_view sql,
                                                    std::string_view doing) override;

  // The Error for SQLite result code `rc` from the latest call on this connection:
  // busy/locked -> kUnavailable; not a database/corrupt -> kFailedPrecondition (what to do);
  // read-only/permission -> kPermissionDenied; constraint -> kInvalidArgument.
  Error ErrorFor(int rc, std::string_view doing) const;

  sqlite3* handle() const { return db_; }

 private:
  SqliteConnection(std::filesystem::path path, Clock& clock,
                   std::chrono::milliseconds busy_timeout);
  static int OnBusy(void* connection, int calls);

  std::filesystem::path path_;
  std::string location_;  // path_ as text
  Clock& clock_;
  std::chrono::milliseconds busy_timeout_;
  std::chrono::steady_clock::time_point busy_since_;  // start of the current lock wait
  sqlite3* db_ = nullptr;
};

}  // namespace s3u::store
