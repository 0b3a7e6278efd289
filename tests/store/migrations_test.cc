#include "store/migrations.h"

#include <array>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
    auto db = Connection::Open(path_, clock_, std::chrono::milliseconds(1000));
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
  EXPECT_EQ(RawDb(path_).QueryInt("PRAGMA user_version"), 4);
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

}  // namespace
}  // namespace s3u::store
