// Sends a connector's notifications (service/notifications.h decides what) when its runs end,
// and records every delivery in the store, delivered or given up on.
//
// The scheduler calls OnRunEnded once a run's retry decision is made (SchedulerOptions::
// run_ended). OnRunEnded reads the store and decides at once, updating the connector's failing
// state, but sends nothing itself: each channel's delivery is submitted to the Notifier's own
// executor (one thread in the service), so a slow webhook never holds up a run's thread or the
// scheduler. A delivery is retried (http::RunWithRetry: transient failures and throttling,
// within NotifierOptions::retry, time from the Clock); a failed delivery is recorded and logged,
// and never changes the run's outcome.
//
// Secrets: what is sent holds none (notifications.h); the run's error message, redacted when the
// run recorded it, is redacted again with the connector's account secrets, its webhook URL and
// SMTP password, and so are the delivery errors recorded and logged.
//
// Thread-safety: OnRunEnded may be called from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/executor.h"
#include "core/log.h"
#include "http/http.h"
#include "http/retry.h"
#include "http/smtp.h"
#include "service/notifications.h"
#include "service/scheduler.h"
#include "store/store.h"

namespace s3u::service {

// One attempt at each channel; errors are classified for http::DecideRetry (kUnavailable and
// kResourceExhausted are retried).
class NotificationSender {
 public:
  virtual ~NotificationSender() = default;
  virtual Result<void> PostWebhook(const std::string& url, const std::string& json_body) = 0;
  virtual Result<void> SendMail(const http::MailRequest& mail) = 0;
};

// The real sender: webhooks through `http` (a 2xx answer is delivered; 429 throttled, 408 and
// 5xx transient, any other status refused for good), mail through http::SendMail. Error
// subjects name the webhook's host only: the rest of its URL may be the credential.
class CurlNotificationSender final : public NotificationSender {
 public:
  explicit CurlNotificationSender(http::HttpClient& http) : http_(http) {}
  Result<void> PostWebhook(const std::string& url, const std::string& json_body) override;
  Result<void> SendMail(const http::MailRequest& mail) override;

 private:
  http::HttpClient& http_;
};

struct NotifierOptions {
  // A notification matters less than the run it is about: a few attempts within two minutes,
  // so a receiver that is down for good is given up on (and recorded) soon.
  http::RetryPolicy retry{.budget = std::chrono::minutes(2),
                          .max_attempts = 5,
                          .base_delay = std::chrono::seconds(2),
                          .throttle_base_delay = std::chrono::seconds(5),
                          .max_delay = std::chrono::seconds(30)};
  std::function<double()> random;  // jitter in [0,1); default http::MakeRandom
};

class Notifier {
 public:
  // References must outlive the Notifier. `executor` runs the deliveries (a ThreadPool(1) in
  // the service, an InlineExecutor in tests) and is destroyed first by the destructor.
  Notifier(store::Store& store, Clock& clock, NotificationSender& sender, Logger& log,
           std::unique_ptr<Executor> executor, NotifierOptions options = {});
  // Stops retrying (deliveries still queued get one attempt each) and waits for them.
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // A run of a connector ended: `retry_scheduled` when the scheduler will run it again.
  void OnRunEnded(const RunEnded& ended, bool retry_scheduled);

 private:
  struct Delivery;
  void Deliver(const Delivery& delivery);

  store::Store& store_;
  Clock& clock_;
  NotificationSender& sender_;
  Logger& log_;
  NotifierOptions options_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<Executor> executor_;  // last: destroyed (drained) before the rest
};

}  // namespace s3u::service
