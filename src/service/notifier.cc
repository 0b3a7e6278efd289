#include "service/notifier.h"

#include <fmt/format.h>

#include <random>

#include "core/time_format.h"

namespace s3u::service {
namespace {

// The authority of an http(s) URL: all a message may say of a webhook.
std::string WebhookHost(const std::string& url) {
  const size_t start = url.find("://");
  const std::string rest = start == std::string::npos ? url : url.substr(start + 3);
  return rest.substr(0, rest.find_first_of("/?#"));
}

}  // namespace

struct Notifier::Delivery {
  std::string connector_id, run_id;
  NotificationEvent event;
  std::string channel, target;
  std::string webhook_url, webhook_body;   // channel "webhook"
  http::MailRequest mail;                  // channel "email"
  std::shared_ptr<const Logger> redactor;  // the connector's secrets
};

Result<void> CurlNotificationSender::PostWebhook(const std::string& url,
                                                 const std::string& json_body) {
  const std::string subject = "webhook " + WebhookHost(url);
  http::Request request;
  request.method = "POST";
  request.url = url;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = json_body;
  auto response = http_.Send(request);
  if (!response) {
    Error error = response.error();
    error.subject = subject;  // the client's names the path, which may be the credential
    return Fail(std::move(error));
  }
  const int status = response->status;
  if (status >= 200 && status < 300) return {};
  const std::string said = fmt::format("the webhook answered HTTP {}", status);
  if (status == 429) {
    Error error{ErrorCode::kResourceExhausted, subject, said + " (throttled)", status, {}};
    if (auto after = response->Header("Retry-After")) {
      error.retry_after = http::ParseRetryAfter(*after, std::chrono::system_clock::now());
    }
    return Fail(std::move(error));
  }
  if (status == 408 || status >= 500) return Fail(ErrorCode::kUnavailable, subject, said, status);
  return Fail(ErrorCode::kFailedPrecondition, subject,
              said + "; check the webhook's URL (it is not retried)", status);
}

Result<void> CurlNotificationSender::SendMail(const http::MailRequest& mail) {
  return http::SendMail(mail);
}

Notifier::Notifier(store::Store& store, Clock& clock, NotificationSender& sender, Logger& log,
                   std::unique_ptr<Executor> executor, NotifierOptions options)
    : store_(store),
      clock_(clock),
      sender_(sender),
      log_(log),
      options_(std::move(options)),
      executor_(std::move(executor)) {
  if (!options_.random) options_.random = http::MakeRandom(std::random_device{}());
}

Notifier::~Notifier() {
  stopping_ = true;
  executor_.reset();
}

void Notifier::OnRunEnded(const RunEnded& ended, bool retry_scheduled) {
  const std::string subject = "connector " + ended.connector_id + " run " + ended.run_id;
  auto record = store_.GetNotifications(ended.connector_id);
  if (!record) return log_.Error("notifications: " + record.error().ToString());
  if (!*record) return;  // none configured
  auto settings = NotificationsFromRecord(**record);
  if (!settings) return log_.Error("notifications: " + settings.error().ToString());
  const NotificationDecision decision =
      DecideNotification(*settings, (*record)->failing, ended.status, retry_scheduled);
  if (decision.failing != (*record)->failing) {
    if (auto ok = store_.SetNotificationsFailing(ended.connector_id, decision.failing); !ok) {
      log_.Error("notifications: " + ok.error().ToString());
    }
  }
  if (!decision.event) return;
  auto connector = store_.GetConnector(ended.connector_id);
  auto run = store_.GetRun(ended.run_id);
  if (!connector || !run) {
    return log_.Error("notifications of " + subject + ": " +
                      (!connector ? connector.error() : run.error()).ToString());
  }

  auto redactor = std::make_shared<Logger>(LogLevel::kOff);
  // The webhook's URL, and its path alone (what an HTTP error quotes: "POST /services/...").
  redactor->AddSecret(settings->webhook_url);
  const std::string host = WebhookHost(settings->webhook_url);
  if (const size_t at = settings->webhook_url.find(host);
      !host.empty() && at != std::string::npos) {
    redactor->AddSecret(settings->webhook_url.substr(at + host.size()));
  }
  redactor->AddSecret(settings->smtp_password);
  for (const std::string& id : {connector->domo_account_id, connector->aws_account_id}) {
    if (auto account = store_.GetAccount(id)) {
      redactor->AddSecret(account->domo_client_secret);
      redactor->AddSecret(account->aws_secret_access_key);
      redactor->AddSecret(account->aws_session_token);
    }
  }
  RunFacts facts;
  facts.connector_id = connector->id;
  facts.connector_name = connector->name;
  facts.run_id = run->run_id;
  facts.day = run->day;
  facts.status = run->status;
  facts.attempt = run->attempt;
  facts.rows = run->result.rows;
  facts.objects = run->result.objects;
  facts.bytes = run->result.bytes;
  facts.error_code = run->result.error_code;
  facts.error_message = redactor->Redact(run->result.error_message);
  facts.finished = std::chrono::system_clock::time_point(
      std::chrono::milliseconds(run->finished_ms.value_or(ended.finished_ms)));

  Delivery base{connector->id, run->run_id, *decision.event, "", "", "", "", {}, redactor};
  if (!settings->webhook_url.empty()) {
    Delivery d = base;
    d.channel = "webhook";
    d.target = WebhookHost(settings->webhook_url);
    d.webhook_url = settings->webhook_url;
    d.webhook_body = WebhookBody(*decision.event, facts, settings->webhook_format);
    executor_->Submit([this, d = std::move(d)] { Deliver(d); });
  }
  if (!settings->smtp_url.empty()) {
    Delivery d = base;
    d.channel = "email";
    d.target = settings->smtp_url;
    d.mail = {
        settings->smtp_url,      settings->smtp_username,
        settings->smtp_password, settings->mail_from,
        settings->mail_to,       EmailMessage(*decision.event, facts, *settings, clock_.Now())};
    executor_->Submit([this, d = std::move(d)] { Deliver(d); });
  }
}

void Notifier::Deliver(const Delivery& d) {
  int attempts = 0;
  const std::string service = d.channel == "webhook" ? "the webhook" : "the SMTP server";
  auto sent = http::RunWithRetry<void>(
      options_.retry, clock_, options_.random, service, [&](int attempt) -> Result<void> {
        if (attempt > 1 && stopping_) {
          return Fail(ErrorCode::kCancelled, d.channel, "the service is stopping");
        }
        attempts = attempt;
        return d.channel == "webhook" ? sender_.PostWebhook(d.webhook_url, d.webhook_body)
                                      : sender_.SendMail(d.mail);
      });
  store::DeliveryRecord record{0,
                               d.connector_id,
                               d.run_id,
                               std::string(EventName(d.event)),
                               d.channel,
                               d.target,
                               sent.has_value(),
                               attempts,
                               sent ? "" : d.redactor->Redact(sent.error().ToString()),
                               EpochMillis(clock_.Now())};
  if (auto ok = store_.RecordDelivery(record); !ok) log_.Error(ok.error().ToString());
  const std::string line = fmt::format("connector {} run {}: {} notification by {} to {}",
                                       d.connector_id, d.run_id, record.event, d.channel, d.target);
  if (sent) {
    log_.Info(line + fmt::format(": delivered (attempt {})", attempts));
  } else {
    log_.Warn(line +
              fmt::format(": not delivered after {} attempt(s): {}", attempts, record.error));
  }
}

}  // namespace s3u::service
