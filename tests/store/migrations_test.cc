#include "store/migrations.h"

#include <array>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/sqlite.h"
#include "store/store.h"
#include "support/fake_clock.h"
#include "test_util.h"

namespace s3u::store {
namespace {

using ::s3u::testing::FakeClock;
using ::s3u::testing::RawDb;
using ::s3u::testing::SampleAwsAccount;
using ::s3u::testing::SampleDomoAccount;
using ::s3u::testing::SampleRun;
using ::s3u::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;

// Two migrations of a made-up schema. Re-running the first would fail (the table exists), so a
// successful second pass proves that applied migrations are skipped.
constexpr Migration kFirst{1, "t1", "CREATE TABLE t1 (x INTEGER) STRICT"};
constexpr Migration kSecond{2, "t2", "CREATE TABLE t2 (y TEXT) STRICT"};
constexpr Migration kBrokenSecond{
    2, "broken", "CREATE TABLE t2 (y TEXT) STRICT; INSERT INTO no_such_table VALUES (1)"};

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = SqliteConnection::Open(path_, clock_, std::chrono::milliseconds(1000));
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
  }

  int64_t TableCount(const std::string& name) {
    return RawDb(path_).QueryInt("SELECT count(*) FROM sqlite_schema WHERE name = '" + name + "'");
  }

  TempDir dir_;
  std::filesystem::path path_ = dir_.path() / "m.db";
  FakeClock clock_;
  std::unique_ptr<Connection> db_;
};

TEST(MigrationListTest, VersionsCountFromOneWithoutGapsAndHaveNames) {
  const auto migrations = Migrations();
  ASSERT_FALSE(migrations.empty());
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
    EXPECT_FALSE(migrations[i].name.empty());
    EXPECT_FALSE(migrations[i].sql.empty());
  }
}

TEST_F(MigrationsTest, UpgradeAppliesOnlyMigrationsNewerThanTheFile) {
  const std::array v1 = {kFirst};
  const std::array v2 = {kFirst, kSecond};
  ASSERT_TRUE(ApplyMigrations(*db_, v1).has_value());
  EXPECT_EQ(RawDb(path_).QueryInt("PRAGMA user_version"), 1);

  auto upgraded = ApplyMigrations(*db_, v2);
  ASSERT_TRUE(upgraded.has_value()) << upgraded.error().ToString();
  EXPECT_EQ(RawDb(path_).QueryInt("PRAGMA user_version"), 2);
  EXPECT_EQ(TableCount("t2"), 1);
  EXPECT_TRUE(ApplyMigrations(*db_, v2).has_value());
}

TEST_F(MigrationsTest, FailedMigrationIsRolledBackWhole) {
  const std::array broken = {kFirst, kBrokenSecond};
  auto applied = ApplyMigrations(*db_, broken);
  ASSERT_FALSE(applied.has_value());
  EXPECT_EQ(applied.error().subject, path_.string());
  EXPECT_THAT(applied.error().message, HasSubstr("applying migration 2 (broken)"));
  EXPECT_THAT(applied.error().message, HasSubstr("no_such_table"));
  EXPECT_EQ(RawDb(path_).QueryInt("PRAGMA user_version"), 1);
  EXPECT_EQ(TableCount("t1"), 1);
  EXPECT_EQ(TableCount("t2"), 0);
}

TEST_F(MigrationsTest, DowngradeIsRefused) {
  const std::array v1 = {kFirst};
  const std::array v2 = {kFirst, kSecond};
  ASSERT_TRUE(ApplyMigrations(*db_, v2).has_value());
  auto downgraded = ApplyMigrations(*db_, v1);
  ASSERT_FALSE(downgraded.has_value());
  EXPECT_EQ(downgraded.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(downgraded.error().message, HasSubstr("knows versions up to 1"));
}

TEST_F(MigrationsTest, FileWithForeignApplicationIdIsRefusedEvenWhenEmpty) {
  ASSERT_EQ(RawDb(path_).Exec("PRAGMA application_id = 42"), SQLITE_OK);
  const std::array v1 = {kFirst};
  auto applied = ApplyMigrations(*db_, v1);
  ASSERT_FALSE(applied.has_value());
  EXPECT_EQ(applied.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(applied.error().message, HasSubstr("application_id 42"));
  EXPECT_EQ(TableCount("t1"), 0);
}

// A store of the first release (version 1, with a run in it) opened by this build.
TEST_F(MigrationsTest, StoreAtVersionOneUpgradesKeepingItsRuns) {
  ASSERT_TRUE(ApplyMigrations(*db_, Migrations().first(1)).has_value());
  db_.reset();
  ASSERT_EQ(RawDb(path_).Exec(
                "INSERT INTO runs (run_id, job_name, input_dataset_id, day, time_zone, engine, "
                "attempt, owner, status, started_ms, finished_ms, rows) VALUES ('r1', "
                "'orders-daily', '3c7e5a4e-7d1b-4d0a-9d55-1c2f0e5a9b10', '2025-03-09', "
                "'America/New_York', 'direct', 1, 'old', 'SUCCEEDED', 1000, 2000, 42)"),
            SQLITE_OK);

  auto store = Store::Open(path_, clock_);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  EXPECT_EQ(RawDb(path_).QueryInt("PRAGMA user_version"), Migrations().back().version);
  auto run = (*store)->GetRun("r1");
  ASSERT_TRUE(run.has_value()) << run.error().ToString();
  RunRecord expected = SampleRun("r1", 1000);
  expected.status = RunStatus::kSucceeded;
  expected.finished_ms = 2000;
  expected.result.rows = 42;
  EXPECT_EQ(*run, expected);

  auto box = SecretBox::LoadOrCreate(KeyPathFor(path_));
  ASSERT_TRUE(box.has_value()) << box.error().ToString();
  (*store)->AttachSecrets(std::move(*box));
  auto domo = (*store)->CreateAccount(SampleDomoAccount());
  auto aws = (*store)->CreateAccount(SampleAwsAccount());
  ASSERT_TRUE(domo.has_value() && aws.has_value());
  ConnectorRecord connector;
  connector.name = "orders-daily";
  connector.domo_account_id = domo->id;
  connector.aws_account_id = aws->id;
  connector.settings_json = connector.schedule_json = connector.retry_json = "{}";
  auto created = (*store)->CreateConnector(connector);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  ASSERT_TRUE((*store)->SetSetting("k", "v").has_value());
}

// A store of version 4 (accounts of both kinds, a connector using them) opened by this build:
// migration 5 rebuilds the accounts table for role accounts and keeps every row and reference.
class RoleMigrationTest : public MigrationsTest {
 protected:
  // Version 4 with a Domo and an AWS account and a connector; `connector_aws` is the AWS
  // account the connector names.
  void MakeVersion4(const std::string& connector_aws = "acc_aws") {
    ASSERT_TRUE(ApplyMigrations(*db_, Migrations().first(4)).has_value());
    db_.reset();
    ASSERT_EQ(RawDb(path_).Exec(
                  "INSERT INTO accounts (id, kind, name, domo_client_id, domo_client_secret, "
                  "created_ms, updated_ms) VALUES ('acc_domo', 'domo', 'prod', 'client', "
                  "x'0102', 1, 2);"
                  "INSERT INTO accounts (id, kind, name, aws_access_key_id, bucket, region, "
                  "aws_secret_access_key, aws_session_token, created_ms, updated_ms) VALUES "
                  "('acc_aws', 'aws', 'prod', 'AKIA1', 'exports', 'eu-west-1', x'03', x'04', "
                  "3, 4);"
                  "INSERT INTO connectors (id, name, enabled, domo_account_id, aws_account_id, "
                  "settings_json, schedule_json, retry_json, created_ms, updated_ms) VALUES "
                  "('con_1', 'orders-daily', 1, 'acc_domo', '" +
                  connector_aws + "', '{}', '{}', '{}', 5, 6)"),
              SQLITE_OK);
  }
};

TEST_F(RoleMigrationTest, StoreAtVersionFourKeepsItsAccountsAndConnectors) {
  MakeVersion4();
  auto store = Store::Open(path_, clock_);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  RawDb raw(path_);
  EXPECT_EQ(raw.QueryInt("PRAGMA user_version"), Migrations().back().version);
  EXPECT_EQ(TableCount("accounts_v5"), 0);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM pragma_foreign_key_check"), 0);

  auto accounts = (*store)->ListAccounts();
  ASSERT_TRUE(accounts.has_value()) << accounts.error().ToString();
  ASSERT_EQ(accounts->size(), 2u);
  const Account& aws = (*accounts)[1];
  EXPECT_EQ(aws.id, "acc_aws");
  EXPECT_EQ(aws.aws_access_key_id, "AKIA1");
  EXPECT_EQ(aws.region, "eu-west-1");
  EXPECT_TRUE(aws.has_session_token);
  EXPECT_EQ(aws.created_ms, 3);
  EXPECT_EQ(aws.updated_ms, 4);
  EXPECT_EQ(aws.role_arn, "");
  EXPECT_EQ(raw.QueryText("SELECT hex(aws_secret_access_key) FROM accounts WHERE id = 'acc_aws'"),
            "03");

  // The connectors still refer to the accounts, and the store's connection enforces it again.
  EXPECT_THAT(raw.QueryText("SELECT sql FROM sqlite_schema WHERE name = 'connectors'"),
              HasSubstr("REFERENCES accounts (id)"));
  EXPECT_EQ((*store)->GetConnector("con_1")->aws_account_id, "acc_aws");
  EXPECT_NE(raw.Exec("PRAGMA foreign_keys = ON; DELETE FROM accounts WHERE id = 'acc_aws'"),
            SQLITE_OK);

  // Role accounts can now be stored, with the base's foreign key.
  auto box = SecretBox::LoadOrCreate(KeyPathFor(path_));
  ASSERT_TRUE(box.has_value()) << box.error().ToString();
  (*store)->AttachSecrets(std::move(*box));
  Account role = ::s3u::testing::SampleRoleAccount("writer", "acc_aws");
  auto created = (*store)->CreateAccount(role);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM accounts WHERE base_account_id = 'acc_aws'"), 1);
}

TEST_F(RoleMigrationTest, ADanglingReferenceStopsTheMigrationAndChangesNothing) {
  // Written with foreign keys off (as SQLite allows), a connector names a missing account.
  MakeVersion4("acc_gone");
  auto store = Store::Open(path_, clock_);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(store.error().message, AllOf(HasSubstr("applying migration 5 (AWS role accounts)"),
                                           HasSubstr("a row of table connectors refers to a "
                                                     "missing row of accounts")));
  RawDb raw(path_);
  EXPECT_EQ(raw.QueryInt("PRAGMA user_version"), 4);
  EXPECT_EQ(TableCount("accounts_v5"), 0);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM accounts"), 2);
}

// A store of version 6 with a run opened by this build: migration 7 adds the run logs, which
// belong to their run (a line of no run is refused; deleting a run deletes its lines).
TEST_F(MigrationsTest, StoreAtVersionSixGetsRunLogsTiedToTheirRuns) {
  ASSERT_TRUE(ApplyMigrations(*db_, Migrations().first(6)).has_value());
  db_.reset();
  ASSERT_EQ(RawDb(path_).Exec(
                "INSERT INTO runs (run_id, job_name, input_dataset_id, day, time_zone, engine, "
                "attempt, owner, status, started_ms) VALUES ('r1', 'orders-daily', 'ds', "
                "'2025-03-09', 'UTC', 'direct', 1, 'old', 'RUNNING', 1000)"),
            SQLITE_OK);
  auto store = Store::Open(path_, clock_);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  EXPECT_GE(RawDb(path_).QueryInt("PRAGMA user_version"), 7);
  auto empty = (*store)->ReadRunLog("r1");
  ASSERT_TRUE(empty.has_value()) << empty.error().ToString();
  EXPECT_TRUE(empty->empty());
  ASSERT_TRUE((*store)->AppendRunLog("r1", {{{0, 1000, LogLevel::kInfo, "started"}}}).has_value());

  RawDb raw(path_);
  EXPECT_NE(raw.Exec("PRAGMA foreign_keys = ON; INSERT INTO run_log VALUES ('r2', 0, 1, "
                     "'info', 'x')"),
            SQLITE_OK);
  EXPECT_NE(raw.Exec("INSERT INTO run_log VALUES ('r1', 1, 1, 'off', 'x')"), SQLITE_OK);
  EXPECT_EQ(raw.Exec("DELETE FROM runs WHERE run_id = 'r1'"), SQLITE_OK);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM run_log"), 0);
}

}  // namespace
}  // namespace s3u::store
