// Helpers shared by the store tests: a temporary directory removed at the end of each test,
// the store URL of the backend under test (TestStoreUrl), direct SQLite access to a store file
// (what another process or an older/newer s3unload would do to it), sample records, and a
// fixture with an open store and its key attached.
#pragma once

#include <sqlite3.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/store.h"
#include "support/fake_clock.h"

namespace s3u::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "store-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The store a test opens, from `dir` (its temporary directory): an SQLite file there in
// store_tests (test_backend_sqlite.cc), a fresh database of the shared test PostgreSQL in
// store_postgres_tests (test_backend_postgres.cc). The same test sources build both binaries.
store::StoreUrl TestStoreUrl(const std::filesystem::path& dir);

// Skips a test about the SQLite file itself (its bytes, a raw connection to it) on PostgreSQL.
#define S3U_SQLITE_ONLY(url)                                          \
  if ((url).backend != ::s3u::store::Backend::kSqlite) {              \
    GTEST_SKIP() << "about the SQLite file itself; not PostgreSQL's"; \
  }

// A connection of the store's own (either backend) to `url`, for what another process would do
// to it. Fails the test when it cannot open.
inline std::unique_ptr<store::Connection> RawConnection(const store::StoreUrl& url) {
  static FakeClock clock;
  auto db = store::OpenConnection(url, clock, std::chrono::milliseconds(1000));
  EXPECT_TRUE(db.has_value()) << db.error().ToString();
  return db ? std::move(*db) : nullptr;
}

// The first column of the first row of `sql` on the store at `url`, or -1 when there is no row
// or the query fails.
inline int64_t QueryInt(const store::StoreUrl& url, const std::string& sql) {
  auto db = RawConnection(url);
  if (!db) return -1;
  auto query = store::Statement::Prepare(*db, sql, "test query");
  if (!query) return -1;
  auto row = query->Step();
  return row && *row ? query->Int(0) : -1;
}

// Runs `sql` on the store at `url`, outside the Store.
inline Result<void> ExecRaw(const store::StoreUrl& url, const std::string& sql) {
  auto db = RawConnection(url);
  if (!db) return Fail(ErrorCode::kInternal, "test", "no connection");
  return db->Exec(sql, "test statement");
}

// Every row of the store at `url`, table by table in `tables`' order, each row as text with
// its values kind-tagged (i:, t:, b: hex, null), rows sorted by their first two columns: equal
// dumps mean equal stores, sealed secrets byte for byte.
inline std::vector<std::string> DumpStore(const store::StoreUrl& url,
                                          std::span<const std::string_view> tables) {
  std::vector<std::string> dump;
  auto db = RawConnection(url);
  if (!db) return dump;
  for (const std::string_view table : tables) {
    auto rows = store::Statement::Prepare(
        *db, "SELECT * FROM " + std::string(table) + " ORDER BY 1, 2", "dump");
    EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
    if (!rows) return dump;
    for (;;) {
      auto row = rows->Step();
      EXPECT_TRUE(row.has_value()) << row.error().ToString();
      if (!row || !*row) break;
      store::StatementBackend& columns = rows->backend();
      std::string line = std::string(table) + ":";
      for (int i = 0; i < columns.ColumnCount(); ++i) {
        line += " " + columns.ColumnName(i) + "=";
        switch (columns.Kind(i)) {
          case store::ColumnKind::kNull:
            line += "null";
            break;
          case store::ColumnKind::kInt:
            line += "i:" + std::to_string(columns.Int(i));
            break;
          case store::ColumnKind::kBlob:
            line += "b:";
            for (const unsigned char c : columns.Blob(i)) {
              static constexpr char kHex[] = "0123456789abcdef";
              line += kHex[c >> 4];
              line += kHex[c & 15];
            }
            break;
          default:
            line += "t:" + columns.Text(i);
        }
      }
      dump.push_back(std::move(line));
    }
  }
  return dump;
}

// Permission bits of `path`, or -1 when it cannot be inspected.
inline int ModeOf(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

// A plain SQLite connection to `path`, closed on destruction.
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK) << path;
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  // Runs `sql`; returns the SQLite result code.
  int Exec(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  }
  // The first column of the first row of `sql` as an integer, or -1 when there is no row.
  int64_t QueryInt(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) return -1;
    const int64_t value = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    return value;
  }
  std::string QueryText(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) return "?";
    std::string value;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(stmt, 0);
      if (text != nullptr) value = reinterpret_cast<const char*>(text);
    }
    sqlite3_finalize(stmt);
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

// A valid run about to begin.
inline store::RunRecord SampleRun(std::string run_id, int64_t started_ms) {
  store::RunRecord run;
  run.run_id = std::move(run_id);
  run.job_name = "orders-daily";
  run.input_dataset_id = "3c7e5a4e-7d1b-4d0a-9d55-1c2f0e5a9b10";
  run.day = "2025-03-09";
  run.time_zone = "America/New_York";
  run.engine = "direct";
  run.started_ms = started_ms;
  return run;
}

// A valid Domo account to create (no id).
inline store::Account SampleDomoAccount(std::string name = "domo-prod") {
  store::Account account;
  account.name = std::move(name);
  account.kind = store::AccountKind::kDomo;
  account.domo_client_id = "client-5f1e";
  account.domo_client_secret = "domo-secret-Qw7rT2";
  return account;
}

// A valid AWS account to create (no id), with a session token.
inline store::Account SampleAwsAccount(std::string name = "aws-prod") {
  store::Account account;
  account.name = std::move(name);
  account.kind = store::AccountKind::kAws;
  account.aws_access_key_id = "AKIAEXAMPLEKEY0001";
  account.aws_secret_access_key = "aws-secret-Zx9LmN4";
  account.aws_session_token = "aws-token-Hq3VbP8";
  account.bucket = "exports";
  account.region = "eu-west-1";
  return account;
}

// A valid AWS role account to create (no id): its base is `base_account_id` ("" for the
// service's own credentials).
inline store::Account SampleRoleAccount(std::string name = "role-prod",
                                        std::string base_account_id = "") {
  store::Account account;
  account.name = std::move(name);
  account.kind = store::AccountKind::kRole;
  account.role_arn = "arn:aws:iam::123456789012:role/s3unload-writer";
  account.base_account_id = std::move(base_account_id);
  account.bucket = "exports";
  account.region = "eu-west-1";
  return account;
}

// One row or more in every table of `store` (its key attached): a Domo, an AWS and a role
// account borrowing the AWS keys, a connector with notifications, a setting, a finished run
// with log lines, a journaled upload, two deliveries and a lease. Fails the test on any error.
inline void FillEveryTable(store::Store& store) {
  auto domo = store.CreateAccount(SampleDomoAccount());
  ASSERT_TRUE(domo.has_value()) << domo.error().ToString();
  auto aws = store.CreateAccount(SampleAwsAccount());
  ASSERT_TRUE(aws.has_value()) << aws.error().ToString();
  auto role = store.CreateAccount(SampleRoleAccount("role-prod", aws->id));
  ASSERT_TRUE(role.has_value()) << role.error().ToString();
  store::ConnectorRecord connector;
  connector.name = "orders-daily";
  connector.domo_account_id = domo->id;
  connector.aws_account_id = role->id;
  connector.settings_json = R"({"dataset":"x"})";
  connector.schedule_json = connector.retry_json = "{}";
  auto created = store.CreateConnector(connector);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  ASSERT_TRUE(store.SetNextRun(created->id, 1'800'000'000'000).has_value());
  auto saved = store.SaveNotifications({created->id, R"({"on_failure":true})",
                                        "https://hooks.example/T0/XXXXsecretXXXX",
                                        "smtp-password-1", false, 0});
  ASSERT_TRUE(saved.has_value()) << saved.error().ToString();
  ASSERT_TRUE(store.SetSetting("api_token_hash", "c2VjcmV0").has_value());
  store::RunRecord run = SampleRun("20250314T100000000Z-0000abcd", 1'741'946'400'000);
  run.connector_id = created->id;
  ASSERT_TRUE(store.BeginRun(run).has_value());
  store::RunLogBatch batch;
  batch.lines = {{0, 1'741'946'400'001, LogLevel::kInfo, "started"},
                 {1, 1'741'946'400'002, LogLevel::kError, "failed: 503"}};
  ASSERT_TRUE(store.AppendRunLog(run.run_id, batch).has_value());
  store::RunResult result;
  result.error_code = "unavailable";
  result.error_message = "503 Slow Down";
  ASSERT_TRUE(store.FinishRun(run.run_id, store::RunStatus::kFailed, 1'741'946'401'000, result)
                  .has_value());
  ASSERT_TRUE(store.JournalUpload({"upload-1", run.run_id, "exports", "orders/part-0", 7, false})
                  .has_value());
  for (const bool delivered : {false, true}) {
    auto id =
        store.RecordDelivery({0, created->id, run.run_id, "failure", "webhook", "hooks.example",
                              delivered, 2, delivered ? "" : "timeout", 1'741'946'402'000});
    ASSERT_TRUE(id.has_value()) << id.error().ToString();
  }
  store::ClaimRequest claim;  // a lease held by a (next) run of the connector
  claim.connector_id = created->id;
  claim.run_id = "20250314T100500000Z-0000beef";
  claim.lease_ms = 30'000;
  auto claimed = store.ClaimRun(claim);
  ASSERT_TRUE(claimed.has_value()) << claimed.error().ToString();
  ASSERT_EQ(claimed->outcome, store::ClaimOutcome::kClaimed);
}

// A store in a temporary directory, its key attached, on a fake clock at kStartMs.
class StoreWithSecretsTest : public ::testing::Test {
 protected:
  static constexpr int64_t kStartMs = 1'741'946'400'000;  // 2025-03-14T10:00:00Z

  void SetUp() override { store_ = Open(); }

  // The SQLite file (S3U_SQLITE_ONLY tests); TestStoreUrl puts it there.
  std::filesystem::path DbPath() const { return dir_.path() / "s3unload.db"; }

  // A Store on the same file, the store's own key attached.
  std::unique_ptr<store::Store> Open() { return OpenWithKey(store::KeyPathFor(DbPath())); }

  // A Store on the same file, the key file `key_path` attached.
  std::unique_ptr<store::Store> OpenWithKey(const std::filesystem::path& key_path) {
    auto opened = OpenWithoutKey();
    auto box = store::SecretBox::LoadOrCreate(key_path);
    EXPECT_TRUE(box.has_value()) << box.error().ToString();
    if (opened && box) opened->AttachSecrets(std::move(*box));
    return opened;
  }

  // A Store on the same file, without a key.
  std::unique_ptr<store::Store> OpenWithoutKey() {
    auto opened = store::Store::Open(url_, clock_);
    EXPECT_TRUE(opened.has_value()) << opened.error().ToString();
    return opened ? std::move(*opened) : nullptr;
  }

  // Creates `account`, failing the test when that fails.
  store::Account Create(store::Account account) {
    auto created = store_->CreateAccount(std::move(account));
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return created ? *created : store::Account{};
  }

  // Creates a connector named `name` using `domo` and `aws` (settings, schedule and retry `{}`),
  // failing the test when that fails; returns its id ("" then).
  std::string CreateConnector(const std::string& name, const store::Account& domo,
                              const store::Account& aws) {
    store::ConnectorRecord connector;
    connector.name = name;
    connector.domo_account_id = domo.id;
    connector.aws_account_id = aws.id;
    connector.settings_json = connector.schedule_json = connector.retry_json = "{}";
    auto created = store_->CreateConnector(connector);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return created ? created->id : "";
  }

  TempDir dir_;
  const store::StoreUrl url_ = TestStoreUrl(dir_.path());
  FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::milliseconds(kStartMs))};
  std::unique_ptr<store::Store> store_;
};

}  // namespace s3u::testing
