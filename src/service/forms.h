// The API's request and response bodies for accounts and connectors (docs/api.md), as pure
// conversions between JSON and the store's records, and the job a connector runs. Parsing
// reports every problem at once as field errors named as the API documents them ("name",
// "details.path", "schedule.time", "retry.max_retries"), which the web page shows beside
// each field. Secrets go in (account forms) but never come out (AccountJson).
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "service/schedule.h"
#include "store/accounts.h"
#include "store/connectors.h"
#include "unload/job_spec.h"

namespace s3u::service {

// A request body: a JSON object, else the field error "body". A key given twice in one object
// is a field error on that key ("settings.details.path": nlohmann's parser would silently keep
// the last one, so what was checked and what the user meant could differ).
Checked<nlohmann::json> ParseBody(std::string_view text);

// The Retry pane: a failed run is retried every `every_minutes` up to `max_retries` times.
struct RetryPolicy {
  int every_minutes = 15;  // 1..1440
  int max_retries = 0;     // 0..20; 0 = never
  bool operator==(const RetryPolicy&) const = default;
};
Checked<RetryPolicy> ParseRetry(const nlohmann::json& form);
nlohmann::json RetryJson(const RetryPolicy& retry);

// An account from a POST/PUT body. `kind` is taken from the body for a new account, and must
// match `existing_kind` for an edit. For an edit an absent or empty secret keeps the saved one
// (the store's rule); `clear_session_token` is set by `"aws_session_token": null`. A role
// account's empty role_session_name is store::kDefaultRoleSessionName; whether its
// base_account_id names a saved AWS account is the caller's to check (it needs the store).
struct AccountForm {
  store::Account account;
  bool clear_session_token = false;
};
Checked<AccountForm> ParseAccountForm(const nlohmann::json& body,
                                      std::optional<store::AccountKind> existing_kind);

// An edit of the saved account `saved`, with the saved secrets filled in where the edit leaves
// them out (absent or ""), for a test or a save. A saved secret is only ever sent to the
// address it was saved with (issue 14, S1): when the edit changes where the account's
// requests go (Domo: domo_api_url, domo_instance_url; AWS: endpoint_url, region, bucket),
// every saved secret it leaves out is a field error on that secret, and nothing is filled in.
// Addresses compare after trimming trailing '/' and with an empty Domo API URL as Domo's own
// (https://api.domo.com), so an edit that spells the same address differently is no change.
// `"aws_session_token": null` (clear_session_token) gives up the saved token instead.
// A role account holds no secret (its base account's keys stay with their own address:
// jobs::CheckRoleBase, checked at every use); its empty external_id is the saved one.
Checked<store::Account> WithSavedSecrets(const store::Account& saved, const AccountForm& edit);

// An account as the API shows it: no secret, only whether each is set.
nlohmann::json AccountJson(const store::Account& account, const std::vector<std::string>& used_by);

// A connector from a POST/PUT body, shape-checked (settings are checked by ConnectorJobSpec,
// which needs the accounts).
struct ConnectorForm {
  std::string name;
  bool enabled = true;
  std::string domo_account_id, aws_account_id;
  nlohmann::json settings = nlohmann::json::object();
  Schedule schedule;
  RetryPolicy retry;
};
Checked<ConnectorForm> ParseConnectorForm(const nlohmann::json& body);
// The same, parsing all it can: problems are appended to `errors`, and fields with a problem
// keep their defaults, so the rest of the form can still be checked (every problem at once).
ConnectorForm ParseConnectorFormPartly(const nlohmann::json& body, FieldErrors& errors);

// The record to store for a form (user fields only; the scheduler's state is the store's).
store::ConnectorRecord ToRecord(const ConnectorForm& form);
// The inverse, for a stored connector (its JSON was validated when it was saved).
Result<ConnectorForm> FromRecord(const store::ConnectorRecord& record);

// The job a connector runs: its settings over the two accounts' values, named after the
// connector. `aws` is an AWS or an AWS role account; `aws_base` the role's base account (null:
// none; jobs::RoleBase). `specific_day` overrides details.specific_day for one run. Field
// errors name the settings' fields ("details.path") and the accounts ("domo_account_id"). A
// missing account (null) is the caller's to report: problems with the credentials it would
// give are left out, so the error list may then be empty.
Checked<unload::JobSpec> ConnectorJobSpec(const ConnectorForm& form, const store::Account* domo,
                                          const store::Account* aws,
                                          const store::Account* aws_base = nullptr,
                                          std::optional<int> specific_day = std::nullopt);

}  // namespace s3u::service
