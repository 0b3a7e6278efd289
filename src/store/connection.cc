#include "store/connection.h"

#include <utility>

#include "store/files.h"
#include "store/postgres.h"
#include "store/sqlite.h"

namespace s3u::store {
namespace {

// journal_mode answers with the mode in force: anything but "wal" means the file system cannot
// share memory between processes (a network file system), where SQLite is unsafe.
Result<void> EnableWal(SqliteConnection& db) {
  auto mode = Statement::Prepare(db, "PRAGMA journal_mode = WAL", "opening the store in WAL mode");
  if (!mode) return Fail(std::move(mode.error()));
  auto row = mode->Step();
  if (!row) return Fail(std::move(row.error()));
  const std::string in_force = *row ? mode->Text(0) : "";
  if (in_force != "wal") {
    return Fail(ErrorCode::kFailedPrecondition, db.location(),
                "SQLite could not use WAL mode (journal mode is '" + in_force +
                    "'); keep the store on a local file system");
  }
  return {};
}

// The SQLite file at `path`, created private, in WAL mode with foreign keys on.
Result<std::unique_ptr<SqliteConnection>> OpenSqlite(const std::filesystem::path& path,
                                                     Clock& clock,
                                                     std::chrono::milliseconds busy_timeout) {
  if (path.has_parent_path()) {
    if (auto made = CreatePrivateDirectories(path.parent_path()); !made) {
      return Fail(std::move(made.error()));
    }
  }
  // SQLite would create the file 0644; the -wal and -shm files copy the database's mode.
  if (auto made = CreatePrivateFileIfMissing(path); !made) return Fail(std::move(made.error()));
  auto db = SqliteConnection::Open(path, clock, busy_timeout);
  if (!db) return Fail(std::move(db.error()));
  if (auto wal = EnableWal(**db); !wal) return Fail(std::move(wal.error()));
  // NORMAL is durable across process crashes in WAL mode; only a power loss can drop the last
  // commits, which is acceptable for a run history.
  if (auto ok = (*db)->Exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON",
                            "configuring the connection");
      !ok) {
    return Fail(std::move(ok.error()));
  }
  return db;
}

}  // namespace

Result<std::unique_ptr<Connection>> OpenConnection(const StoreUrl& url, Clock& clock,
                                                   std::chrono::milliseconds lock_timeout) {
  if (url.backend == Backend::kPostgres) {
    auto opened = PostgresConnection::Open(url, clock, lock_timeout);
    if (!opened) return Fail(std::move(opened.error()));
    return std::unique_ptr<Connection>(std::move(*opened));
  }
  auto opened = OpenSqlite(url.path, clock, lock_timeout);
  if (!opened) return Fail(std::move(opened.error()));
  return std::unique_ptr<Connection>(std::move(*opened));
}

Result<Statement> Statement::Prepare(Connection& db, std::string_view sql, std::string_view doing) {
  auto backend = db.Prepare(sql, doing);
  if (!backend) return Fail(std::move(backend.error()));
  return Statement(std::move(*backend));
}

Statement& Statement::BindText(int index, std::string_view text) {
  backend_->BindText(index, text);
  return *this;
}

Statement& Statement::BindInt(int index, int64_t value) {
  backend_->BindInt(index, value);
  return *this;
}

Statement& Statement::BindOptionalText(int index, const std::optional<std::string>& text) {
  if (text) return BindText(index, *text);
  backend_->BindNull(index);
  return *this;
}

Statement& Statement::BindOptionalInt(int index, std::optional<int64_t> value) {
  if (value) return BindInt(index, *value);
  backend_->BindNull(index);
  return *this;
}

Statement& Statement::BindOptionalBlob(int index, const std::optional<std::string>& bytes) {
  if (bytes) {
    backend_->BindBlob(index, *bytes);
  } else {
    backend_->BindNull(index);
  }
  return *this;
}

Result<void> Statement::Run() {
  while (true) {
    Result<bool> row = Step();
    if (!row) return Fail(std::move(row.error()));
    if (!*row) return {};
  }
}

std::optional<std::string> Statement::OptionalText(int column) const {
  if (backend_->Kind(column) == ColumnKind::kNull) return std::nullopt;
  return backend_->Text(column);
}

std::optional<int64_t> Statement::OptionalInt(int column) const {
  if (backend_->Kind(column) == ColumnKind::kNull) return std::nullopt;
  return backend_->Int(column);
}

std::optional<std::string> Statement::OptionalBlob(int column) const {
  if (backend_->Kind(column) == ColumnKind::kNull) return std::nullopt;
  return backend_->Blob(column);
}

}  // namespace s3u::store
