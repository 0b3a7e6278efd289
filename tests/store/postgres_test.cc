// What only a PostgreSQL store does: its connection errors, losing and regaining the server,
// and several Stores (processes) writing to one database.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "store/copy.h"
#include "store/migrations.h"
#include "store/store.h"
#include "support/postgres_server.h"
#include "test_util.h"

namespace s3u::store {
namespace {

using ::s3u::testing::PostgresServer;
using ::testing::HasSubstr;
using ::testing::Not;

class PostgresStoreTest : public ::s3u::testing::StoreWithSecretsTest {};

TEST_F(PostgresStoreTest, TheSchemaIsAtTheLatestVersionAndTextSortsByteByByte) {
  EXPECT_EQ(::s3u::testing::QueryInt(url_, "SELECT version FROM s3unload_schema"),
            Migrations().back().version);
  EXPECT_EQ(::s3u::testing::QueryInt(url_, "SELECT application_id FROM s3unload_schema"),
            kApplicationId);
  // Upper case before lower case, as SQLite's binary collation orders them.
  for (const char* name : {"beta", "Alpha", "alpha", "Beta"}) {
    ASSERT_TRUE(store_->SetSetting(name, "x").has_value());
  }
  EXPECT_EQ(::s3u::testing::QueryInt(
                url_,
                "SELECT count(*) FROM (SELECT key, row_number() OVER (ORDER BY key) AS n "
                "FROM settings) s WHERE (key, n) IN (('Alpha', 1), ('Beta', 2), ('alpha', "
                "3), ('beta', 4))"),
            4);
}

TEST_F(PostgresStoreTest, ReopeningKeepsTheDataAndMigratesNothingTwice) {
  ASSERT_TRUE(store_->SetSetting("token_hash", "abc").has_value());
  store_.reset();
  auto again = Open();
  ASSERT_NE(again, nullptr);
  auto value = again->GetSetting("token_hash");
  ASSERT_TRUE(value.has_value()) << value.error().ToString();
  EXPECT_EQ(*value, "abc");
}

TEST_F(PostgresStoreTest, ADatabaseOfAnotherApplicationIsRefused) {
  auto other = ParseStoreUrl(PostgresServer::Shared().CreateDatabase());
  ASSERT_TRUE(other.has_value());
  ASSERT_TRUE(::s3u::testing::ExecRaw(*other, "CREATE TABLE invoices (id BIGINT)").has_value());
  auto opened = Store::Open(*other, clock_);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(opened.error().message, HasSubstr("another application"));
}

TEST_F(PostgresStoreTest, AWrongPasswordIsUnauthenticatedAndNeverQuoted) {
  PostgresServer& server = PostgresServer::Shared();
  const std::string text = server.UrlWithWrongPassword("postgres");
  auto url = ParseStoreUrl(text);
  ASSERT_TRUE(url.has_value());
  auto opened = Store::Open(*url, clock_);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnauthenticated);
  const std::string said = opened.error().ToString();
  EXPECT_THAT(said, HasSubstr("127.0.0.1:" + std::to_string(server.port())));
  EXPECT_THAT(said, HasSubstr(":***@"));
  EXPECT_THAT(said, Not(HasSubstr("Wr0ng-")));
  EXPECT_THAT(said, Not(HasSubstr(server.password())));
}

TEST_F(PostgresStoreTest, AServerThatIsNotThereIsUnavailableWithoutThePassword) {
  PostgresServer& server = PostgresServer::Shared();
  // A port nothing listens on: the server's own, while it is stopped.
  server.Stop();
  auto opened = Store::Open(url_, clock_);
  server.Start();
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(opened.error().ToString(), Not(HasSubstr(server.password())));
  EXPECT_EQ(opened.error().subject, url_.redacted);
}

TEST_F(PostgresStoreTest, ACallAfterTheServerRestartedReconnects) {
  ASSERT_TRUE(store_->SetSetting("before", "1").has_value());
  PostgresServer::Shared().Restart();
  // The old connection was cut: the next call opens a new one and succeeds.
  ASSERT_TRUE(store_->SetSetting("after", "2").has_value());
  auto before = store_->GetSetting("before");
  ASSERT_TRUE(before.has_value()) << before.error().ToString();
  EXPECT_EQ(*before, "1");
}

TEST_F(PostgresStoreTest, CallsWhileTheServerIsDownAreUnavailableAndWorkOnceItIsBack) {
  PostgresServer& server = PostgresServer::Shared();
  server.Stop();
  auto down = store_->SetSetting("k", "v");
  server.Start();
  ASSERT_FALSE(down.has_value());
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(down.error().ToString(), Not(HasSubstr(server.password())));
  ASSERT_TRUE(store_->SetSetting("k", "v").has_value());
}

TEST_F(PostgresStoreTest, AServerBackWithinTheLockTimeoutIsWaitedFor) {
  PostgresServer& server = PostgresServer::Shared();
  server.Stop();
  // Back after 2 s of the store's clock (its waits between attempts move it): the call waits
  // for it instead of failing, and nothing of the transaction ran twice.
  clock_.CallAt(clock_.Monotonic() + std::chrono::seconds(2), [&] { server.Start(); });
  ASSERT_TRUE(store_->SetSetting("k", "v").has_value());
  EXPECT_EQ(*store_->GetSetting("k"), "v");
  EXPECT_TRUE(server.running());
}

TEST_F(PostgresStoreTest, WritersOfTwoStoresOnOneDatabaseAreSerialized) {
  auto other = Open();
  ASSERT_NE(other, nullptr);
  const Account domo = Create(::s3u::testing::SampleDomoAccount());
  const Account aws = Create(::s3u::testing::SampleAwsAccount());
  // Both stores create the same names: the name check and the insert run under the write lock,
  // so of each pair one lands and the other is told the name is taken (never a raw constraint
  // violation from a check that raced the other insert).
  constexpr int kNames = 30;
  std::vector<Error> refused[2];
  auto writer = [&](Store& store, std::vector<Error>& errors) {
    for (int i = 0; i < kNames; ++i) {
      ConnectorRecord connector;
      connector.name = "c-" + std::to_string(i);
      connector.domo_account_id = domo.id;
      connector.aws_account_id = aws.id;
      connector.settings_json = connector.schedule_json = connector.retry_json = "{}";
      auto created = store.CreateConnector(connector);
      if (!created) errors.push_back(created.error());
    }
  };
  std::thread a(writer, std::ref(*store_), std::ref(refused[0]));
  std::thread b(writer, std::ref(*other), std::ref(refused[1]));
  a.join();
  b.join();
  EXPECT_EQ(refused[0].size() + refused[1].size(), static_cast<size_t>(kNames));
  for (const auto& errors : refused) {
    for (const Error& error : errors) {
      EXPECT_EQ(error.code, ErrorCode::kFailedPrecondition) << error.ToString();
      EXPECT_EQ(error.subject, "name");
    }
  }
  auto listed = store_->ListConnectors();
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->size(), static_cast<size_t>(kNames));
}

TEST_F(PostgresStoreTest, MigratingSqliteToPostgresAndBackKeepsEveryRowAndSecret) {
  const StoreUrl sqlite = SqliteStoreUrl(dir_.path() / "original.db");
  const StoreUrl back = SqliteStoreUrl(dir_.path() / "back.db");
  auto open = [&](const StoreUrl& url) {
    auto opened = Store::Open(url, clock_);
    EXPECT_TRUE(opened.has_value()) << opened.error().ToString();
    auto box = SecretBox::LoadOrCreate(KeyPathFor(DbPath()));  // one key for all three
    EXPECT_TRUE(box.has_value());
    if (opened && box) (*opened)->AttachSecrets(std::move(*box));
    return opened ? std::move(*opened) : nullptr;
  };
  auto original = open(sqlite);
  ASSERT_NE(original, nullptr);
  ::s3u::testing::FillEveryTable(*original);
  ASSERT_TRUE(CopyStore(*original, *store_).has_value());
  auto returned = open(back);
  ASSERT_NE(returned, nullptr);
  auto report = CopyStore(*store_, *returned);
  ASSERT_TRUE(report.has_value()) << report.error().ToString();

  const auto dump = ::s3u::testing::DumpStore(sqlite, kCopyOrder);
  EXPECT_EQ(dump.size(), 13u);  // 3 accounts, 1 connector, notifications, setting, run,
                                // 2 log lines, 1 upload, 2 deliveries, 1 lease
  EXPECT_EQ(::s3u::testing::DumpStore(back, kCopyOrder), dump);
  EXPECT_EQ(::s3u::testing::DumpStore(url_, kCopyOrder), dump);
  // And the secrets open on PostgreSQL under the shared key.
  auto accounts = store_->ListAccounts();
  ASSERT_TRUE(accounts.has_value());
  for (const Account& listed : *accounts) {
    auto account = store_->GetAccount(listed.id);
    ASSERT_TRUE(account.has_value()) << account.error().ToString();
  }
  auto connectors = store_->ListConnectors();
  ASSERT_TRUE(connectors.has_value() && connectors->size() == 1u);
  auto notifications = store_->GetNotifications(connectors->front().id);
  ASSERT_TRUE(notifications.has_value() && notifications->has_value());
  EXPECT_EQ((*notifications)->smtp_password, "smtp-password-1");
}

}  // namespace
}  // namespace s3u::store
