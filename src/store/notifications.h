// A connector's notification settings and the record of every notification delivered (or not),
// as stored (migration 6). The service owns the meaning of the settings (service/
// notifications.h): the store keeps their non-secret part as the JSON object it is given, and
// the two secrets, the webhook URL (a Slack incoming-webhook URL is itself the credential) and
// the SMTP password, sealed with the SecretBox like the accounts' secrets.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>

namespace s3u::store {

struct NotificationRecord {
  std::string connector_id;   // FK to connectors (ON DELETE CASCADE): one row per connector
  std::string settings_json;  // JSON object: the non-secret settings (the service's)
  std::string webhook_url;    // secret, sealed at rest; "" = none
  std::string smtp_password;  // secret, sealed at rest; "" = none
  // The notifier's state, not the user's: the connector's last final outcome was a failure, so
  // its next success is a recovery. Left alone by SaveNotifications.
  bool failing = false;
  int64_t updated_ms = 0;  // set by the store from its Clock
  bool operator==(const NotificationRecord&) const = default;
};

// One notification, once it was delivered or given up on. Never holds a secret: `target` is
// the webhook's host or the SMTP server's URL, `error` is redacted by the caller.
struct DeliveryRecord {
  int64_t id = 0;  // assigned by RecordDelivery, increasing
  std::string connector_id;
  std::string run_id;
  std::string event;    // "failure", "recovery" or "success"
  std::string channel;  // "webhook" or "email"
  std::string target;
  bool delivered = false;
  int attempts = 0;   // >= 1
  std::string error;  // why it was given up on; "" when delivered
  int64_t finished_ms = 0;
  bool operator==(const DeliveryRecord&) const = default;
};

}  // namespace s3u::store
