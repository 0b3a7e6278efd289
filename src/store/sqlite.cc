#include "store/sqlite.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <utility>

namespace s3u::store {

SqliteConnection::SqliteConnection(std::filesystem::path path, Clock& clock,
                                   std::chrono::milliseconds busy_timeout)
    : path_(std::move(path)),
      location_(path_.string()),
      clock_(clock),
      busy_timeout_(busy_timeout) {}

SqliteConnection::~SqliteConnection() {
  // sqlite3_close_v2 defers the close until any statement still alive is finalized.
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const std::filesystem::path& path, Clock& clock, std::chrono::milliseconds busy_timeout) {
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(path, clock, busy_timeout));
  const int rc =
      sqlite3_open_v2(path.c_str(), &connection->db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return Fail(connection->ErrorFor(rc, "cannot open the store"));
  sqlite3_busy_handler(connection->db_, &SqliteConnection::OnBusy, connection.get());
  return connection;
}

int SqliteConnection::OnBusy(void* connection, int calls) {
  auto* self = static_cast<SqliteConnection*>(connection);
  const auto now = self->clock_.Monotonic();
  if (calls == 0) self->busy_since_ = now;
  if (now - self->busy_since_ >= self->busy_timeout_) return 0;  // give up: SQLITE_BUSY
  // SQLite's own schedule: locks are usually held for one small transaction, so the first
  // waits are short; later ones back off to 100 ms.
  static constexpr std::array<int, 12> kDelaysMs = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};
  const size_t step = std::min<size_t>(static_cast<size_t>(calls), kDelaysMs.size() - 1);
  self->clock_.SleepFor(std::chrono::milliseconds(kDelaysMs[step]));
  return 1;
}

Result<void> SqliteConnection::Exec(std::string_view sql, std::string_view doing) {
  const std::string text(sql);  // sqlite3_exec wants a NUL-terminated string
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Fail(ErrorFor(rc, doing));
  return {};
}

Result<void> SqliteConnection::Transaction(TransactionMode mode, std::string_view doing,
                                           const std::function<Result<void>()>& body) {
  if (auto begun = Exec(mode == TransactionMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN", doing);
      !begun) {
    return begun;
  }
  Result<void> result = body();
  if (result) result = Exec("COMMIT", doing);
  if (!result && sqlite3_get_autocommit(db_) == 0) {
    // The caller needs the first error, not the rollback's. Should the rollback itself fail,
    // SQLite discards the open transaction when the connection closes.
    (void)Exec("ROLLBACK", doing);
  }
  return result;
}

int64_t SqliteConnection::Changes() const { return sqlite3_changes64(db_); }

Error SqliteConnection::ErrorFor(int rc, std::string_view doing) const {
  const std::string sqlite_says =
      std::string(" (sqlite: ") + (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)) + ")";
  const std::string prefix = std::string(doing) + ": ";
  ErrorCode code = ErrorCode::kInternal;
  std::string what;
  switch (rc & 0xff) {  // the primary code; extended codes refine it in the low byte's family
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = ErrorCode::kUnavailable;
      what = "the database stayed locked by another connection for more than " +
             std::to_string(busy_timeout_.count()) +
             " ms (another s3unload process is writing to it); try again";
      break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      code = ErrorCode::kFailedPrecondition;
      what =
          "the file is not an SQLite database or is damaged. If it is not the s3unload store, "
          "choose another store path; if it is, restore it from a backup, or move it aside and "
          "s3unload starts a new, empty store (see docs/store.md)";
      break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      code = ErrorCode::kPermissionDenied;
      what =
          "not allowed to write the database; check the permissions of the file, its -wal and "
          "-shm files and its directory";
      break;
    case SQLITE_CANTOPEN:
      code = ErrorCode::kFailedPrecondition;
      what = "cannot open the database file; check that its directory exists and is writable";
      break;
    case SQLITE_FULL:
      code = ErrorCode::kFailedPrecondition;
      what = "the disk holding the database is full; free some space and try again";
      break;
    case SQLITE_IOERR:
      code = ErrorCode::kFailedPrecondition;
      what =
          "the operating system reported an I/O error; the store must be on a local, healthy "
          "file system (WAL mode does not work on network file systems)";
      break;
    case SQLITE_CONSTRAINT:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
      code = ErrorCode::kInvalidArgument;
      what = "a value was refused by the database";
      break;
    case SQLITE_NOMEM:
      code = ErrorCode::kResourceExhausted;
      what = "out of memory";
      break;
    case SQLITE_INTERRUPT:
      code = ErrorCode::kCancelled;
      what = "interrupted";
      break;
    default:
      what = "unexpected SQLite error " + std::to_string(rc);
      break;
  }
  return Error{code, path_.string(), prefix + what + sqlite_says, 0, {}};
}

namespace {

// A compiled SQLite statement. A failed bind is remembered and returned by the next Step.
class SqliteStatement final : public StatementBackend {
 public:
  SqliteStatement(SqliteConnection& db, sqlite3_stmt* stmt, std::string doing)
      : db_(db), stmt_(stmt), doing_(std::move(doing)) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  void BindText(int index, std::string_view text) override {
    NoteBind(
        sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  void BindInt(int index, int64_t value) override {
    NoteBind(sqlite3_bind_int64(stmt_, index, value));
  }
  void BindBlob(int index, std::string_view bytes) override {
    NoteBind(sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT));
  }
  void BindNull(int index) override { NoteBind(sqlite3_bind_null(stmt_, index)); }

  Result<bool> Step() override {
    if (bind_rc_ != SQLITE_OK) return Fail(db_.ErrorFor(bind_rc_, doing_));
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Fail(db_.ErrorFor(rc, doing_));
  }

  void Reset() override {
    sqlite3_reset(stmt_);  // returns the last Step's error, which that Step already reported
    bind_rc_ = SQLITE_OK;
  }

  int ColumnCount() const override { return sqlite3_column_count(stmt_); }
  std::string ColumnName(int column) const override { return sqlite3_column_name(stmt_, column); }
  ColumnKind Kind(int column) const override {
    switch (sqlite3_column_type(stmt_, column)) {
      case SQLITE_NULL:
        return ColumnKind::kNull;
      case SQLITE_INTEGER:
        return ColumnKind::kInt;
      case SQLITE_BLOB:
        return ColumnKind::kBlob;
      default:  // SQLITE_TEXT; the store has no REAL column
        return ColumnKind::kText;
    }
  }
  std::string Text(int column) const override {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (text == nullptr) return {};
    return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  int64_t Int(int column) const override { return sqlite3_column_int64(stmt_, column); }
  std::string Blob(int column) const override {
    // sqlite3_column_blob returns NULL for a zero-length BLOB; call it before column_bytes.
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    const int size = sqlite3_column_bytes(stmt_, column);
    return bytes == nullptr ? std::string() : std::string(bytes, static_cast<size_t>(size));
  }

 private:
  void NoteBind(int rc) {
    if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  SqliteConnection& db_;
  sqlite3_stmt* stmt_;
  std::string doing_;
  int bind_rc_ = SQLITE_OK;  // first failed bind
};

}  // namespace

Result<std::unique_ptr<StatementBackend>> SqliteConnection::Prepare(std::string_view sql,
                                                                    std::string_view doing) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return Fail(ErrorFor(rc, doing));
  return std::make_unique<SqliteStatement>(*this, stmt, std::string(doing));
}

}  // namespace s3u::store
