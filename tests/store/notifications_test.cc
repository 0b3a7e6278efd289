#include "store/notifications.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store.h"
#include "test_util.h"

namespace s3u::store {
namespace {

using ::s3u::testing::RawDb;
using ::s3u::testing::SampleAwsAccount;
using ::s3u::testing::SampleDomoAccount;
using ::testing::HasSubstr;

constexpr const char* kHook = "https://hooks.example.com/services/T000/B000/XXXXsecretXXXX";

class NotificationsStoreTest : public ::s3u::testing::StoreWithSecretsTest {
 protected:
  void SetUp() override {
    StoreWithSecretsTest::SetUp();
    connector_ =
        CreateConnector("orders-daily", Create(SampleDomoAccount()), Create(SampleAwsAccount()));
  }
  NotificationRecord Sample() const {
    return {connector_, R"({"on_failure":true})", kHook, "smtp-password-1", false, 0};
  }
  std::string connector_;
};

TEST_F(NotificationsStoreTest, NoneSavedReadsAsNullopt) {
  auto got = store_->GetNotifications(connector_);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_FALSE(got->has_value());
}

TEST_F(NotificationsStoreTest, SavesSecretsSealedAndReadsThemBack) {
  auto saved = store_->SaveNotifications(Sample());
  ASSERT_TRUE(saved.has_value()) << saved.error().ToString();
  NotificationRecord expected = Sample();
  expected.updated_ms = kStartMs;
  EXPECT_EQ(*saved, expected);
  // At rest the secrets are BLOBs (PostgreSQL: BYTEA by the schema) that hold neither plaintext.
  if (url_.backend == Backend::kSqlite) {
    EXPECT_EQ(RawDb(DbPath()).QueryInt(
                  "SELECT count(*) FROM notifications WHERE typeof(webhook_url) = 'blob' "
                  "AND instr(webhook_url, CAST('XXXXsecretXXXX' AS BLOB)) = 0 AND "
                  "instr(smtp_password, CAST('smtp-password-1' AS BLOB)) = 0"),
              1);
  } else {
    EXPECT_EQ(::s3u::testing::QueryInt(
                  url_,
                  "SELECT count(*) FROM notifications WHERE position('XXXXsecretXXXX'::bytea IN "
                  "webhook_url) = 0 AND position('smtp-password-1'::bytea IN smtp_password) = 0"),
              1);
  }
  // Reopened with the key: the same values.
  auto again = Open()->GetNotifications(connector_);
  ASSERT_TRUE(again.has_value() && again->has_value());
  EXPECT_EQ(**again, expected);
}

TEST_F(NotificationsStoreTest, EmptySecretsAreStoredAsNone) {
  NotificationRecord record = Sample();
  record.webhook_url.clear();
  record.smtp_password.clear();
  ASSERT_TRUE(store_->SaveNotifications(record).has_value());
  EXPECT_EQ(::s3u::testing::QueryInt(url_,
                                     "SELECT count(*) FROM notifications WHERE webhook_url IS "
                                     "NULL AND smtp_password IS NULL"),
            1);
}

TEST_F(NotificationsStoreTest, SaveKeepsTheFailingStateAndSetChangesIt) {
  ASSERT_TRUE(store_->SaveNotifications(Sample()).has_value());
  ASSERT_TRUE(store_->SetNotificationsFailing(connector_, true).has_value());
  auto saved = store_->SaveNotifications(Sample());
  ASSERT_TRUE(saved.has_value());
  EXPECT_TRUE(saved->failing);
  ASSERT_TRUE(store_->SetNotificationsFailing(connector_, false).has_value());
  EXPECT_FALSE((*store_->GetNotifications(connector_))->failing);
}

TEST_F(NotificationsStoreTest, RefusesAnUnknownConnectorAndSettingsThatAreNotAnObject) {
  NotificationRecord record = Sample();
  record.connector_id = "con_missing";
  auto unknown = store_->SaveNotifications(record);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  record = Sample();
  record.settings_json = "[1]";
  auto bad = store_->SaveNotifications(record);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().subject, "settings_json");
}

TEST_F(NotificationsStoreTest, SecretsNeedTheKey) {
  ASSERT_TRUE(store_->SaveNotifications(Sample()).has_value());
  auto got = OpenWithoutKey()->GetNotifications(connector_);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(NotificationsStoreTest, AreDeletedWithTheirConnector) {
  ASSERT_TRUE(store_->SaveNotifications(Sample()).has_value());
  ASSERT_TRUE(store_->DeleteConnector(connector_).has_value());
  EXPECT_EQ(::s3u::testing::QueryInt(url_, "SELECT count(*) FROM notifications"), 0);
}

TEST_F(NotificationsStoreTest, DeliveriesListNewestFirstWithinTheLimit) {
  for (int i = 1; i <= 3; ++i) {
    DeliveryRecord d{0,         connector_, "run-" + std::to_string(i),
                     "failure", "webhook",  "hooks.example.com",
                     i != 2,    i,          i == 2 ? "webhook: HTTP 500" : "",
                     100 + i};
    auto id = store_->RecordDelivery(d);
    ASSERT_TRUE(id.has_value()) << id.error().ToString();
    EXPECT_EQ(*id, i);
  }
  auto list = store_->ListDeliveries(connector_, 2);
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0], (DeliveryRecord{3, connector_, "run-3", "failure", "webhook",
                                        "hooks.example.com", true, 3, "", 103}));
  EXPECT_EQ((*list)[1].run_id, "run-2");
  EXPECT_FALSE((*list)[1].delivered);
  EXPECT_EQ((*list)[1].error, "webhook: HTTP 500");
  EXPECT_TRUE(store_->ListDeliveries("con_other", 10)->empty());
  EXPECT_EQ(store_->ListDeliveries(connector_, 0).error().subject, "limit");
}

TEST_F(NotificationsStoreTest, RecordDeliveryRefusesBadValuesNamingEach) {
  DeliveryRecord d{0, "", "", "paged", "pigeon", "", false, 0, "", 1};
  auto recorded = store_->RecordDelivery(d);
  ASSERT_FALSE(recorded.has_value());
  EXPECT_EQ(recorded.error().code, ErrorCode::kInvalidArgument);
  for (const char* field : {"connector_id", "run_id", "event", "channel", "attempts"}) {
    EXPECT_THAT(recorded.error().message, HasSubstr(field));
  }
}

}  // namespace
}  // namespace s3u::store
