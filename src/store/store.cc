#include "store/store.h"

#include <sodium.h>

#include <utility>

#include "store/migrations.h"

namespace s3u::store {

Result<std::filesystem::path> DefaultStorePath(std::optional<std::string_view> xdg_state_home,
                                               std::optional<std::string_view> home) {
  std::filesystem::path state;
  if (xdg_state_home && std::filesystem::path(*xdg_state_home).is_absolute()) {
    state = *xdg_state_home;
  } else if (home && std::filesystem::path(*home).is_absolute()) {
    state = std::filesystem::path(*home) / ".local" / "state";
  } else {
    return Fail(ErrorCode::kFailedPrecondition, "store path",
                "cannot choose a default location: neither XDG_STATE_HOME nor HOME is an absolute "
                "directory; set one of them or give the store path explicitly");
  }
  return state / "s3unload" / "s3unload.db";
}

Store::Store(Backend backend, std::string location, Clock& clock, StoreOptions options,
             std::unique_ptr<Connection> db)
    : backend_(backend),
      location_(std::move(location)),
      clock_(clock),
      options_(std::move(options)),
      db_(std::move(db)) {}

Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::Open(const std::filesystem::path& path, Clock& clock,
                                           StoreOptions options) {
  return Open(SqliteStoreUrl(path), clock, std::move(options));
}

Result<std::unique_ptr<Store>> Store::Open(const StoreUrl& url, Clock& clock,
                                           StoreOptions options) {
  // Ids of accounts and connectors come from libsodium's generator (fields.h).
  if (sodium_init() < 0) {
    return Fail(ErrorCode::kInternal, url.redacted, "libsodium could not be initialised");
  }
  auto db = OpenConnection(url, clock, options.busy_timeout);
  if (!db) return Fail(std::move(db.error()));
  if (auto migrated = ApplyMigrations(**db, Migrations()); !migrated) {
    return Fail(std::move(migrated.error()));
  }
  return std::unique_ptr<Store>(
      new Store(url.backend, url.redacted, clock, std::move(options), std::move(*db)));
}

Result<void> Store::Locked(TransactionMode mode, std::string_view doing,
                           const std::function<Result<void>(Connection&)>& body) {
  std::lock_guard lock(mu_);
  return db_->Transaction(mode, doing, [&] { return body(*db_); });
}

int64_t Store::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now().time_since_epoch())
      .count();
}

Result<std::optional<std::string>> Store::GetSetting(std::string_view key) {
  const std::string doing = "reading setting " + std::string(key);
  std::optional<std::string> value;
  auto read = Locked(TransactionMode::kRead, doing, [&](Connection& db) -> Result<void> {
    auto query = Statement::Prepare(db, "SELECT value FROM settings WHERE key = ?1", doing);
    if (!query) return Fail(std::move(query.error()));
    query->BindText(1, key);
    auto row = query->Step();
    if (!row) return Fail(std::move(row.error()));
    if (*row) value = query->Text(0);
    return {};
  });
  if (!read) return Fail(std::move(read.error()));
  return value;
}

Result<void> Store::SetSetting(std::string_view key, std::string_view value) {
  if (key.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "key", "empty; a setting needs a key");
  }
  const std::string doing = "saving setting " + std::string(key);
  return Locked(TransactionMode::kWrite, doing, [&](Connection& db) -> Result<void> {
    auto upsert = Statement::Prepare(db,
                                     "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                     doing);
    if (!upsert) return Fail(std::move(upsert.error()));
    upsert->BindText(1, key).BindText(2, value);
    return upsert->Run();
  });
}

}  // namespace s3u::store
