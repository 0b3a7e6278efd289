// The store's seam to its database: a Connection (SQL text, transactions) and the Statements it
// prepares, with two implementations: SQLite (sqlite.h, the embedded default) and PostgreSQL
// (postgres.h, shared by several processes). The store's SQL is written once, in SQLite's words
// with numbered parameters (?1, ?2, ...); the PostgreSQL side translates it (dialect.h).
// Every database result code becomes an Error inside the implementation, with the store's
// location (redacted: store_url.h) as the subject.
//
// Transactions: kRead sees one consistent snapshot; kWrite transactions are serialized (SQLite
// has one writer; PostgreSQL's take one advisory lock), so the Store's read-check-write logic
// holds whichever backend and however many processes share the store.
//
// Thread-safety: none. A Connection and its Statements are used by one thread at a time; the
// Store serializes callers with its mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"
#include "store/dialect.h"
#include "store/store_url.h"

namespace s3u::store {

enum class TransactionMode {
  kRead,   // a consistent snapshot for several SELECTs
  kWrite,  // takes the write lock up front, so waiting happens at BEGIN and never mid-way
};

// What a column of the current row holds (a generic copy needs it: copy.h).
enum class ColumnKind { kNull, kInt, kText, kBlob };

// One prepared statement of a backend. Parameters are 1-based, columns 0-based.
class StatementBackend {
 public:
  virtual ~StatementBackend() = default;
  virtual void BindText(int index, std::string_view text) = 0;
  virtual void BindInt(int index, int64_t value) = 0;
  virtual void BindBlob(int index, std::string_view bytes) = 0;
  virtual void BindNull(int index) = 0;
  // True when a row is ready, false when the statement has finished.
  virtual Result<bool> Step() = 0;
  // Runnable again, bindings cleared.
  virtual void Reset() = 0;
  virtual int ColumnCount() const = 0;
  virtual std::string ColumnName(int column) const = 0;
  virtual ColumnKind Kind(int column) const = 0;
  virtual std::string Text(int column) const = 0;  // NULL reads as ""
  virtual int64_t Int(int column) const = 0;       // NULL reads as 0
  virtual std::string Blob(int column) const = 0;  // NULL reads as ""
};

class Connection {
 public:
  virtual ~Connection() = default;

  virtual Backend backend() const = 0;
  // The store as messages name it: the file path, or the URL without its password.
  virtual const std::string& location() const = 0;

  // Runs SQL without results (DDL, several statements separated by ';').
  // `doing` says what it was for ("applying migration 1 (runs)") in the error.
  virtual Result<void> Exec(std::string_view sql, std::string_view doing) = 0;

  // Runs `body` between BEGIN and COMMIT; rolls back when `body` or COMMIT fails.
  virtual Result<void> Transaction(TransactionMode mode, std::string_view doing,
                                   const std::function<Result<void>()>& body) = 0;

  // Rows changed by the latest INSERT, UPDATE or DELETE: 0 tells "no row with this id".
  virtual int64_t Changes() const = 0;

  // Compiles one statement (SQLite syntax, ?N parameters); errors name `doing`.
  virtual Result<std::unique_ptr<StatementBackend>> Prepare(std::string_view sql,
                                                            std::string_view doing) = 0;
};

// A connection to the store at `url`, without migrations (Store::Open applies them). An SQLite
// file is created private (0600, in a 0700 directory) and put in WAL mode with foreign keys on.
// Lock waits end after `lock_timeout` with kUnavailable. REQUIRES: `clock` outlives it.
Result<std::unique_ptr<Connection>> OpenConnection(const StoreUrl& url, Clock& clock,
                                                   std::chrono::milliseconds lock_timeout);

// A prepared statement of either backend: what the store's code uses.
class Statement {
 public:
  // Compiles one SQL statement; an error names `doing`, which later failures reuse.
  static Result<Statement> Prepare(Connection& db, std::string_view sql, std::string_view doing);

  Statement& BindText(int index, std::string_view text);
  Statement& BindInt(int index, int64_t value);
  Statement& BindOptionalText(int index, const std::optional<std::string>& text);  // NULL if none
  Statement& BindOptionalInt(int index, std::optional<int64_t> value);
  // Bytes as a BLOB/BYTEA (the secrets' columns refuse text); NULL when `bytes` is nullopt.
  Statement& BindOptionalBlob(int index, const std::optional<std::string>& bytes);

  // Advances: true when a row is ready, false when the statement has finished.
  Result<bool> Step() { return backend_->Step(); }
  // Steps a statement that returns no rows to its end.
  Result<void> Run();
  // Makes the statement runnable again, to run it with new bindings.
  void Reset() { backend_->Reset(); }

  // Columns of the current row. NULL reads as "" / 0 / nullopt.
  std::string Text(int column) const { return backend_->Text(column); }
  int64_t Int(int column) const { return backend_->Int(column); }
  std::optional<std::string> OptionalText(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;
  std::optional<std::string> OptionalBlob(int column) const;

  // For a generic copy of rows (copy.h).
  StatementBackend& backend() { return *backend_; }

 private:
  explicit Statement(std::unique_ptr<StatementBackend> backend) : backend_(std::move(backend)) {}

  std::unique_ptr<StatementBackend> backend_;
};

}  // namespace s3u::store
