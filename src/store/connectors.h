// The service's connectors as stored: the user's fields (name, accounts, and the job, schedule
// and retry settings as JSON objects the service validates and the store keeps as given) and
// the scheduler's state (next run, pending retry), which the service writes separately so that
// editing a connector never loses a pending retry. The Store (store.h) persists them.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace s3u::store {

struct ConnectorRecord {
  std::string id;    // "con_" + 16 hex; assigned by CreateConnector when empty
  std::string name;  // unique, non-empty, <= kMaxNameLength characters (accounts.h)
  bool enabled = true;
  std::string domo_account_id, aws_account_id;  // FKs to accounts (ON DELETE RESTRICT)
  std::string settings_json;  // JSON object: the connector's job fields (validated by the
                              // service, stored as given)
  std::string schedule_json;  // JSON object (service's schedule form)
  std::string retry_json;     // JSON object {"every_minutes":N,"max_retries":M}
  int64_t created_ms = 0, updated_ms = 0;  // set by the store from its Clock (user edits only)
  // Scheduler state, written by the service (CreateConnector stores what it is given;
  // UpdateConnector leaves it alone; SetNextRun / SetPendingRetry / ClearPendingRetry change it):
  std::optional<int64_t> next_run_ms;   // next scheduled fire; nullopt = manual/disabled
  std::optional<int64_t> retry_due_ms;  // a pending retry (survives restarts)
  int retry_attempt = 0;        // the attempt number the pending retry will run as (2, 3, ...)
  std::string retry_of_run_id;  // the failed run it retries
  bool operator==(const ConnectorRecord&) const = default;
};

}  // namespace s3u::store
