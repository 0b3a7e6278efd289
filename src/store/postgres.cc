#include "store/postgres.h"

#include <libpq-fe.h>

#include <array>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "store/dialect.h"

namespace s3u::store {
namespace {

// Type OIDs of PostgreSQL's catalog (pg_type.dat); stable across versions.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

bool Succeeded(const PGresult* result) {
  const ExecStatusType status = PQresultStatus(result);
  return result != nullptr && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK);
}

// One bound parameter: its text or bytes (nullopt: NULL), its type, text (0) or binary (1).
struct Parameter {
  std::optional<std::string> value;
  Oid type = kTextOid;
  int format = 0;
};

class PostgresStatement final : public StatementBackend {
 public:
  PostgresStatement(PostgresConnection& db, TranslatedSql sql, std::string doing)
      : db_(db), sql_(std::move(sql)), doing_(std::move(doing)) {}

  void BindText(int index, std::string_view text) override {
    Slot(index) = {std::string(text), kTextOid, 0};
  }
  void BindInt(int index, int64_t value) override {
    Slot(index) = {std::to_string(value), kInt8Oid, 0};
  }
  void BindBlob(int index, std::string_view bytes) override {
    Slot(index) = {std::string(bytes), kByteaOid, 1};  // binary: the bytes as they are
  }
  void BindNull(int index) override {
    // Untyped: PostgreSQL infers the type from where the parameter is used.
    Slot(index) = {std::nullopt, 0, 0};
  }

  Result<bool> Step() override {
    if (!result_) {
      // Numbers the SQL does not use (a filter left out) must still have a type.
      const size_t count = std::max(parameters_.size(), sql_.used.size());
      parameters_.resize(count);
      std::vector<Oid> types;
      std::vector<const char*> values;
      std::vector<int> lengths;
      std::vector<int> formats;
      for (size_t i = 0; i < count; ++i) {
        const Parameter& p = parameters_[i];
        const bool used = i < sql_.used.size() && sql_.used[i];
        types.push_back(p.type == 0 && !used ? kTextOid : p.type);
        values.push_back(p.value ? p.value->data() : nullptr);
        lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
        formats.push_back(p.format);
      }
      result_.reset(PQexecParams(db_.handle(), sql_.sql.c_str(), static_cast<int>(count),
                                 types.data(), values.data(), lengths.data(), formats.data(),
                                 /*resultFormat=*/0));
      if (!Succeeded(result_.get())) {
        Error error = db_.ErrorFor(result_.get(), doing_);
        result_.reset();
        return Fail(std::move(error));
      }
      db_.NoteChanges(result_.get());
      row_ = -1;
    }
    ++row_;
    return row_ < PQntuples(result_.get());
  }

  void Reset() override {
    result_.reset();
    parameters_.clear();
  }

  int ColumnCount() const override { return result_ ? PQnfields(result_.get()) : 0; }
  std::string ColumnName(int column) const override { return PQfname(result_.get(), column); }
  ColumnKind Kind(int column) const override {
    if (PQgetisnull(result_.get(), row_, column) != 0) return ColumnKind::kNull;
    switch (PQftype(result_.get(), column)) {
      case kBoolOid:
      case kInt2Oid:
      case kInt4Oid:
      case kInt8Oid:
        return ColumnKind::kInt;
      case kByteaOid:
        return ColumnKind::kBlob;
      default:
        return ColumnKind::kText;
    }
  }
  std::string Text(int column) const override {
    return std::string(PQgetvalue(result_.get(), row_, column),
                       static_cast<size_t>(PQgetlength(result_.get(), row_, column)));
  }
  int64_t Int(int column) const override {
    const char* text = PQgetvalue(result_.get(), row_, column);
    if (PQftype(result_.get(), column) == kBoolOid) return text[0] == 't' ? 1 : 0;
    return std::strtoll(text, nullptr, 10);  // "" (NULL) reads as 0
  }
  std::string Blob(int column) const override {
    if (PQgetisnull(result_.get(), row_, column) != 0) return {};
    size_t size = 0;
    unsigned char* bytes = PQunescapeBytea(
        reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row_, column)), &size);
    if (bytes == nullptr) return {};
    std::string out(reinterpret_cast<const char*>(bytes), size);
    PQfreemem(bytes);
    return out;
  }

 private:
  Parameter& Slot(int index) {
    if (parameters_.size() < static_cast<size_t>(index)) parameters_.resize(index);
    return parameters_[index - 1];
  }

  PostgresConnection& db_;
  TranslatedSql sql_;
  std::string doing_;
  std::vector<Parameter> parameters_;  // [i] is ?i+1
  ResultPtr result_;                   // null until the first Step
  int row_ = -1;
};

}  // namespace

PostgresConnection::PostgresConnection(const StoreUrl& url, Clock& clock,
                                       std::chrono::milliseconds lock_timeout)
    : conninfo_(url.conninfo), location_(url.redacted), clock_(clock), lock_timeout_(lock_timeout) {
  char* ignored = nullptr;
  if (PQconninfoOption* options = PQconninfoParse(conninfo_.c_str(), &ignored)) {
    for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
      if (std::string_view(option->keyword) == "password" && option->val != nullptr) {
        password_ = option->val;
      }
    }
    PQconninfoFree(options);
  }
  if (ignored != nullptr) PQfreemem(ignored);
}

PostgresConnection::~PostgresConnection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

Result<std::unique_ptr<PostgresConnection>> PostgresConnection::Open(
    const StoreUrl& url, Clock& clock, std::chrono::milliseconds lock_timeout) {
  std::unique_ptr<PostgresConnection> connection(new PostgresConnection(url, clock, lock_timeout));
  if (auto connected = connection->Connect(); !connected) return Fail(std::move(connected.error()));
  return connection;
}

std::string PostgresConnection::Scrub(std::string text) const {
  if (password_.empty()) return text;
  for (size_t at = text.find(password_); at != std::string::npos;
       at = text.find(password_, at + 3)) {
    text.replace(at, password_.size(), "***");
  }
  return text;
}

Result<void> PostgresConnection::Connect() {
  if (conn_ != nullptr) PQfinish(conn_);
  // Defaults the URL may override (it is expanded after them): a bounded connect, and a name
  // that tells the store's sessions apart in pg_stat_activity.
  const std::array<const char*, 4> keywords = {"connect_timeout", "application_name", "dbname",
                                               nullptr};
  const std::array<const char*, 4> values = {"10", "s3unload", conninfo_.c_str(), nullptr};
  conn_ = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (conn_ == nullptr) {
    return Fail(ErrorCode::kResourceExhausted, location_,
                "connecting to PostgreSQL: out of memory");
  }
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string said = Scrub(PQerrorMessage(conn_));
    while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
    // The server asked for a password: the credentials are what is wrong (28P01 does not
    // reach the client as a result, only as this state).
    if (PQconnectionNeedsPassword(conn_) != 0 || PQconnectionUsedPassword(conn_) != 0) {
      return Fail(ErrorCode::kUnauthenticated, location_,
                  "PostgreSQL refused the connection; check the user, the password and the "
                  "database name of the store URL (postgresql: " +
                      said + ")");
    }
    return Fail(ErrorCode::kUnavailable, location_,
                "cannot connect to PostgreSQL; check that the server runs and that host and "
                "port of the store URL are right (postgresql: " +
                    said + ")");
  }
  return Exec("SET lock_timeout = " + std::to_string(lock_timeout_.count()),
              "configuring the connection");
}

Result<void> PostgresConnection::Reconnect() {
  const auto until = clock_.Monotonic() + lock_timeout_;
  while (true) {
    Result<void> connected = Connect();
    if (connected || connected.error().code != ErrorCode::kUnavailable ||
        clock_.Monotonic() >= until) {
      return connected;
    }
    clock_.SleepFor(std::chrono::milliseconds(250));
  }
}

Error PostgresConnection::ErrorFor(const PGresult* result, std::string_view doing) const {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state != nullptr ? state : "";
  std::string said = Scrub(result != nullptr ? PQresultErrorMessage(result) : "");
  if (said.empty()) said = Scrub(PQerrorMessage(conn_));
  while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
  const std::string klass = sqlstate.substr(0, 2);
  ErrorCode code = ErrorCode::kInternal;
  std::string what;
  if (sqlstate.empty() || klass == "08" || sqlstate.starts_with("57P")) {
    code = ErrorCode::kUnavailable;
    what = "the connection to PostgreSQL was lost; try again (the next call reconnects)";
  } else if (klass == "23") {
    code = ErrorCode::kInvalidArgument;
    what = "a value was refused by the database";
  } else if (sqlstate == "55P03" || sqlstate == "40001" || sqlstate == "40P01") {
    code = ErrorCode::kUnavailable;
    what = "the database stayed locked by another writer for more than " +
           std::to_string(lock_timeout_.count()) +
           " ms (another s3unload process is writing to it); try again";
  } else if (klass == "28") {
    code = ErrorCode::kUnauthenticated;
    what = "PostgreSQL refused the credentials of the store URL";
  } else if (sqlstate == "42501") {
    code = ErrorCode::kPermissionDenied;
    what = "the store's database user may not do this; grant it the rights on its schema";
  } else if (klass == "53") {
    code = ErrorCode::kResourceExhausted;
    what = "the PostgreSQL server is out of resources (disk, memory or connections)";
  } else if (sqlstate == "57014") {
    code = ErrorCode::kCancelled;
    what = "cancelled";
  } else {
    what = "unexpected PostgreSQL error " + sqlstate;
  }
  return Error{
      code, location_, std::string(doing) + ": " + what + " (postgresql: " + said + ")", 0, {}};
}

void PostgresConnection::NoteChanges(const PGresult* result) {
  changes_ = std::strtoll(PQcmdTuples(const_cast<PGresult*>(result)), nullptr, 10);
}

Result<void> PostgresConnection::Exec(std::string_view sql, std::string_view doing) {
  ResultPtr result(PQexec(conn_, std::string(sql).c_str()));
  if (!Succeeded(result.get())) return Fail(ErrorFor(result.get(), doing));
  NoteChanges(result.get());
  return {};
}

Result<void> PostgresConnection::Transaction(TransactionMode mode, std::string_view doing,
                                             const std::function<Result<void>()>& body) {
  const std::string begin =
      mode == TransactionMode::kWrite
          ? "BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kWriteLockKey) + ")"
          : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
  // A connection found broken is re-opened; nothing of this transaction has run yet, so
  // beginning again on the new one is safe.
  if (PQstatus(conn_) != CONNECTION_OK) {
    if (auto connected = Reconnect(); !connected) return connected;
  }
  Result<void> begun = Exec(begin, doing);
  if (!begun && PQstatus(conn_) != CONNECTION_OK) {
    if (auto connected = Reconnect(); !connected) return connected;
    begun = Exec(begin, doing);
  }
  if (!begun) {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) (void)Exec("ROLLBACK", doing);
    return begun;
  }
  Result<void> result = body();
  if (result) result = Exec("COMMIT", doing);
  if (!result && PQtransactionStatus(conn_) != PQTRANS_IDLE &&
      PQtransactionStatus(conn_) != PQTRANS_UNKNOWN) {
    // The caller needs the first error, not the rollback's.
    (void)Exec("ROLLBACK", doing);
  }
  return result;
}

Result<std::unique_ptr<StatementBackend>> PostgresConnection::Prepare(std::string_view sql,
                                                                      std::string_view doing) {
  auto translated = TranslatePlaceholders(sql);
  if (!translated) return Fail(std::move(translated.error()));
  return std::make_unique<PostgresStatement>(*this, std::move(*translated), std::string(doing));
}

}  // namespace s3u::store
