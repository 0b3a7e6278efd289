#include "store/store.h"

#include <sys/stat.h>

#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/migrations.h"
#include "support/fake_clock.h"
#include "test_util.h"

namespace s3u::store {
namespace {

using ::s3u::testing::FakeClock;
using ::s3u::testing::ModeOf;
using ::s3u::testing::RawDb;
using ::s3u::testing::SampleRun;
using ::s3u::testing::TempDir;
using ::testing::HasSubstr;

class StoreTest : public ::testing::Test {
 protected:
  std::filesystem::path DbPath() const { return dir_.path() / "state" / "s3unload.db"; }

  std::unique_ptr<Store> OpenStore(StoreOptions options = {}) {
    auto store = Store::Open(DbPath(), clock_, std::move(options));
    EXPECT_TRUE(store.has_value()) << store.error().ToString();
    return store ? std::move(*store) : nullptr;
  }

  // Writes a file the test controls where the store would be.
  void WriteDbFile(const std::string& content) {
    std::filesystem::create_directories(DbPath().parent_path());
    std::ofstream(DbPath(), std::ios::binary) << content;
  }

  TempDir dir_;
  FakeClock clock_;
};

TEST_F(StoreTest, OpenCreatesPrivateDirectoriesAndFileAtTheLatestVersionInWalMode) {
  const auto path = dir_.path() / "a" / "b" / "s3unload.db";
  auto store = Store::Open(path, clock_);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  EXPECT_EQ(ModeOf(dir_.path() / "a"), 0700);
  EXPECT_EQ(ModeOf(dir_.path() / "a" / "b"), 0700);
  EXPECT_EQ(ModeOf(path), 0600);

  RawDb raw(path);
  EXPECT_EQ(raw.QueryText("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.QueryInt("PRAGMA user_version"), Migrations().back().version);
  EXPECT_EQ(raw.QueryInt("PRAGMA application_id"), kApplicationId);
}

TEST_F(StoreTest, CreatedDirectoryAndFileAreOwnerWritableWhateverTheUmask) {
  const mode_t previous = ::umask(0277);
  auto store = Store::Open(DbPath(), clock_);
  ::umask(previous);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  EXPECT_EQ(ModeOf(DbPath().parent_path()), 0700);
  EXPECT_EQ(ModeOf(DbPath()), 0600);
}

TEST_F(StoreTest, ReopeningKeepsRunsAndSchemaVersion) {
  ASSERT_TRUE(OpenStore()->BeginRun(SampleRun("r1", 1000)).has_value());
  auto reopened = OpenStore();
  ASSERT_NE(reopened, nullptr);
  auto run = reopened->GetRun("r1");
  ASSERT_TRUE(run.has_value()) << run.error().ToString();
  EXPECT_EQ(*run, SampleRun("r1", 1000));
  EXPECT_EQ(RawDb(DbPath()).QueryInt("PRAGMA user_version"), Migrations().back().version);
}

TEST_F(StoreTest, RefusesStoreWrittenByNewerVersion) {
  OpenStore();
  const int future = Migrations().back().version + 1;
  ASSERT_EQ(RawDb(DbPath()).Exec("PRAGMA user_version = " + std::to_string(future)), SQLITE_OK);

  auto store = Store::Open(DbPath(), clock_);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store.error().subject, DbPath().string());
  EXPECT_THAT(store.error().message, HasSubstr("schema version " + std::to_string(future)));
  EXPECT_THAT(store.error().message, HasSubstr("newer s3unload"));
}

TEST_F(StoreTest, RefusesFileThatIsNotADatabaseAndSaysWhatToDo) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "job = \"orders\"\nday = 1\n";
  WriteDbFile(text);

  auto store = Store::Open(DbPath(), clock_);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store.error().subject, DbPath().string());
  EXPECT_THAT(store.error().message, HasSubstr("not an SQLite database"));
  EXPECT_THAT(store.error().message, HasSubstr("restore it from a backup"));
}

TEST_F(StoreTest, RefusesSqliteDatabaseOfAnotherApplication) {
  std::filesystem::create_directories(DbPath().parent_path());
  ASSERT_EQ(RawDb(DbPath()).Exec("CREATE TABLE photos (id INTEGER)"), SQLITE_OK);

  auto store = Store::Open(DbPath(), clock_);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(store.error().message, HasSubstr("another application"));
  EXPECT_EQ(RawDb(DbPath()).QueryInt("SELECT count(*) FROM sqlite_schema WHERE name = 'runs'"), 0);
}

TEST_F(StoreTest, RefusesDirectoryThatIsAFile) {
  std::ofstream(dir_.path() / "state") << "a file, not a directory";
  auto store = Store::Open(DbPath(), clock_);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store.error().subject, (dir_.path() / "state").string());
}

TEST_F(StoreTest, LockHeldLongerThanBusyTimeoutIsUnavailableNamingTheFile) {
  StoreOptions options;
  options.busy_timeout = std::chrono::milliseconds(2000);
  auto store = OpenStore(options);
  RawDb other_process(DbPath());
  ASSERT_EQ(other_process.Exec("BEGIN IMMEDIATE"), SQLITE_OK);

  auto begun = store->BeginRun(SampleRun("r1", 1000));
  ASSERT_FALSE(begun.has_value());
  EXPECT_EQ(begun.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(begun.error().subject, DbPath().string());
  EXPECT_THAT(begun.error().message, HasSubstr("locked"));
  std::chrono::milliseconds waited{0};
  for (const auto sleep : clock_.Sleeps()) waited += sleep;
  EXPECT_GE(waited, options.busy_timeout);

  ASSERT_EQ(other_process.Exec("COMMIT"), SQLITE_OK);
  EXPECT_TRUE(store->BeginRun(SampleRun("r1", 1000)).has_value());
}

// Writers of several threads sharing one Store, and of two connections to one file (as the
// CLI and the service are), all land.
void WriteRuns(Store& store, const std::string& prefix, int count) {
  for (int i = 0; i < count; ++i) {
    const std::string id = prefix + std::to_string(i);
    ASSERT_TRUE(store.BeginRun(SampleRun(id, 1000 + i)).has_value()) << id;
    RunResult result;
    result.rows = i;
    ASSERT_TRUE(store.FinishRun(id, RunStatus::kSucceeded, 2000 + i, result).has_value()) << id;
  }
}

int64_t CountSucceeded(const std::filesystem::path& path) {
  return RawDb(path).QueryInt("SELECT count(*) FROM runs WHERE status = 'SUCCEEDED'");
}

TEST_F(StoreTest, ConcurrentWritersOnOneStoreAllLand) {
  auto store = OpenStore();
  std::thread a([&] { WriteRuns(*store, "a-", 150); });
  std::thread b([&] { WriteRuns(*store, "b-", 150); });
  a.join();
  b.join();
  EXPECT_EQ(CountSucceeded(DbPath()), 300);
}

TEST_F(StoreTest, ConcurrentWritersOnTwoConnectionsWaitForEachOther) {
  StoreOptions options;
  // The fake clock does not really sleep; a long timeout keeps the busy wait from giving up.
  options.busy_timeout = std::chrono::hours(24);
  auto first = OpenStore(options);
  auto second = OpenStore(options);
  std::thread a([&] { WriteRuns(*first, "a-", 150); });
  std::thread b([&] { WriteRuns(*second, "b-", 150); });
  a.join();
  b.join();
  EXPECT_EQ(CountSucceeded(DbPath()), 300);
}

TEST_F(StoreTest, SettingsAreTextByKeyAndSurviveReopening) {
  auto missing = OpenStore()->GetSetting("api_token_hash");
  ASSERT_TRUE(missing.has_value()) << missing.error().ToString();
  EXPECT_EQ(*missing, std::nullopt);

  auto store = OpenStore();
  ASSERT_TRUE(store->SetSetting("api_token_hash", "first").has_value());
  ASSERT_TRUE(store->SetSetting("api_token_hash", "second").has_value());
  store.reset();
  EXPECT_EQ(OpenStore()->GetSetting("api_token_hash").value(), "second");

  auto empty_key = OpenStore()->SetSetting("", "x");
  ASSERT_FALSE(empty_key.has_value());
  EXPECT_EQ(empty_key.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(empty_key.error().subject, "key");
}

TEST(DefaultStorePathTest, UsesXdgStateHome) {
  auto path = DefaultStorePath("/var/state", "/home/ann");
  ASSERT_TRUE(path.has_value());
  EXPECT_EQ(*path, "/var/state/s3unload/s3unload.db");
}

TEST(DefaultStorePathTest, FallsBackToHomeWhenXdgStateHomeIsUnsetEmptyOrRelative) {
  for (const auto xdg : {std::optional<std::string_view>(), std::optional<std::string_view>(""),
                         std::optional<std::string_view>("state")}) {
    auto path = DefaultStorePath(xdg, "/home/ann");
    ASSERT_TRUE(path.has_value());
    EXPECT_EQ(*path, "/home/ann/.local/state/s3unload/s3unload.db");
  }
}

TEST(DefaultStorePathTest, FailsWithoutAnAbsoluteDirectory) {
  for (const auto home : {std::optional<std::string_view>(), std::optional<std::string_view>(""),
                          std::optional<std::string_view>("ann")}) {
    auto path = DefaultStorePath(std::nullopt, home);
    ASSERT_FALSE(path.has_value());
    EXPECT_EQ(path.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_THAT(path.error().message, HasSubstr("XDG_STATE_HOME"));
  }
}

}  // namespace
}  // namespace s3u::store
