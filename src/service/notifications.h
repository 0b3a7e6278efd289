// Notifications of a connector's runs (docs/operations.md, "Notifications"): which runs are
// told about, and what is sent. Pure: the settings form, the decision and the bodies are values
// in, values out; sending and retrying are the Notifier's (notifier.h).
//
// The rules:
//   - failure: a run that FAILED and gets no retry (the Retry pane's retries are exhausted, the
//     connector is disabled, or it was a backfill's day); a failed attempt that will be retried
//     is not told about;
//   - recovery: the first success after such a failure (one, however many failures came before);
//   - success: any other success, only when asked for (on_success); CANCELLED runs: nothing.
// What is sent names the connector, the run, its day, status, attempt, counts and error (code
// and message, redacted by the caller): never an account secret, a webhook URL or a password.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/run_status.h"
#include "store/notifications.h"

namespace s3u::service {

// The settings of a connector's notifications, as the API takes and shows them.
struct NotificationSettings {
  bool on_failure = true;
  bool on_recovery = true;
  bool on_success = false;
  // Webhook: POSTed a JSON body; "" = no webhook. A secret (a Slack URL is the credential).
  std::string webhook_url;
  std::string webhook_format = "json";  // "json" (our body) or "slack" ({"text": ...})
  // Email over SMTP: "" = no email. smtp:// uses STARTTLS when the server offers it, and
  // requires it when a password is set; smtps:// is TLS from the start.
  std::string smtp_url;
  std::string smtp_username;
  std::string smtp_password;  // a secret
  std::string mail_from;
  std::vector<std::string> mail_to;
};

// A PUT body (docs/api.md) over the saved settings (`saved`, null: none yet). An absent or
// empty webhook.url / email.password keeps the saved one; `"webhook": null` / `"email": null`
// removes the channel. A saved password is only sent to the server it was saved for: when
// email.smtp_url changes, an absent password is a field error. Field errors name the fields
// ("webhook.url", "email.to[1]"). URLs: http(s) for webhooks, smtp(s) for mail, with a host and
// no user info.
Checked<NotificationSettings> ParseNotificationForm(const nlohmann::json& body,
                                                    const NotificationSettings* saved);

// Conversions to and from the stored record (its secrets in their own fields).
store::NotificationRecord NotificationsToRecord(const std::string& connector_id,
                                                const NotificationSettings& settings);
Result<NotificationSettings> NotificationsFromRecord(const store::NotificationRecord& record);

// As the API shows them: no secret, only whether each is set (and the webhook's host).
nlohmann::json NotificationsJson(const NotificationSettings& settings, bool failing);
nlohmann::json DeliveryJson(const store::DeliveryRecord& delivery);

enum class NotificationEvent { kFailure, kRecovery, kSuccess };
std::string_view EventName(NotificationEvent event);  // "failure", "recovery", "success"

struct NotificationDecision {
  std::optional<NotificationEvent> event;  // what to send, if anything
  bool failing = false;                    // the connector's state from now on
};
// See the rules at the top. `was_failing`: the state before this run.
NotificationDecision DecideNotification(const NotificationSettings& settings, bool was_failing,
                                        RunStatus status, bool retry_scheduled);

// What a notification says about a run.
struct RunFacts {
  std::string connector_id, connector_name;
  std::string run_id, day;  // day "" when the run did not get as far as choosing it
  RunStatus status = RunStatus::kFailed;
  int attempt = 1;
  int64_t rows = 0, objects = 0, bytes = 0;
  std::string error_code, error_message;  // redacted by the caller
  std::chrono::system_clock::time_point finished;
};

// One line for people: "s3unload: orders-daily failed (day 2025-03-09, attempt 3): ...".
std::string NotificationText(NotificationEvent event, const RunFacts& facts);
// The webhook's body: for "json" {"event", "connector": {id, name}, "run": {...}, "text"},
// for "slack" {"text": NotificationText}.
std::string WebhookBody(NotificationEvent event, const RunFacts& facts, const std::string& format);
// The whole message for SMTP (RFC 5322, CRLF lines): Date (`now`), From, To, Subject,
// Message-ID, MIME headers (UTF-8 text, a Subject beyond ASCII as RFC 2047 encoded-words of at
// most 75 characters), then the text as quoted-printable: no line longer than 76 characters
// whatever the length of an error message, decoded by any mail reader to exactly the text.
std::string EmailMessage(NotificationEvent event, const RunFacts& facts,
                         const NotificationSettings& settings,
                         std::chrono::system_clock::time_point now);

}  // namespace s3u::service
