#include "service/notifications.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace s3u::service {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kHook = "https://hooks.slack.com/services/T0/B0/secretpath123";

std::vector<std::string> Fields(const FieldErrors& errors) {
  std::vector<std::string> fields;
  for (const FieldError& e : errors) fields.push_back(e.field);
  return fields;
}

json FullBody() {
  return json{{"on_failure", true},
              {"on_recovery", true},
              {"on_success", true},
              {"webhook", {{"url", kHook}, {"format", "slack"}}},
              {"email",
               {{"smtp_url", "smtp://mail.example.com:587"},
                {"username", "s3unload"},
                {"password", "mail-pass-1"},
                {"from", "s3unload@example.com"},
                {"to", {"ops@example.com", "data@example.com"}}}}};
}

// ---- the form

TEST(NotificationFormTest, ParsesEveryField) {
  auto form = ParseNotificationForm(FullBody(), nullptr);
  ASSERT_TRUE(form.has_value());
  EXPECT_TRUE(form->on_success);
  EXPECT_EQ(form->webhook_url, kHook);
  EXPECT_EQ(form->webhook_format, "slack");
  EXPECT_EQ(form->smtp_url, "smtp://mail.example.com:587");
  EXPECT_EQ(form->smtp_password, "mail-pass-1");
  EXPECT_THAT(form->mail_to, ElementsAre("ops@example.com", "data@example.com"));
}

TEST(NotificationFormTest, DefaultsAreFailureAndRecoveryWithoutChannels) {
  auto form = ParseNotificationForm(json::object(), nullptr);
  ASSERT_TRUE(form.has_value());
  EXPECT_TRUE(form->on_failure);
  EXPECT_TRUE(form->on_recovery);
  EXPECT_FALSE(form->on_success);
  EXPECT_EQ(form->webhook_url, "");
  EXPECT_EQ(form->smtp_url, "");
}

TEST(NotificationFormTest, EveryProblemIsAFieldError) {
  json body = {{"on_failure", "yes"},
               {"colour", "red"},
               {"webhook", {{"url", "ftp://example.com/x"}, {"format", "teams"}}},
               {"email",
                {{"smtp_url", "smtp://user:pw@mail.example.com"},
                 {"password", "p4ss-word"},
                 {"from", "not an address"},
                 {"to", {"ok@example.com", 7, "a@b@c"}}}}};
  auto form = ParseNotificationForm(body, nullptr);
  ASSERT_FALSE(form.has_value());
  EXPECT_THAT(Fields(form.error()),
              ::testing::UnorderedElementsAre("colour", "on_failure", "webhook.url",
                                              "webhook.format", "email.smtp_url", "email.username",
                                              "email.from", "email.to[1]", "email.to[2]"));
  for (const FieldError& e : form.error()) EXPECT_THAT(e.message, Not(HasSubstr("pw")));
}

TEST(NotificationFormTest, UrlsNeedTheirSchemeAndAHost) {
  for (const char* url : {"http://", "https://:443/x", "javascript:alert(1)", "https://a b/",
                          "smtp://mail.example.com", "https://u@h/"}) {
    auto form = ParseNotificationForm(json{{"webhook", {{"url", url}}}}, nullptr);
    ASSERT_FALSE(form.has_value()) << url;
    EXPECT_THAT(Fields(form.error()), ElementsAre("webhook.url")) << url;
  }
  auto http =
      ParseNotificationForm(json{{"webhook", {{"url", "http://127.0.0.1:9/hook"}}}}, nullptr);
  EXPECT_TRUE(http.has_value());
  auto mail = FullBody();
  mail["email"]["smtp_url"] = "https://mail.example.com";
  auto bad = ParseNotificationForm(mail, nullptr);
  ASSERT_FALSE(bad.has_value());
  EXPECT_THAT(Fields(bad.error()), ElementsAre("email.smtp_url"));
  mail["email"]["smtp_url"] = "smtps://mail.example.com";
  EXPECT_TRUE(ParseNotificationForm(mail, nullptr).has_value());
}

TEST(NotificationFormTest, AnEmptyToListIsRefused) {
  json body = FullBody();
  body["email"]["to"] = json::array();
  auto form = ParseNotificationForm(body, nullptr);
  ASSERT_FALSE(form.has_value());
  EXPECT_THAT(Fields(form.error()), ElementsAre("email.to"));
}

TEST(NotificationFormTest, AnEditWithoutSecretsKeepsTheSavedOnes) {
  const NotificationSettings saved = *ParseNotificationForm(FullBody(), nullptr);
  json edit = FullBody();
  edit["webhook"].erase("url");
  edit["email"]["password"] = "";
  auto form = ParseNotificationForm(edit, &saved);
  ASSERT_TRUE(form.has_value());
  EXPECT_EQ(form->webhook_url, kHook);
  EXPECT_EQ(form->smtp_password, "mail-pass-1");
}

TEST(NotificationFormTest, ASavedPasswordIsNotSentToAnotherServer) {
  const NotificationSettings saved = *ParseNotificationForm(FullBody(), nullptr);
  json edit = FullBody();
  edit["email"].erase("password");
  edit["email"]["smtp_url"] = "smtp://elsewhere.example.net:587";
  auto form = ParseNotificationForm(edit, &saved);
  ASSERT_FALSE(form.has_value());
  EXPECT_THAT(Fields(form.error()), ElementsAre("email.password"));
}

TEST(NotificationFormTest, NullRemovesAChannel) {
  const NotificationSettings saved = *ParseNotificationForm(FullBody(), nullptr);
  auto form = ParseNotificationForm(json{{"webhook", nullptr}, {"email", nullptr}}, &saved);
  ASSERT_TRUE(form.has_value());
  EXPECT_EQ(form->webhook_url, "");
  EXPECT_EQ(form->smtp_url, "");
}

TEST(NotificationFormTest, RoundTripsThroughTheRecordAndShowsNoSecret) {
  const NotificationSettings settings = *ParseNotificationForm(FullBody(), nullptr);
  const store::NotificationRecord record = NotificationsToRecord("con_1", settings);
  EXPECT_THAT(record.settings_json, Not(HasSubstr("secretpath123")));
  EXPECT_THAT(record.settings_json, Not(HasSubstr("mail-pass-1")));
  auto back = NotificationsFromRecord(record);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->webhook_url, kHook);
  EXPECT_EQ(back->smtp_password, "mail-pass-1");
  EXPECT_EQ(back->mail_to, settings.mail_to);
  const std::string shown = NotificationsJson(*back, true).dump();
  EXPECT_THAT(shown, Not(HasSubstr("secretpath123")));
  EXPECT_THAT(shown, Not(HasSubstr("mail-pass-1")));
  const json j = json::parse(shown);
  EXPECT_EQ(j["webhook"],
            (json{{"url_set", true}, {"host", "hooks.slack.com"}, {"format", "slack"}}));
  EXPECT_EQ(j["email"]["password_set"], true);
  EXPECT_EQ(j["failing"], true);
}

TEST(NotificationFormTest, ADamagedRecordIsDataLoss) {
  store::NotificationRecord record{"con_1", R"({"on_failure":1})", "", "", false, 0};
  auto back = NotificationsFromRecord(record);
  ASSERT_FALSE(back.has_value());
  EXPECT_EQ(back.error().code, ErrorCode::kDataLoss);
}

// ---- the decision

TEST(DecideNotificationTest, AFailureThatWillBeRetriedIsNotToldAbout) {
  const auto d = DecideNotification({}, false, RunStatus::kFailed, /*retry_scheduled=*/true);
  EXPECT_FALSE(d.event.has_value());
  EXPECT_FALSE(d.failing);
}

TEST(DecideNotificationTest, AFinalFailureIsToldAboutEveryTime) {
  for (bool was_failing : {false, true}) {
    const auto d = DecideNotification({}, was_failing, RunStatus::kFailed, false);
    EXPECT_EQ(d.event, NotificationEvent::kFailure);
    EXPECT_TRUE(d.failing);
  }
}

TEST(DecideNotificationTest, TheFirstSuccessAfterAFailureIsARecovery) {
  const auto d = DecideNotification({}, true, RunStatus::kSucceeded, false);
  EXPECT_EQ(d.event, NotificationEvent::kRecovery);
  EXPECT_FALSE(d.failing);
  EXPECT_FALSE(DecideNotification({}, false, RunStatus::kSucceeded, false).event.has_value());
}

TEST(DecideNotificationTest, SuccessOnlyWhenAskedFor) {
  NotificationSettings s;
  s.on_success = true;
  EXPECT_EQ(DecideNotification(s, false, RunStatus::kSucceeded, false).event,
            NotificationEvent::kSuccess);
  s.on_recovery = false;
  EXPECT_EQ(DecideNotification(s, true, RunStatus::kSucceeded, false).event,
            NotificationEvent::kSuccess);
}

TEST(DecideNotificationTest, SwitchedOffEventsStillKeepTheState) {
  NotificationSettings s;
  s.on_failure = s.on_recovery = false;
  const auto failed = DecideNotification(s, false, RunStatus::kFailed, false);
  EXPECT_FALSE(failed.event.has_value());
  EXPECT_TRUE(failed.failing);
  const auto recovered = DecideNotification(s, true, RunStatus::kSucceeded, false);
  EXPECT_FALSE(recovered.event.has_value());
  EXPECT_FALSE(recovered.failing);
}

TEST(DecideNotificationTest, ACancelledRunChangesNothing) {
  for (bool was_failing : {false, true}) {
    const auto d = DecideNotification({}, was_failing, RunStatus::kCancelled, false);
    EXPECT_FALSE(d.event.has_value());
    EXPECT_EQ(d.failing, was_failing);
  }
}

// ---- the bodies

RunFacts FailedRun() {
  RunFacts f;
  f.connector_id = "con_1";
  f.connector_name = "orders-daily";
  f.run_id = "20250314T100000Z-1a2b";
  f.day = "2025-03-13";
  f.status = RunStatus::kFailed;
  f.attempt = 3;
  f.error_code = "unavailable";
  f.error_message = "Domo: 503 after 5 attempts";
  f.finished = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'741'946'400'000));
  return f;
}

TEST(NotificationBodyTest, TextSaysWhatHappened) {
  EXPECT_EQ(NotificationText(NotificationEvent::kFailure, FailedRun()),
            "s3unload: orders-daily failed (run 20250314T100000Z-1a2b, day 2025-03-13, attempt "
            "3): unavailable: Domo: 503 after 5 attempts");
  RunFacts ok = FailedRun();
  ok.status = RunStatus::kSucceeded;
  ok.error_code = ok.error_message = "";
  ok.rows = 42;
  ok.objects = 1;
  ok.bytes = 900;
  ok.day = "";
  EXPECT_EQ(NotificationText(NotificationEvent::kRecovery, ok),
            "s3unload: orders-daily recovered (run 20250314T100000Z-1a2b, attempt 3): 42 rows, "
            "1 object(s), 900 bytes");
}

TEST(NotificationBodyTest, GenericJsonBody) {
  const json body = json::parse(WebhookBody(NotificationEvent::kFailure, FailedRun(), "json"));
  EXPECT_EQ(body["event"], "failure");
  EXPECT_EQ(body["connector"], (json{{"id", "con_1"}, {"name", "orders-daily"}}));
  EXPECT_EQ(body["run"]["id"], "20250314T100000Z-1a2b");
  EXPECT_EQ(body["run"]["day"], "2025-03-13");
  EXPECT_EQ(body["run"]["status"], "FAILED");
  EXPECT_EQ(body["run"]["attempt"], 3);
  EXPECT_EQ(body["run"]["finished_at"], "2025-03-14T10:00:00Z");
  EXPECT_EQ(body["run"]["error"],
            (json{{"code", "unavailable"}, {"message", "Domo: 503 after 5 attempts"}}));
  EXPECT_EQ(body["text"], NotificationText(NotificationEvent::kFailure, FailedRun()));
}

TEST(NotificationBodyTest, SlackBodyIsTextOnly) {
  EXPECT_EQ(json::parse(WebhookBody(NotificationEvent::kFailure, FailedRun(), "slack")),
            (json{{"text", NotificationText(NotificationEvent::kFailure, FailedRun())}}));
}

TEST(NotificationBodyTest, EmailHasHeadersAndCrlfLines) {
  NotificationSettings s = *ParseNotificationForm(FullBody(), nullptr);
  const auto now =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1'741'946'401'000));
  const std::string mail = EmailMessage(NotificationEvent::kFailure, FailedRun(), s, now);
  EXPECT_THAT(mail, HasSubstr("Date: Fri, 14 Mar 2025 10:00:01 +0000\r\n"));
  EXPECT_THAT(mail, HasSubstr("From: <s3unload@example.com>\r\n"));
  EXPECT_THAT(mail, HasSubstr("To: <ops@example.com>, <data@example.com>\r\n"));
  EXPECT_THAT(mail, HasSubstr("Subject: [s3unload] orders-daily failed\r\n"));
  EXPECT_THAT(
      mail, HasSubstr("Message-ID: <20250314T100000Z-1a2b.failure.1741946401000@example.com>\r\n"));
  EXPECT_THAT(mail, HasSubstr("\r\n\r\ns3unload: orders-daily failed"));
  EXPECT_THAT(mail, HasSubstr("Content-Transfer-Encoding: quoted-printable\r\n"));
  // The first line (~120 characters) is cut by a soft break ('=' at the end of a line).
  EXPECT_THAT(mail, HasSubstr("=\r\n"));
  EXPECT_THAT(mail, HasSubstr("\r\nDay: 2025-03-13\r\nStatus: FAILED\r\n"));
  size_t line_start = 0;
  for (size_t i = 0; i < mail.size(); ++i) {
    if (mail[i] == '\n') {
      ASSERT_TRUE(i > 0 && mail[i - 1] == '\r') << "bare LF at " << i;
      EXPECT_LE(i - 1 - line_start, 76u) << "line at " << line_start;
      line_start = i + 1;
    }
  }
  EXPECT_THAT(mail, Not(HasSubstr("mail-pass-1")));
  EXPECT_THAT(mail, Not(HasSubstr("secretpath123")));
}

TEST(NotificationBodyTest, TheTextIsQuotedPrintable) {
  NotificationSettings s = *ParseNotificationForm(FullBody(), nullptr);
  RunFacts f = FailedRun();
  f.error_message = "a=b é\tend ";
  const std::string mail = EmailMessage(NotificationEvent::kFailure, f, s, f.finished);
  const std::string body = mail.substr(mail.find("\r\n\r\n") + 4);
  // '=' and UTF-8 bytes are =XX; a tab inside a line stays; a space ending the line is =20.
  EXPECT_THAT(body, HasSubstr("a=3Db =C3=A9\tend=20\r\n"));
}

TEST(NotificationBodyTest, SubjectCannotInjectHeadersAndIsEncodedBeyondAscii) {
  NotificationSettings s = *ParseNotificationForm(FullBody(), nullptr);
  RunFacts f = FailedRun();
  f.connector_name = "evil\r\nBcc: victim@example.com";
  const std::string mail = EmailMessage(NotificationEvent::kFailure, f, s, f.finished);
  const std::string headers = mail.substr(0, mail.find("\r\n\r\n"));
  EXPECT_THAT(headers, HasSubstr("Subject: [s3unload] evil  Bcc: victim@example.com failed\r\n"));
  EXPECT_THAT(headers, Not(HasSubstr("\r\nBcc:")));
  f.connector_name = "commandes-journalières";
  const std::string encoded = EmailMessage(NotificationEvent::kFailure, f, s, f.finished);
  EXPECT_THAT(encoded, HasSubstr("Subject: =?UTF-8?B?"));
  EXPECT_THAT(encoded, Not(HasSubstr("Subject: [s3unload] commandes")));
  // A long name is several encoded-words on folded lines, none beyond 76 characters.
  f.connector_name = std::string(40, 'e') + "é" + std::string(40, 'e');
  const std::string folded = EmailMessage(NotificationEvent::kFailure, f, s, f.finished);
  const size_t subject = folded.find("Subject: =?UTF-8?B?");
  ASSERT_NE(subject, std::string::npos);
  const size_t first_end = folded.find("\r\n", subject);
  EXPECT_LE(first_end - subject, 76u);
  EXPECT_EQ(folded.substr(first_end, 13), "\r\n =?UTF-8?B?");
}

}  // namespace
}  // namespace s3u::service
