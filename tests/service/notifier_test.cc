// The Notifier over a real store, with a scripted sender, inline deliveries and a fake clock:
// which runs are told about, what is recorded, retries, and that no secret gets out.
#include "service/notifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

#include "store/test_util.h"

namespace s3u::service {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kHook = "https://hooks.example.com/services/T0/B0/hook-secret-77";

// Records what would be sent; answers from a script (OK once it is empty).
class ScriptedSender final : public NotificationSender {
 public:
  Result<void> PostWebhook(const std::string& url, const std::string& body) override {
    webhooks.push_back({url, body});
    return Next();
  }
  Result<void> SendMail(const http::MailRequest& mail) override {
    mails.push_back(mail);
    return Next();
  }
  std::vector<std::pair<std::string, std::string>> webhooks;
  std::vector<http::MailRequest> mails;
  std::deque<Result<void>> script;

 private:
  Result<void> Next() {
    if (script.empty()) return {};
    Result<void> next = script.front();
    script.pop_front();
    return next;
  }
};

class NotifierTest : public s3u::testing::StoreWithSecretsTest {
 protected:
  void SetUp() override {
    StoreWithSecretsTest::SetUp();
    connector_ = CreateConnector("orders-daily", Create(s3u::testing::SampleDomoAccount()),
                                 Create(s3u::testing::SampleAwsAccount()));
    NotifierOptions options;
    options.random = [] { return 0.5; };
    notifier_ = std::make_unique<Notifier>(*store_, clock_, sender_, log_,
                                           std::make_unique<InlineExecutor>(), options);
  }

  void Configure(json body) {
    auto form = ParseNotificationForm(body, nullptr);
    ASSERT_TRUE(form.has_value());
    ASSERT_TRUE(store_->SaveNotifications(NotificationsToRecord(connector_, *form)).has_value());
  }
  json BothChannels() const {
    return {{"webhook", {{"url", kHook}}},
            {"email",
             {{"smtp_url", "smtp://127.0.0.1:2525"},
              {"username", "bot"},
              {"password", "smtp-pass-9"},
              {"from", "s3unload@example.com"},
              {"to", {"ops@example.com"}}}}};
  }

  // Records run `id` ending with `status` (a failure with `message`), then tells the notifier.
  void End(const std::string& id, RunStatus status, bool retry_scheduled,
           const std::string& message = "Domo answered 503") {
    store::RunRecord run = s3u::testing::SampleRun(id, kStartMs + 1000 * ++runs_);
    run.connector_id = connector_;
    ASSERT_TRUE(store_->BeginRun(run).has_value());
    store::RunResult result;
    if (status != RunStatus::kSucceeded) {
      result.error_code = "unavailable";
      result.error_message = message;
    }
    const int64_t finished = run.started_ms + 500;
    ASSERT_TRUE(store_->FinishRun(id, status, finished, result).has_value());
    notifier_->OnRunEnded({connector_, id, status, finished}, retry_scheduled);
  }

  std::vector<std::string> Events() const {
    std::vector<std::string> events;
    for (const auto& [url, body] : sender_.webhooks) events.push_back(json::parse(body)["event"]);
    return events;
  }
  std::vector<store::DeliveryRecord> Deliveries() {
    auto list = store_->ListDeliveries(connector_, 100);
    EXPECT_TRUE(list.has_value());
    return list ? *list : std::vector<store::DeliveryRecord>{};
  }

  std::string connector_;
  int runs_ = 0;
  ScriptedSender sender_;
  std::vector<std::string> lines_;
  Logger log_{LogLevel::kInfo,
              [this](LogLevel, std::string_view line) { lines_.emplace_back(line); }};
  std::unique_ptr<Notifier> notifier_;
};

TEST_F(NotifierTest, FailureThenRecoveryIsOneOfEachOnEveryChannel) {
  Configure(BothChannels());
  End("r1", RunStatus::kFailed, /*retry_scheduled=*/true);
  EXPECT_TRUE(sender_.webhooks.empty());
  End("r2", RunStatus::kFailed, false);
  End("r3", RunStatus::kSucceeded, false);
  End("r4", RunStatus::kSucceeded, false);
  EXPECT_THAT(Events(), ElementsAre("failure", "recovery"));
  ASSERT_EQ(sender_.mails.size(), 2u);
  EXPECT_THAT(sender_.mails[0].message, HasSubstr("Subject: [s3unload] orders-daily failed"));
  EXPECT_THAT(sender_.mails[1].message, HasSubstr("Subject: [s3unload] orders-daily recovered"));
  EXPECT_EQ(sender_.mails[0].password, "smtp-pass-9");  // to the server, and nowhere else
  const auto deliveries = Deliveries();
  ASSERT_EQ(deliveries.size(), 4u);
  for (const auto& d : deliveries) {
    EXPECT_TRUE(d.delivered);
    EXPECT_EQ(d.attempts, 1);
  }
  EXPECT_EQ(deliveries[0].run_id, "r3");
  EXPECT_EQ(deliveries[0].event, "recovery");
  EXPECT_EQ(deliveries[3].run_id, "r2");
  EXPECT_EQ(deliveries[3].event, "failure");
  const auto targets = std::set<std::string>{deliveries[0].target, deliveries[1].target};
  EXPECT_EQ(targets, (std::set<std::string>{"hooks.example.com", "smtp://127.0.0.1:2525"}));
}

TEST_F(NotifierTest, TheFailingStateSurvivesARestart) {
  Configure(BothChannels());
  End("r1", RunStatus::kFailed, false);
  notifier_ = std::make_unique<Notifier>(*store_, clock_, sender_, log_,
                                         std::make_unique<InlineExecutor>());
  End("r2", RunStatus::kSucceeded, false);
  EXPECT_THAT(Events(), ElementsAre("failure", "recovery"));
}

TEST_F(NotifierTest, NothingIsSentWithoutSettings) {
  End("r1", RunStatus::kFailed, false);
  End("r2", RunStatus::kSucceeded, false);
  EXPECT_TRUE(sender_.webhooks.empty());
  EXPECT_TRUE(sender_.mails.empty());
  EXPECT_TRUE(Deliveries().empty());
}

TEST_F(NotifierTest, NoSecretReachesWhatIsSentOrRecorded) {
  Configure(BothChannels());
  // A run error that, against all odds, quotes every secret the connector has.
  const std::string leak = std::string("boom domo-secret-Qw7rT2 aws-secret-Zx9LmN4 ") +
                           "aws-token-Hq3VbP8 " + kHook + " smtp-pass-9";
  sender_.script = {Fail(ErrorCode::kFailedPrecondition, "webhook", "refused " + leak)};
  End("r1", RunStatus::kFailed, false, leak);
  ASSERT_EQ(sender_.webhooks.size(), 1u);
  ASSERT_EQ(sender_.mails.size(), 1u);
  std::string everything = sender_.webhooks[0].second + sender_.mails[0].message;
  for (const auto& d : Deliveries()) everything += d.error + d.target;
  for (const auto& line : lines_) everything += line;
  for (const char* secret : {"domo-secret-Qw7rT2", "aws-secret-Zx9LmN4", "aws-token-Hq3VbP8",
                             "hook-secret-77", "smtp-pass-9"}) {
    EXPECT_THAT(everything, Not(HasSubstr(secret))) << secret;
  }
  EXPECT_THAT(everything, HasSubstr("boom"));
}

TEST_F(NotifierTest, TransientFailuresAreRetriedWithBackoff) {
  Configure({{"webhook", {{"url", kHook}}}});
  sender_.script = {Fail(ErrorCode::kUnavailable, "webhook", "HTTP 503"),
                    Fail(ErrorCode::kResourceExhausted, "webhook", "HTTP 429")};
  End("r1", RunStatus::kFailed, false);
  EXPECT_EQ(sender_.webhooks.size(), 3u);
  // Full jitter at 0.5: half the 2 s window, then half the 5 s throttle window doubled.
  EXPECT_THAT(clock_.Sleeps(),
              ElementsAre(std::chrono::milliseconds(1000), std::chrono::milliseconds(5000)));
  const auto deliveries = Deliveries();
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_TRUE(deliveries[0].delivered);
  EXPECT_EQ(deliveries[0].attempts, 3);
}

TEST_F(NotifierTest, AReceiverThatStaysDownIsGivenUpOnAndRecorded) {
  Configure({{"webhook", {{"url", kHook}}}});
  for (int i = 0; i < 10; ++i) {
    sender_.script.push_back(Fail(ErrorCode::kUnavailable, "webhook", "HTTP 503"));
  }
  End("r1", RunStatus::kFailed, false);
  EXPECT_EQ(sender_.webhooks.size(), 5u);  // NotifierOptions::retry.max_attempts
  const auto deliveries = Deliveries();
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_FALSE(deliveries[0].delivered);
  EXPECT_EQ(deliveries[0].attempts, 5);
  EXPECT_THAT(deliveries[0].error, HasSubstr("HTTP 503"));
  EXPECT_THAT(lines_.back(), HasSubstr("not delivered after 5 attempt(s)"));
}

TEST_F(NotifierTest, ARefusalIsNotRetried) {
  Configure({{"webhook", {{"url", kHook}}}});
  sender_.script = {Fail(ErrorCode::kFailedPrecondition, "webhook", "HTTP 404")};
  End("r1", RunStatus::kFailed, false);
  EXPECT_EQ(sender_.webhooks.size(), 1u);
  EXPECT_FALSE(Deliveries().at(0).delivered);
}

}  // namespace
}  // namespace s3u::service
