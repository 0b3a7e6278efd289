// `s3unload store migrate` and `store new-key` on SQLite stores (the PostgreSQL copy is tested in
// tests/store/postgres_test.cc), and how commands find the store and its key.
#include "cli/store_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "cli/env.h"
#include "store/copy.h"
#include "store/test_util.h"

namespace s3u::cli {
namespace {

using ::s3u::testing::DumpStore;
using ::s3u::testing::ModeOf;
using ::s3u::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

Getenv EnvOf(std::map<std::string, std::string> values) {
  return [values](std::string_view name) -> std::optional<std::string> {
    auto found = values.find(std::string(name));
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

TEST(ResolveStoreUrlTest, FlagThenEnvironmentThenTheXdgDefault) {
  const Getenv env = EnvOf({{"S3UNLOAD_STORE", "postgresql://u:pw@db/s3u"}, {"HOME", "/home/a"}});
  auto flag = ResolveStoreUrl("sqlite:///srv/s3u.db", env);
  ASSERT_TRUE(flag.has_value());
  EXPECT_EQ(flag->path, "/srv/s3u.db");
  auto from_env = ResolveStoreUrl("", env);
  ASSERT_TRUE(from_env.has_value());
  EXPECT_EQ(from_env->backend, store::Backend::kPostgres);
  EXPECT_EQ(from_env->redacted, "postgresql://u:***@db/s3u");
  auto fallback = ResolveStoreUrl("", EnvOf({{"HOME", "/home/a"}}));
  ASSERT_TRUE(fallback.has_value());
  EXPECT_EQ(fallback->backend, store::Backend::kSqlite);
  EXPECT_EQ(fallback->path, "/home/a/.local/state/s3unload/s3unload.db");
}

TEST(ResolveStoreUrlTest, ABadUrlIsAnInvalidArgumentNamingTheStore) {
  auto bad = ResolveStoreUrl("", EnvOf({{"S3UNLOAD_STORE", "mysql://u:pw@db/x"}}));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().subject, "store");
}

TEST(ResolveSecretKeySourceTest, TakesTheFlagAndTheEnvironment) {
  auto source =
      ResolveSecretKeySource("/etc/s3unload/key", EnvOf({{"S3UNLOAD_SECRET_KEY", "a2V5"}}));
  EXPECT_EQ(source.key_file, "/etc/s3unload/key");
  EXPECT_EQ(source.key_base64, "a2V5");
  auto none = ResolveSecretKeySource("", EnvOf({}));
  EXPECT_TRUE(none.key_file.empty());
  EXPECT_TRUE(none.key_base64.empty());
}

class StoreCommandTest : public ::s3u::testing::StoreWithSecretsTest {
 protected:
  // Runs migrate with --json; its exit code, its stdout in `out_`.
  int Migrate(const std::string& from, const std::string& to) {
    ::testing::internal::CaptureStdout();
    const int code = RunStoreMigrate(from, to, /*json=*/true);
    out_ = ::testing::internal::GetCapturedStdout();
    return code;
  }
  std::string out_;
};

TEST_F(StoreCommandTest, MigrateCopiesEveryRowAndSaysSo) {
  ::s3u::testing::FillEveryTable(*store_);
  const auto target = dir_.path() / "copy.db";
  ASSERT_EQ(Migrate(DbPath().string(), "sqlite://" + target.string()), 0) << out_;
  const auto summary = nlohmann::json::parse(out_);
  EXPECT_EQ(summary["status"], "ok");
  EXPECT_EQ(summary["rows"]["accounts"], 3);
  EXPECT_EQ(summary["rows"]["run_log"], 2);
  EXPECT_EQ(summary["to"], target.string());
  EXPECT_EQ(DumpStore(store::SqliteStoreUrl(target), store::kCopyOrder),
            DumpStore(url_, store::kCopyOrder));
}

TEST_F(StoreCommandTest, MigrateRefusesATargetWithRowsAndTheSameStore) {
  ::s3u::testing::FillEveryTable(*store_);
  const auto target = dir_.path() / "copy.db";
  ASSERT_EQ(Migrate(DbPath().string(), target.string()), 0) << out_;
  EXPECT_EQ(Migrate(DbPath().string(), target.string()),
            ExitCodeFor(ErrorCode::kFailedPrecondition));
  EXPECT_THAT(out_, HasSubstr("not empty"));
  EXPECT_EQ(Migrate(DbPath().string(), DbPath().string()),
            ExitCodeFor(ErrorCode::kInvalidArgument));
  EXPECT_EQ(nlohmann::json::parse(out_)["subject"], "--to");
}

TEST_F(StoreCommandTest, MigrateNamesTheFlagOfABadUrlWithoutItsPassword) {
  EXPECT_EQ(Migrate("mysql://root:Hunter22@db/x", DbPath().string()),
            ExitCodeFor(ErrorCode::kInvalidArgument));
  EXPECT_EQ(nlohmann::json::parse(out_)["subject"], "--from");
  EXPECT_THAT(out_, Not(HasSubstr("Hunter22")));
}

TEST(StoreNewKeyTest, WritesAPrivateKeyOnceAndRefusesToReplaceIt) {
  TempDir dir;
  const auto key = dir.path() / "fleet.key";
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunStoreNewKey(key.string(), /*json=*/true), 0);
  EXPECT_EQ(nlohmann::json::parse(::testing::internal::GetCapturedStdout())["key_file"],
            key.string());
  EXPECT_EQ(ModeOf(key), 0600);
  EXPECT_EQ(std::filesystem::file_size(key), store::SecretBox::kKeyBytes);
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunStoreNewKey(key.string(), /*json=*/true),
            ExitCodeFor(ErrorCode::kFailedPrecondition));
  EXPECT_THAT(::testing::internal::GetCapturedStdout(), HasSubstr("never replaced"));
}

}  // namespace
}  // namespace s3u::cli
