// Notifications delivered for real: the Notifier with its real sender (libcurl for the webhook
// and for SMTP) against a webhook receiver and Debian's aiosmtpd SMTP server
// (support/notification_receivers.h), the store real too; only time is fake, so retries do
// not wait.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/curl_client.h"
#include "service/notifier.h"
#include "store/test_util.h"
#include "support/notification_receivers.h"
#include "support/servers.h"

namespace s3u::service {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Every secret the connector has, and the path of its webhook (a Slack-like credential).
const std::vector<std::string> kSecrets = {"domo-secret-Qw7rT2", "aws-secret-Zx9LmN4",
                                           "aws-token-Hq3VbP8", "T0/B0/hook-secret-77"};

class NotificationIntegrationTest : public s3u::testing::StoreWithSecretsTest {
 protected:
  void SetUp() override {
    StoreWithSecretsTest::SetUp();
    connector_ = CreateConnector("orders-daily", Create(s3u::testing::SampleDomoAccount()),
                                 Create(s3u::testing::SampleAwsAccount()));
  }

  void Configure(const testing::NotificationReceivers& receivers, const std::string& format,
                 const std::vector<std::string>& to = {"ops@example.com"}) {
    const json body = {
        {"webhook",
         {{"url", receivers.webhook_url("/services/T0/B0/hook-secret-77")}, {"format", format}}},
        {"email",
         {{"smtp_url", receivers.smtp_url()}, {"from", "s3unload@example.com"}, {"to", to}}}};
    auto form = ParseNotificationForm(body, nullptr);
    ASSERT_TRUE(form.has_value());
    ASSERT_TRUE(store_->SaveNotifications(NotificationsToRecord(connector_, *form)).has_value());
  }

  // Records run `id` ending with `status`, its error quoting every secret, and tells `notifier`.
  void End(Notifier& notifier, const std::string& id, RunStatus status, bool retry_scheduled,
           const std::string& message = "Domo answered 503 to a request signed with " +
                                        kSecrets[0] + " " + kSecrets[1] + " " + kSecrets[2] +
                                        " after POST /services/" + kSecrets[3]) {
    store::RunRecord run = s3u::testing::SampleRun(id, kStartMs + 1000 * ++runs_);
    run.connector_id = connector_;
    ASSERT_TRUE(store_->BeginRun(run).has_value());
    store::RunResult result;
    if (status != RunStatus::kSucceeded) {
      result.error_code = "unavailable";
      result.error_message = message;
    }
    ASSERT_TRUE(store_->FinishRun(id, status, run.started_ms + 500, result).has_value());
    notifier.OnRunEnded({connector_, id, status, run.started_ms + 500}, retry_scheduled);
  }

  std::vector<store::DeliveryRecord> Deliveries() {
    auto list = store_->ListDeliveries(connector_, 100);
    EXPECT_TRUE(list.has_value());
    return list ? *list : std::vector<store::DeliveryRecord>{};
  }

  std::string connector_;
  int runs_ = 0;
  http::CurlHttpClient http_;
  CurlNotificationSender sender_{http_};
  Logger log_{LogLevel::kOff};
};

TEST_F(NotificationIntegrationTest, FailureThenRecoveryArriveOnceEachWithoutSecrets) {
  testing::NotificationReceivers receivers(/*webhook_failures=*/1);
  Configure(receivers, "json");
  {
    Notifier notifier(*store_, clock_, sender_, log_, std::make_unique<InlineExecutor>());
    End(notifier, "r1", RunStatus::kFailed, /*retry_scheduled=*/true);
    End(notifier, "r2", RunStatus::kFailed, false);
    End(notifier, "r3", RunStatus::kSucceeded, false);
    End(notifier, "r4", RunStatus::kSucceeded, false);
  }
  const auto hooks = receivers.Webhooks();
  ASSERT_EQ(hooks.size(), 2u);
  EXPECT_EQ(json::parse(hooks[0])["event"], "failure");
  EXPECT_EQ(json::parse(hooks[0])["run"]["id"], "r2");
  EXPECT_EQ(json::parse(hooks[1])["event"], "recovery");
  EXPECT_EQ(json::parse(hooks[1])["run"]["id"], "r3");

  const auto mails = receivers.Mails();
  ASSERT_EQ(mails.size(), 2u);
  EXPECT_THAT(mails[0], HasSubstr("X-Envelope-From: s3unload@example.com\r\n"));
  EXPECT_THAT(mails[0], HasSubstr("X-Envelope-To: ops@example.com\r\n"));
  EXPECT_THAT(mails[0], HasSubstr("Subject: [s3unload] orders-daily failed"));
  EXPECT_THAT(mails[0], HasSubstr("From: <s3unload@example.com>"));
  EXPECT_THAT(mails[0], HasSubstr("Domo answered 503"));
  EXPECT_THAT(mails[1], HasSubstr("Subject: [s3unload] orders-daily recovered"));

  for (const std::string& got : {hooks[0], hooks[1], mails[0], mails[1]}) {
    for (const std::string& secret : kSecrets) EXPECT_THAT(got, Not(HasSubstr(secret)));
  }
  // The webhook's first answer was 503: delivered at the second attempt, and recorded so.
  const auto deliveries = Deliveries();
  ASSERT_EQ(deliveries.size(), 4u);
  std::vector<std::string> seen;
  for (auto it = deliveries.rbegin(); it != deliveries.rend(); ++it) {
    EXPECT_TRUE(it->delivered) << it->error;
    seen.push_back(it->event + " " + it->channel + " " + std::to_string(it->attempts));
    for (const std::string& secret : kSecrets) EXPECT_THAT(it->target, Not(HasSubstr(secret)));
  }
  EXPECT_THAT(seen, ElementsAre("failure webhook 2", "failure email 1", "recovery webhook 1",
                                "recovery email 1"));
}

TEST_F(NotificationIntegrationTest, SlackShapeArrivesAsText) {
  testing::NotificationReceivers receivers;
  Configure(receivers, "slack");
  {
    Notifier notifier(*store_, clock_, sender_, log_, std::make_unique<InlineExecutor>());
    End(notifier, "r1", RunStatus::kFailed, false);
  }
  const auto hooks = receivers.Webhooks();
  ASSERT_EQ(hooks.size(), 1u);
  const json body = json::parse(hooks[0]);
  EXPECT_EQ(body.size(), 1u);
  EXPECT_THAT(body["text"].get<std::string>(), HasSubstr("s3unload: orders-daily failed (run r1"));
}

TEST_F(NotificationIntegrationTest, ARefusedRecipientIsRecordedNotRetriedAndTheWebhookStillGoes) {
  testing::NotificationReceivers receivers;
  Configure(receivers, "json", {"nobody@example.com"});
  {
    Notifier notifier(*store_, clock_, sender_, log_, std::make_unique<InlineExecutor>());
    End(notifier, "r1", RunStatus::kFailed, false);
  }
  EXPECT_EQ(receivers.Webhooks().size(), 1u);
  EXPECT_TRUE(receivers.Mails().empty());
  const auto deliveries = Deliveries();
  ASSERT_EQ(deliveries.size(), 2u);
  const store::DeliveryRecord& mail =
      deliveries[0].channel == "email" ? deliveries[0] : deliveries[1];
  EXPECT_FALSE(mail.delivered);
  EXPECT_EQ(mail.attempts, 1);
  EXPECT_THAT(mail.error, HasSubstr("550"));
}

TEST_F(NotificationIntegrationTest, AnSmtpServerThatIsDownIsRetriedThenGivenUp) {
  const int port = testing::FreePorts(1);
  const json body = {{"email",
                      {{"smtp_url", "smtp://127.0.0.1:" + std::to_string(port)},
                       {"from", "s3unload@example.com"},
                       {"to", {"ops@example.com"}}}}};
  auto form = ParseNotificationForm(body, nullptr);
  ASSERT_TRUE(form.has_value());
  ASSERT_TRUE(store_->SaveNotifications(NotificationsToRecord(connector_, *form)).has_value());
  {
    Notifier notifier(*store_, clock_, sender_, log_, std::make_unique<InlineExecutor>());
    End(notifier, "r1", RunStatus::kFailed, false);
  }
  const auto deliveries = Deliveries();
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_FALSE(deliveries[0].delivered);
  EXPECT_EQ(deliveries[0].attempts, 5);
  EXPECT_EQ(clock_.Sleeps().size(), 4u);  // fake time: no real waiting
}

TEST_F(NotificationIntegrationTest, ALongErrorAndANameBeyondAsciiArriveWholeInShortLines) {
  testing::NotificationReceivers receivers;
  Configure(receivers, "json");
  auto connector = store_->GetConnector(connector_);
  ASSERT_TRUE(connector.has_value());
  connector->name = "commandes-journalières-" + std::string(60, 'e') + "-été-Ωmega";
  ASSERT_TRUE(store_->UpdateConnector(*connector).has_value());
  // One line of ~5 KiB: UTF-8, '=', tabs, a '.' after a space, and a space at its very end.
  std::string message;
  for (int i = 0; i < 300; ++i) message += "clé=" + std::to_string(i) + "\tvaleur . ";
  {
    Notifier notifier(*store_, clock_, sender_, log_, std::make_unique<InlineExecutor>());
    End(notifier, "r1", RunStatus::kFailed, false, message);
  }
  const auto mails = receivers.Mails();
  const auto decoded = receivers.DecodedMails();
  ASSERT_EQ(mails.size(), 1u);
  ASSERT_EQ(decoded.size(), 1u);
  // What Python's email package decodes is exactly the subject and the message sent.
  EXPECT_THAT(decoded[0], HasSubstr("Subject: [s3unload] " + connector->name + " failed\n"));
  EXPECT_THAT(decoded[0], HasSubstr(message + "\n"));
  // As sent: no line beyond 76 characters (RFC 2045; SMTP's own limit is 998).
  const std::string& raw = mails[0];
  size_t start = 0;
  for (size_t end = raw.find("\r\n"); end != std::string::npos; end = raw.find("\r\n", start)) {
    EXPECT_LE(end - start, 76u) << raw.substr(start, end - start);
    start = end + 2;
  }
  EXPECT_THAT(raw, HasSubstr("Content-Transfer-Encoding: quoted-printable\r\n"));
}

}  // namespace
}  // namespace s3u::service
