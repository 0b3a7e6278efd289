// The receivers of the notification tests (tests/support/notification_receivers.py, a test
// stand-in): a real SMTP server (Debian's python3-aiosmtpd) and a small webhook receiver on
// free 127.0.0.1 ports, saving what they receive in a temporary directory, read back here.
// Both save before they answer, so what a successful send delivered is there once it returns.
//
// Thread-safety: one test thread.
#pragma once

#include <string>
#include <vector>

namespace s3u::testing {

class NotificationReceivers {
 public:
  // `webhook_failures`: the webhook answers the first that many requests 503. A receiver that
  // does not start fails the test (its stderr in the message).
  explicit NotificationReceivers(int webhook_failures = 0);
  ~NotificationReceivers();  // SIGTERM, then waits; removes its directory
  NotificationReceivers(const NotificationReceivers&) = delete;
  NotificationReceivers& operator=(const NotificationReceivers&) = delete;

  std::string smtp_url() const { return "smtp://127.0.0.1:" + std::to_string(smtp_port_); }
  std::string webhook_url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(http_port_) + path;
  }

  // What arrived, oldest first: webhook bodies; mails as received (X-Envelope-From and
  // X-Envelope-To headers first, then the message as sent).
  std::vector<std::string> Webhooks() const { return Read("json"); }
  std::vector<std::string> Mails() const { return Read("eml"); }
  // The same mails as Python's email package decodes them: "Subject: <decoded>\n\n<text>".
  std::vector<std::string> DecodedMails() const { return Read("txt"); }

 private:
  std::vector<std::string> Read(const std::string& extension) const;

  std::string dir_;
  int pid_ = -1;
  int smtp_port_ = 0, http_port_ = 0;
};

}  // namespace s3u::testing
