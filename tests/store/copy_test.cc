// CopyStore (`s3unload store migrate`) on the backend under test; the round trip through the
// other backend is in postgres_test.cc.
#include "store/copy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.h"

namespace s3u::store {
namespace {

using ::s3u::testing::DumpStore;
using ::s3u::testing::QueryInt;
using ::testing::HasSubstr;

class CopyStoreTest : public ::s3u::testing::StoreWithSecretsTest {
 protected:
  // A store at `url` with the fixture's key attached.
  std::unique_ptr<Store> OpenAt(const StoreUrl& url) {
    auto opened = Store::Open(url, clock_);
    EXPECT_TRUE(opened.has_value()) << opened.error().ToString();
    if (!opened) return nullptr;
    auto box = SecretBox::LoadOrCreate(KeyPathFor(DbPath()));
    EXPECT_TRUE(box.has_value());
    if (box) (*opened)->AttachSecrets(std::move(*box));
    return std::move(*opened);
  }

  ::s3u::testing::TempDir other_dir_;
  const StoreUrl other_url_ = ::s3u::testing::TestStoreUrl(other_dir_.path());
};

TEST_F(CopyStoreTest, TheCopyOrderNamesEveryTableOfTheSchema) {
  const std::string tables =
      url_.backend == Backend::kSqlite
          ? "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
          : "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND "
            "tablename <> 's3unload_schema'";
  EXPECT_EQ(QueryInt(url_, tables), static_cast<int64_t>(kCopyOrder.size()));
  for (const std::string_view table : kCopyOrder) {
    EXPECT_EQ(QueryInt(url_, "SELECT count(*) FROM " + std::string(table)), 0) << table;
  }
}

TEST_F(CopyStoreTest, CopiesEveryRowAndSealedSecretIntoAnEmptyStore) {
  ::s3u::testing::FillEveryTable(*store_);
  auto target = OpenAt(other_url_);
  ASSERT_NE(target, nullptr);
  auto report = CopyStore(*store_, *target);
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  ASSERT_EQ(report->rows.size(), kCopyOrder.size());
  for (const auto& [table, rows] : report->rows) EXPECT_GT(rows, 0) << table;
  EXPECT_EQ(DumpStore(other_url_, kCopyOrder), DumpStore(url_, kCopyOrder));
  // The copy opens its secrets with the same key, and goes on numbering deliveries.
  auto accounts = target->ListAccounts();
  ASSERT_TRUE(accounts.has_value());
  auto domo = target->GetAccount(accounts->front().id);
  ASSERT_TRUE(domo.has_value()) << domo.error().ToString();
  EXPECT_EQ(domo->domo_client_secret, ::s3u::testing::SampleDomoAccount().domo_client_secret);
  DeliveryRecord next{0, "c", "r", "success", "webhook", "hooks.example", true, 1, "", 1};
  auto id = target->RecordDelivery(next);
  ASSERT_TRUE(id.has_value()) << id.error().ToString();
  EXPECT_GT(*id, 1);
}

TEST_F(CopyStoreTest, RefusesATargetThatIsNotEmptyAndLeavesItAlone) {
  ::s3u::testing::FillEveryTable(*store_);
  auto target = OpenAt(other_url_);
  ASSERT_NE(target, nullptr);
  ASSERT_TRUE(target->SetSetting("api_token_hash", "theirs").has_value());
  const auto before = DumpStore(other_url_, kCopyOrder);
  auto report = CopyStore(*store_, *target);
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(report.error().subject, target->location());
  EXPECT_THAT(report.error().message, HasSubstr("table settings has 1 rows"));
  EXPECT_EQ(DumpStore(other_url_, kCopyOrder), before);
}

}  // namespace
}  // namespace s3u::store
